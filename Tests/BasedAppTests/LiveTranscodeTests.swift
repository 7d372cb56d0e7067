import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@Suite("Live transcoding")
struct LiveTranscodeTests {
    @Test("a rendition that does not exist yet is transcoded while streamed, shared, then served from the cache with ranges")
    func liveThenCached() async throws {
        let audio = try await makeAudio(seconds: 20, format: "flac")
        try await withApp({ $0.workers = 0 }) { client, services in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            #expect(track.state == "processing")
            let uri = "/api/v1/tracks/\(track.id)/stream?format=mp3&maxBitRate=128"
            // Three listeners at once: one ffmpeg, the same bytes for each.
            let bodies = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let response = try await client.request(.get, uri, token: ana.accessToken)
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType] == "audio/mpeg")
                        return Array(buffer: response.body)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
            let file = services.configuration.dataDirectory.appendingPathComponent("live.mp3")
            try Data(bodies[0]).write(to: file)
            let probe = try await AudioProbe.inspect(file)
            #expect(probe.codec == "mp3")
            #expect(abs(probe.duration - 20) < 0.5)
            let cache = services.blobs.root.appendingPathComponent("cache")
            #expect(try regularFiles(under: cache).map { URL(fileURLWithPath: $0).lastPathComponent } == ["live-mp3-128.mp3"])

            let ranged = try await client.request(.get, uri, token: ana.accessToken, headers: [.range: "bytes=0-99"])
            #expect(ranged.status == .partialContent)
            #expect(Array(buffer: ranged.body) == Array(bodies[0][0...99]))
            // Others still cannot hear a track that is not ready.
            let bob = try await client.register("bob")
            #expect(try await client.request(.get, uri, token: bob.accessToken).status == .notFound)
        }
    }

    @Test("a listener who hangs up stops the transcode; nothing half-written stays")
    func disconnect() async throws {
        let configuration = try await testConfiguration { $0.workers = 0 }
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let audio = configuration.dataDirectory.appendingPathComponent("long.flac")
        try Data(try await makeAudio(seconds: 600, format: "flac")).write(to: audio)
        let services = try await AppServices.start(configuration, logger: Logger(label: "test"))
        let app = try buildApplication(services: services, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let ana = try await client.register("ana", role: "artist")
            let port = client.port!
            let track = try await uploadByCurl(Array(try Data(contentsOf: audio)), token: ana.accessToken, port: port, scratch: configuration.dataDirectory)
            // curl reads the first 20 kB and hangs up.
            let result = try await Subprocess.run("sh", ["-c", "curl -s -H 'authorization: Bearer \(ana.accessToken)' 'http://127.0.0.1:\(port)/api/v1/tracks/\(track.id)/stream?format=opus' | head -c 20000 | wc -c"])
            #expect(String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "20000")
            let cache = services.blobs.root.appendingPathComponent("cache/\(track.id)")
            var left: [String] = ["?"]
            for _ in 0..<100 {
                left = (try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []
                if left.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(left.isEmpty, "\(left)")
            let ffmpeg = try await Subprocess.run("sh", ["-c", "pgrep -f '[f]fmpeg.*\(track.id)' || true"])
            #expect(ffmpeg.standardOutput.isEmpty)
        }
    }
}
