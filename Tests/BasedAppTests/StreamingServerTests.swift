@testable import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Files over real connections go out with sendfile(2), and ranges still hold.
@Suite("Streaming over real connections")
struct StreamingServerTests {
    @Test("over a real connection, renditions go out with sendfile, whole and in ranges, byte for byte")
    func sendfileRanges() async throws {
        let audio = try await makeAudio(seconds: 5, format: "wav")
        try await withLiveServer { client, services, port in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            let file = services.blobs.renditions(track: track.id).appendingPathComponent(Rendition.choose(.aac, maxBitRate: 128).fileName)
            let bytes = Array(try Data(contentsOf: file))
            let url = "http://127.0.0.1:\(port)/api/v1/tracks/\(track.id)/stream?format=aac&maxBitRate=128"
            let out = services.configuration.dataDirectory.appendingPathComponent("heard")
            let size = bytes.count
            let cases: [(String?, String, ArraySlice<UInt8>)] = [
                (nil, "200", bytes[...]),
                ("bytes=0-65535", "206", bytes[0...65535]),
                ("bytes=1000-", "206", bytes[1000...]),
                ("bytes=-7", "206", bytes[(size - 7)...]),
            ]
            for (range, status, expected) in cases {
                let heard = try await curl(url, token: ana.accessToken, range: range, into: out)
                #expect(heard.status == status, "\(range ?? "whole")")
                #expect(heard.exit == "0", "\(range ?? "whole")")
                #expect(Array(try Data(contentsOf: out)) == Array(expected), "\(range ?? "whole")")
            }
            let past = try await curl(url, token: ana.accessToken, range: "bytes=\(size)-", into: out)
            #expect(past.status == "416")
            #expect(services.sendFile.regionsSent >= cases.count)

            // The internal header that names the file never reaches the client.
            let headers = try await Subprocess.run("sh", ["-c", "curl -s -D - -o /dev/null -H 'authorization: Bearer \(ana.accessToken)' '\(url)'"])
            let head = String(decoding: headers.standardOutput, as: UTF8.self).lowercased()
            #expect(head.contains("content-length: \(size)"))
            #expect(!head.contains(SendFile.header.canonicalName))
            // Each file sent counts in the request metrics, once the kernel has taken its last byte.
            let route = #"route="/api/v1/tracks/{trackId}/stream""#
            var counted = 0
            for _ in 0..<40 where counted < cases.count + 1 {
                counted = services.metrics.render().split(separator: "\n")
                    .filter { $0.hasPrefix("based_http_requests_total") && $0.contains(route) && $0.contains(#"status="2"#) }
                    .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(counted >= cases.count + 1)
        }
    }

    @Test("signed links to ready renditions are answered before the router, with the router's bytes, headers and metrics; the rest goes on to it")
    func fastPath() async throws {
        // 20 s: the whole rendition (about 320 KB) is large enough to go out corked.
        let audio = try await makeAudio(seconds: 20, format: "wav")
        // Cached facts kept for the whole test: which request the fast path answers must not depend on the machine's speed.
        try await withLiveServer({ $0.openFileValidity = .seconds(3600); $0.readyTrackValidity = .seconds(3600) }) { client, services, port in
            let fastPath = try #require(services.streamFastPath)
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            let link = try await client.request(.post, "/api/v1/tracks/\(track.id)/stream-url", token: ana.accessToken).decode(Schemas.StreamLink.self)
            let url = "http://127.0.0.1:\(port)\(link.url)&format=aac&maxBitRate=128"
            let file = services.blobs.renditions(track: track.id).appendingPathComponent(Rendition.choose(.aac, maxBitRate: 128).fileName)
            let bytes = Array(try Data(contentsOf: file))
            #expect(bytes.count >= StreamFastPath.corkBytes)
            let out = services.configuration.dataDirectory.appendingPathComponent("heard")

            // The first request finds the caches cold and goes to the router, which fills them.
            #expect(try await curl(url, into: out).status == "200")
            let warm = fastPath.requestsAnswered
            let cases: [(String?, String, ArraySlice<UInt8>)] = [
                (nil, "200", bytes[...]),
                ("bytes=0-65535", "206", bytes[0...65535]),
                ("bytes=1000-", "206", bytes[1000...]),
                ("bytes=-7", "206", bytes[(bytes.count - 7)...]),
            ]
            for (range, status, expected) in cases {
                let heard = try await curl(url, range: range, into: out)
                #expect(heard.status == status, "\(range ?? "whole")")
                #expect(heard.exit == "0", "\(range ?? "whole")")
                #expect(Array(try Data(contentsOf: out)) == Array(expected), "\(range ?? "whole")")
            }
            #expect(fastPath.requestsAnswered == warm + cases.count)
            // A browser's `Connection: keep-alive` changes nothing; `close` goes to the router, which closes.
            for (connection, answered) in [("keep-alive", 1), ("close", 0)] {
                let before = fastPath.requestsAnswered
                let result = try await Subprocess.run("curl", ["-s", "-o", out.path, "-w", "%{http_code}", "-H", "connection: \(connection)", url])
                #expect(String(decoding: result.standardOutput, as: UTF8.self) == "200", "\(connection)")
                #expect(Array(try Data(contentsOf: out)) == bytes, "\(connection)")
                #expect(fastPath.requestsAnswered == before + answered, "\(connection)")
            }

            // The same request through the router (a credential sends it there): the same headers.
            func head(_ extra: String) async throws -> [String: String] {
                let result = try await Subprocess.run("sh", ["-c", "curl -s -D - -o /dev/null -H 'range: bytes=0-99' \(extra) '\(url)'"])
                var fields: [String: String] = [:]
                for line in String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return fields
            }
            let before = fastPath.requestsAnswered
            let fast = try await head("")
            let routed = try await head("-H 'authorization: Bearer \(ana.accessToken)'")
            #expect(fastPath.requestsAnswered == before + 1)
            #expect(Set(fast.keys) == Set(routed.keys))
            for name in ["content-type", "content-length", "content-range", "etag", "last-modified", "accept-ranges", "cache-control", "server"] {
                #expect(fast[name] != nil && fast[name] == routed[name], "\(name)")
            }
            #expect(fast["x-request-id"] != nil && fast["date"] != nil)
            #expect(fast[SendFile.header.canonicalName] == nil)

            // HEAD, and a conditional request that is up to date.
            let answered = fastPath.requestsAnswered
            let headOnly = try await Subprocess.run("sh", ["-c", "curl -s -I -o /dev/null -w '%{http_code} %{size_download}' '\(url)'"])
            #expect(String(decoding: headOnly.standardOutput, as: UTF8.self) == "200 0")
            let etag = try #require(fast["etag"])
            let conditional = try await Subprocess.run("sh", ["-c", "curl -s -o /dev/null -w '%{http_code}' -H 'if-none-match: \(etag)' '\(url)'"])
            #expect(String(decoding: conditional.standardOutput, as: UTF8.self) == "304")
            #expect(fastPath.requestsAnswered == answered + 2)

            // One connection, answers from both paths in turn, each whole.
            let health = services.configuration.dataDirectory.appendingPathComponent("health")
            let second = services.configuration.dataDirectory.appendingPathComponent("second")
            let mixed = try await Subprocess.run("curl", ["-s", "-H", "range: bytes=0-65535", url, "-o", out.path, "http://127.0.0.1:\(port)/health", "-o", health.path, url, "-o", second.path, "-w", "%{num_connects} "])
            #expect(mixed.succeeded)
            #expect(String(decoding: mixed.standardOutput, as: UTF8.self).split(separator: " ") == ["1", "0", "0"])
            #expect(Array(try Data(contentsOf: out)) == Array(bytes[0...65535]))
            #expect(String(decoding: try Data(contentsOf: health), as: UTF8.self).contains("ok"))
            #expect(Array(try Data(contentsOf: second)) == Array(bytes[0...65535]))

            // What it does not answer, the router does: past the end, a forged signature, another format.
            let passed = fastPath.requestsAnswered
            #expect(try await curl(url, range: "bytes=\(bytes.count)-", into: out).status == "416")
            #expect(try await curl(url.replacingOccurrences(of: "sig=", with: "sig=x"), into: out).status == "403")
            #expect(try await curl(url.replacingOccurrences(of: "format=aac", with: "format=flac"), into: out).status == "422")
            #expect(fastPath.requestsAnswered == passed)

            // Its answers count in the request metrics like the router's, once the kernel has the last byte.
            func partials() -> Int {
                services.metrics.render().split(separator: "\n")
                    .filter { $0.hasPrefix("based_http_requests_total") && $0.contains(#"route="/api/v1/tracks/{trackId}/stream""#) && $0.contains(#"status="206""#) }
                    .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
            }
            let partialsBefore = partials()
            let counting = fastPath.requestsAnswered
            #expect(try await curl(url, range: "bytes=0-99", into: out).status == "206")
            #expect(fastPath.requestsAnswered == counting + 1)
            var partialsAfter = partials()
            for _ in 0..<40 where partialsAfter == partialsBefore {
                try await Task.sleep(for: .milliseconds(50))
                partialsAfter = partials()
            }
            #expect(partialsAfter == partialsBefore + 1)

            // A deleted track is gone at once, not served from the caches.
            #expect(try await client.request(.delete, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .noContent)
            let gone = fastPath.requestsAnswered
            #expect(try await curl(url, into: out).status == "404")
            #expect(fastPath.requestsAnswered == gone)
        }
    }

    @Test("the fast path reads a stream path's track id as Foundation does, and nothing else as one")
    func fastPathTrackIDs() {
        for _ in 0..<50 {
            let id = UUID()
            for text in [id.uuidString, id.uuidString.lowercased()] {
                let parsed = StreamFastPath.trackID("/api/v1/tracks/\(text)/stream"[...])
                #expect(parsed?.0 == id)
                #expect(parsed?.1 == id.uuidString.lowercased())
            }
        }
        let id = UUID().uuidString
        for path in [
            "/api/v1/tracks/\(id)/streams", "/api/v1/tracks/\(id)x/stream", "/api/v1/tracks/\(id.dropLast())/stream",
            "/api/v1/tracks/\(id.replacingOccurrences(of: "-", with: "0"))/stream", "/api/v1/track/\(id)/stream",
            "/api/v1/tracks/\(id.prefix(35))g/stream", "/api/v1/tracks/\(id)/hls/master.m3u8",
        ] {
            #expect(StreamFastPath.trackID(path[...]) == nil, "\(path)")
        }
    }
}
