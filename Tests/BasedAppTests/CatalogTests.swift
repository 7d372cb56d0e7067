import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

@Suite("Uploads and processing")
struct CatalogTests {
    @Test("an artist's upload is probed, tagged, processed into every rendition and becomes ready")
    func uploadAndProcess() async throws {
        let audio = try await makeAudio(seconds: 5, format: "flac", tags: [
            "title": "Night Bus", "artist": "Ana feat. Bob & Cy", "album": "Late Lines", "track": "3/9", "date": "2024-05-01", "genre": "Dub",
        ], cover: true)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let response = try await client.upload(audio, token: ana.accessToken, query: "filename=night%20bus.flac")
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let created = try response.decode(TrackBody.self)
            #expect(created.state == "processing")
            #expect(created.title == "Night Bus")
            #expect(created.featured == ["Bob", "Cy"])
            #expect(created.trackNumber == 3)
            #expect(created.year == 2024)
            #expect(created.genre == "Dub")
            #expect(created.releaseId != nil)
            #expect(created.originalFormat == "flac")
            #expect(created.originalFilename == "night bus.flac")

            let ready = try await client.waitForProcessing(created.id, token: ana.accessToken)
            #expect(ready.state == "ready", "\(ready.failureReason ?? "")")
            #expect(ready.progress == ["loudness": "done", "waveform": "done", "artwork": "done", "renditions": "done", "hls": "done"])
            let loudness = try #require(ready.loudness)
            // A full-scale-ish sine from lavfi: about -21 LUFS; the gain brings it to -18.
            #expect(loudness.integratedLufs < -10 && loudness.integratedLufs > -40)
            #expect(abs(loudness.replayGainDb - (-18 - loudness.integratedLufs)) < 0.001)
            let artwork = try #require(ready.artwork)
            #expect(try await client.request(.get, artwork.small).headers[.contentType] == "image/jpeg")

            struct Peaks: Decodable { var peaks: [Double] }
            let waveform = try await client.request(.get, "/api/v1/tracks/\(created.id)/waveform").decode(Peaks.self)
            #expect(waveform.peaks.count == 800)
            #expect(waveform.peaks.allSatisfy { (0...1).contains($0) })
            #expect(waveform.peaks.max()! > 0.1)

            let folder = services.blobs.renditions(track: created.id)
            for rendition in Rendition.progressive {
                let file = folder.appendingPathComponent(rendition.fileName)
                let probe = try await AudioProbe.inspect(file)
                #expect(probe.codec == rendition.codec.rawValue, "\(rendition.fileName)")
                #expect(abs(probe.duration - 5) < 0.2)
            }
            let master = try String(contentsOf: folder.appendingPathComponent("hls/master.m3u8"), encoding: .utf8)
            #expect(master.components(separatedBy: "#EXT-X-STREAM-INF").count == 4)

            // Listed on the artist's page, newest first.
            struct Page: Decodable { var items: [TrackBody] }
            let page = try await client.request(.get, "/api/v1/users/ana/tracks").decode(Page.self)
            #expect(page.items.map(\.id) == [created.id])
        }
    }

    @Test("what is not acceptable audio is refused with a reason and leaves nothing behind")
    func badUploads() async throws {
        let good = try await makeAudio(seconds: 6)
        let truncated = Array(good.prefix(good.count / 3))
        let corrupt = good.enumerated().map { $0.offset >= 2000 && $0.offset % 50 == 0 ? $0.element ^ 0x5A : $0.element }
        let short = try await makeAudio(seconds: 0.4)
        let video = try await makeImage(width: 64, height: 64, format: "png")
        let bomb = try await silentFLAC(seconds: 3 * 3600 + 60)
        try await withApp({ $0.maxUploadBytes = 3_000_000 }) { client, services in
            let ana = try await client.register("ana", role: "artist")
            let cases: [([UInt8], HTTPResponse.Status, String)] = [
                (Array("ID3 this is just text in a file named song.mp3".utf8), .unsupportedMediaType, "unsupported_media_type"),
                ([], .unprocessableContent, "validation_failed"),
                (truncated, .unprocessableContent, "invalid_audio"),
                (corrupt, .unprocessableContent, "invalid_audio"),
                (short, .unprocessableContent, "invalid_audio"),
                (video, .unsupportedMediaType, "unsupported_media_type"),
                (bomb, .unprocessableContent, "invalid_audio"),
                ([UInt8](repeating: 0, count: 3_100_000), .contentTooLarge, "payload_too_large"),
            ]
            for (bytes, status, code) in cases {
                let response = try await client.upload(bytes, token: ana.accessToken, query: "filename=song.mp3")
                #expect(response.status == status, "\(code): \(String(buffer: response.body))")
                #expect(try response.problem().code == code)
            }
            let tracks = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(tracks == 0)
            let jobs = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM jobs").first(decodingColumn: "n", as: Int.self)
            #expect(jobs == 0)
            #expect(try regularFiles(under: services.blobs.root).isEmpty)
        }
    }

    @Test("listeners cannot upload; nobody can without a session")
    func uploadPermissions() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, _ in
            let fan = try await client.register("fan")
            let listener = try await client.upload(audio, token: fan.accessToken)
            #expect(listener.status == .forbidden)
            let anonymous = try await client.execute(uri: "/api/v1/tracks", method: .post, headers: [:], body: ByteBuffer(bytes: audio))
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("the same file twice is reported, even when both arrive at once")
    func duplicates() async throws {
        let audio = try await makeAudio(seconds: 3)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<3 { group.addTask { try await client.upload(audio, token: ana.accessToken).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 2)
            let again = try await client.upload(audio, token: ana.accessToken)
            #expect(again.status == .conflict)
            let problem = try again.problem()
            #expect(problem.code == "duplicate_upload")
            #expect(problem.fields?.first?.field == "trackId")
            let originals = try regularFiles(under: services.blobs.root.appendingPathComponent("originals"))
            #expect(originals.count == 1)
            // Another artist may upload the same file; it is stored once.
            let bob = try await client.register("bob", role: "artist")
            #expect(try await client.upload(audio, token: bob.accessToken).status == .created)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("originals")).count == 1)
        }
    }

    @Test("file names are metadata only: traversal is cut away, Unicode kept")
    func filenames() async throws {
        let first = try await makeAudio(seconds: 2, frequency: 300)
        let second = try await makeAudio(seconds: 2, frequency: 500)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let traversal = try await client.upload(first, token: ana.accessToken, query: "filename=..%2F..%2Fetc%2Fpasswd").decode(TrackBody.self)
            #expect(traversal.originalFilename == "passwd")
            #expect(traversal.title == "passwd")
            let unicode = try await client.upload(second, token: ana.accessToken, query: "filename=%E6%9D%B1%E4%BA%AC%20%F0%9F%8E%B8%0A.mp3").decode(TrackBody.self)
            #expect(unicode.originalFilename == "東京 🎸.mp3")
            #expect(!FileManager.default.fileExists(atPath: services.configuration.dataDirectory.deletingLastPathComponent().appendingPathComponent("etc/passwd").path))
        }
    }

    @Test("only the artist edits or deletes a track; deleting removes its files")
    func editAndDelete() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let bob = try await client.register("bob", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            _ = try await client.waitForProcessing(track.id, token: ana.accessToken)

            let refused = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"Mine now"}"#, token: bob.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try await client.request(.delete, "/api/v1/tracks/\(track.id)", token: bob.accessToken).status == .forbidden)

            let invalid = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"","trackNumber":0}"#, token: ana.accessToken)
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(try invalid.problem().fields?.map(\.field) ?? []) == ["title", "trackNumber"])

            let edited = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"Renamed","visibility":"private","tags":["late night"]}"#, token: ana.accessToken)
            #expect(edited.status == .ok)
            #expect(try edited.decode(TrackBody.self).visibility == "private")
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: bob.accessToken).status == .notFound)

            #expect(try await client.request(.delete, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .notFound)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("renditions")).isEmpty)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("originals")).isEmpty)
        }
    }

    @Test("releases: made by artists, edited by their artist, private ones hidden")
    func releases() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let fan = try await client.register("fan")
            #expect(try await client.request(.post, "/api/v1/releases", json: #"{"title":"Nope"}"#, token: fan.accessToken).status == .forbidden)
            let missing = try await client.request(.post, "/api/v1/releases", json: #"{"kind":"ep"}"#, token: ana.accessToken)
            #expect(missing.status == .unprocessableContent)
            let created = try await client.request(.post, "/api/v1/releases", json: #"{"title":"First EP","kind":"ep","releaseDate":"2026-05-01","credits":[{"role":"Mixing","name":"Cy"}],"visibility":"private"}"#, token: ana.accessToken)
            #expect(created.status == .created)
            struct ReleaseBody: Decodable { var id: String; var title: String; var kind: String; var visibility: String }
            let release = try created.decode(ReleaseBody.self)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .notFound)
            #expect(try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"title":"x"}"#, token: fan.accessToken).status == .notFound)
            let badDate = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"releaseDate":"May 1st"}"#, token: ana.accessToken)
            #expect(badDate.status == .unprocessableContent)
            let published = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"visibility":"public"}"#, token: ana.accessToken)
            #expect(try published.decode(ReleaseBody.self).visibility == "public")
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .ok)
            #expect(try await client.request(.delete, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .forbidden)
            #expect(try await client.request(.delete, "/api/v1/releases/\(release.id)", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/releases/not-a-uuid").status == .notFound)
        }
    }
}

/// Regular files under a folder, recursively (empty when it does not exist).
func regularFiles(under folder: URL) throws -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    return enumerator.compactMap { item in
        guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
        return url.path
    }
}

/// A small FLAC whose header promises hours of (silent) audio.
func silentFLAC(seconds: Int) async throws -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("based-bomb-\(UUID().uuidString).flac")
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try await Subprocess.run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "\(seconds)", "-c:a", "flac", file.path])
    #expect(result.succeeded)
    return Array(try Data(contentsOf: file))
}
