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
}
