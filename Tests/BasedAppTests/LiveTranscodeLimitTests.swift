@testable import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Live transcodes that fail end in an error the client sees, and there are never more of them than configured.
@Suite("Live transcodes: failure and the cap")
struct LiveTranscodeLimitTests {
    @Test("a live transcode that fails midway ends the response abruptly, never as a complete 200")
    func failedTranscodeIsAnError() async throws {
        let audio = try await makeAudio(seconds: 600, format: "flac")
        try await withLiveServer({ $0.workers = 0 }) { client, services, port in
            let ana = try await client.register("ana", role: "artist")
            let track = try await uploadByCurl(audio, token: ana.accessToken, port: port, scratch: services.configuration.dataDirectory)
            let out = services.configuration.dataDirectory.appendingPathComponent("heard.opus")
            let url = "http://127.0.0.1:\(port)/api/v1/tracks/\(track.id)/stream?format=opus"
            let listening = Task { try await curl(url, token: ana.accessToken, into: out) }
            // Once the first audio has arrived, ffmpeg dies (as when it crashes or is killed for memory).
            var heard = 0
            for _ in 0..<400 where heard == 0 {
                heard = ((try? FileManager.default.attributesOfItem(atPath: out.path))?[.size] as? Int) ?? 0
                if heard == 0 { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(heard > 0)
            let found = try await Subprocess.run("sh", ["-c", "pgrep -f '[f]fmpeg.*\(track.id).*live-opus' || true"])
            let pids = String(decoding: found.standardOutput, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
            #expect(pids.count == 1)
            for pid in pids { _ = try await Subprocess.run("kill", ["-KILL", pid]) }
            let result = try await listening.value
            #expect(result.status == "200")
            #expect(result.exit != "0", "curl saw a complete response")
            // Nothing half-written stays in the cache.
            #expect(await services.live.active == 0)
            #expect(await services.live.finished(track: track.id, rendition: Rendition.choose(.opus, maxBitRate: nil)) == nil)
        }
    }

    @Test("past BASED_TRANSCODE_CONCURRENCY a stream that needs one more ffmpeg gets 503 and Retry-After; files on disk are not capped")
    func transcodeCap() async throws {
        let audio = try await makeAudio(seconds: 600, format: "flac")
        try await withLiveServer({ $0.workers = 0; $0.transcodeConcurrency = 1 }) { client, services, port in
            let ana = try await client.register("ana", role: "artist")
            let track = try await uploadByCurl(audio, token: ana.accessToken, port: port, scratch: services.configuration.dataDirectory)
            let out = services.configuration.dataDirectory.appendingPathComponent("first.opus")
            let first = Task { try await curl("http://127.0.0.1:\(port)/api/v1/tracks/\(track.id)/stream?format=opus", token: ana.accessToken, into: out) }
            var running = 0
            for _ in 0..<400 where running == 0 {
                running = await services.live.active
                if running == 0 { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(running == 1)
            let second = try await client.request(.get, "/api/v1/tracks/\(track.id)/stream?format=mp3", token: ana.accessToken)
            #expect(second.status == .serviceUnavailable)
            #expect(second.headers[.retryAfter] == String(LiveTranscoder.retryAfterSeconds))
            #expect(try second.problem().code == "transcoder_busy")
            // The original is a file on disk: no ffmpeg, no cap.
            let original = try await client.request(.get, "/api/v1/tracks/\(track.id)/stream?format=original", token: ana.accessToken, headers: [.range: "bytes=0-99"])
            #expect(original.status == .partialContent)
            #expect(try await first.value.exit == "0")
        }
    }
}
