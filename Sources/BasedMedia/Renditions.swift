import Foundation

/// A delivery format of a track: codec, bit rate and file.
public struct Rendition: Sendable, Hashable, Codable {
    public enum Codec: String, Sendable, Codable, CaseIterable { case aac, mp3, opus }

    public var codec: Codec
    /// Kilobits per second.
    public var bitRate: Int

    public init(_ codec: Codec, _ bitRate: Int) {
        self.codec = codec
        self.bitRate = bitRate
    }

    public var fileName: String {
        switch codec {
        case .aac: "aac-\(bitRate).m4a"
        case .mp3: "mp3-\(bitRate).mp3"
        case .opus: "opus-\(bitRate).opus"
        }
    }

    public var mediaType: String {
        switch codec {
        case .aac: "audio/mp4"
        case .mp3: "audio/mpeg"
        case .opus: "audio/ogg; codecs=opus"
        }
    }

    /// The progressive files made for every track.
    public static let progressive: [Rendition] = [
        .init(.aac, 128), .init(.aac, 256), .init(.mp3, 128), .init(.mp3, 320), .init(.opus, 64), .init(.opus, 128),
    ]

    /// The HLS ladder (AAC in fragmented MP4).
    public static let hlsLadder = [64, 128, 256]

    /// The best rendition of `codec` at or under `maxBitRate` (the lowest when none fits).
    public static func choose(_ codec: Codec, maxBitRate: Int?) -> Rendition {
        let options = progressive.filter { $0.codec == codec }.sorted { $0.bitRate < $1.bitRate }
        guard let limit = maxBitRate, limit > 0 else { return options.last! }
        return options.last { $0.bitRate <= limit } ?? options.first!
    }

    /// ffmpeg's output options for this rendition.
    var encoderArguments: [String] {
        switch codec {
        case .aac: ["-c:a", "aac", "-b:a", "\(bitRate)k", "-movflags", "+faststart", "-f", "mp4"]
        case .mp3: ["-c:a", "libmp3lame", "-b:a", "\(bitRate)k", "-f", "mp3"]
        case .opus: ["-c:a", "libopus", "-b:a", "\(bitRate)k", "-f", "ogg"]
        }
    }
}

/// Encodes renditions with ffmpeg. Outputs are written under temporary names
/// and renamed into place, so a crash never leaves a half file that looks done.
public enum Encoder {
    /// All progressive renditions in one ffmpeg run (one decode, several encodes).
    public static func encodeProgressive(_ input: URL, renditions: [Rendition], into directory: URL, duration: Double) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        removeLeftovers(in: directory)
        var arguments = ["-nostdin", "-v", "error", "-y", "-i", input.path]
        var moves: [(URL, URL)] = []
        for rendition in renditions {
            let final = directory.appendingPathComponent(rendition.fileName)
            let partial = directory.appendingPathComponent(".\(rendition.fileName).\(UUID().uuidString).part")
            arguments += ["-map", "0:a:0", "-map_metadata", "-1", "-ac", "2"] + rendition.encoderArguments + [partial.path]
            moves.append((partial, final))
        }
        let result = try await Subprocess.run("ffmpeg", arguments, timeout: .seconds(max(300, Int64(duration))))
        guard result.succeeded else {
            for (partial, _) in moves { try? FileManager.default.removeItem(at: partial) }
            throw ToolError(code: .failed, tool: "ffmpeg", message: String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
        for (partial, final) in moves { try BlobStore.moveIntoPlace(partial, final) }
    }

    /// The HLS ladder: a master playlist and one media playlist per bit rate,
    /// AAC in fMP4 segments of 6 s after short first ones, so playback starts at once.
    public static func encodeHLS(_ input: URL, into directory: URL, duration: Double) async throws {
        removeLeftovers(in: directory.deletingLastPathComponent())
        let partial = directory.deletingLastPathComponent().appendingPathComponent(".hls-\(UUID().uuidString).part")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        var arguments = ["-nostdin", "-v", "error", "-y", "-i", input.path]
        for _ in Rendition.hlsLadder { arguments += ["-map", "0:a:0"] }
        arguments += ["-map_metadata", "-1", "-c:a", "aac", "-ac", "2"]
        for (index, rate) in Rendition.hlsLadder.enumerated() { arguments += ["-b:a:\(index)", "\(rate)k"] }
        arguments += [
            "-f", "hls", "-hls_time", "6", "-hls_init_time", "2", "-hls_list_size", "0", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", partial.path + "/%v/seg-%05d.m4s",
            "-master_pl_name", "master.m3u8",
            "-var_stream_map", Rendition.hlsLadder.enumerated().map { "a:\($0.offset),name:\($0.element)k" }.joined(separator: " "),
            partial.path + "/%v/index.m3u8",
        ]
        let result = try await Subprocess.run("ffmpeg", arguments, timeout: .seconds(max(300, Int64(duration))))
        guard result.succeeded else {
            try? FileManager.default.removeItem(at: partial)
            throw ToolError(code: .failed, tool: "ffmpeg", message: String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
        try? FileManager.default.removeItem(at: directory)
        try BlobStore.moveIntoPlace(partial, directory)
    }

    /// Partial outputs of an earlier run that was killed before it could rename them.
    static func removeLeftovers(in directory: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".part") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// The embedded cover picture, if any, as a file ffmpeg can read.
    public static func extractCover(_ input: URL, to output: URL) async throws -> Bool {
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-i", input.path, "-map", "0:v:0", "-frames:v", "1", "-c:v", "mjpeg", "-f", "image2", output.path,
        ], timeout: .seconds(30))
        return result.succeeded && FileManager.default.fileExists(atPath: output.path)
    }
}
