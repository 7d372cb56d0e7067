import BasedAPI
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Real audio made by ffmpeg: a tone with tags (and a cover when asked).
func makeAudio(seconds: Double = 4, format: String = "mp3", frequency: Int = 440, tags: [String: String] = [:], cover: Bool = false) async throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-audio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("audio.\(format)")
    var arguments = ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=\(frequency):duration=\(seconds)"]
    if cover {
        arguments += ["-f", "lavfi", "-i", "testsrc=size=600x600:rate=1:duration=1", "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic"]
    }
    for (key, value) in tags { arguments += ["-metadata", "\(key)=\(value)"] }
    arguments.append(file.path)
    let result = try await Subprocess.run("ffmpeg", arguments)
    #expect(result.succeeded, "\(String(decoding: result.standardError, as: UTF8.self))")
    return Array(try Data(contentsOf: file))
}

/// A hand-written copy of `Schemas.Track`, kept only because StreamingTests and
/// LiveTranscodeTests (being changed by others) compare `state` with strings;
/// once they decode `Schemas.Track` this goes.
struct TrackBody: Decodable {
    struct Loudness: Decodable { var integratedLufs: Double; var truePeakDbtp: Double; var replayGainDb: Double }
    struct Artist: Decodable { var username: String }
    var id: String
    var title: String
    var artist: Artist
    var featured: [String]
    var releaseId: String?
    var trackNumber: Int?
    var genre: String?
    var year: Int?
    var visibility: String
    var state: String
    var failureReason: String?
    var progress: [String: String]
    var durationSeconds: Double?
    var loudness: Loudness?
    var originalFilename: String?
    var originalFormat: String
    var playCount: Int
    var listenerCount: Int
    struct Artwork: Decodable { var small: String; var large: String }
    var artwork: Artwork?
}

extension TestClientProtocol {
    func upload(_ bytes: [UInt8], token: String, query: String = "") async throws -> TestResponse {
        try await execute(
            uri: "/api/v1/tracks\(query.isEmpty ? "" : "?\(query)")", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
            body: ByteBuffer(bytes: bytes)
        )
    }

    /// Polls the track until processing ends (ready or failed), for at most
    /// five minutes: the whole suite runs in parallel on two cores, and one
    /// worker processes the demo's nine tracks in turn (a limit, not a timing).
    func waitUntilProcessed(_ id: String, token: String) async throws -> Schemas.Track {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let track = try await request(.get, "/api/v1/tracks/\(id)", token: token).decode(Schemas.Track.self)
            if track.state != .processing { return track }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("track \(id) still processing after five minutes")
        throw CancellationError()
    }

    /// `waitUntilProcessed` for the files that still decode `TrackBody`.
    func waitForProcessing(_ id: String, token: String) async throws -> TrackBody {
        _ = try await waitUntilProcessed(id, token: token)
        return try await request(.get, "/api/v1/tracks/\(id)", token: token).decode(TrackBody.self)
    }
}
