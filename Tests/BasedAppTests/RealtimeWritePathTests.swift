@testable import BasedApp
import BasedRealtime
import Foundation
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import SQLKit
import Testing

@Suite("Realtime write path and SQLite checkpoints")
struct RealtimeWritePathTests {
    /// A fan-out writes frames it encoded itself, below NIO's frame encoder;
    /// the bytes must be exactly what that encoder writes, at every length class.
    @Test("a pre-encoded frame has the bytes NIO's WebSocket encoder writes", arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
    func wireFrameMatchesEncoder(length: Int) throws {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: payload)).wait()
        var expected = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { expected.writeBuffer(&part) }
        _ = try channel.finish()

        let wire = WireFrame(text: payload)
        #expect(wire.bytes.readableBytes == expected.readableBytes)
        #expect(wire.bytes == expected)
    }

    @Test("a message fan-out is timed in /metrics")
    func fanOutMetric() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaSocket.next("hello")
            _ = try await anaSocket.call(#"{"type":"send","id":"s1","to":"\#(ben.user.id)","clientMessageId":"m-1","text":"hello"}"#, id: "s1")
            _ = try await benSocket.next("message")

            let text = String(buffer: try await client.request(.get, "/metrics").body)
            let count = text.split(separator: "\n").first { $0.hasPrefix(#"based_realtime_fanout_duration_seconds_count{audience="1-10"}"#) }
            let value = try #require(count.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) })
            #expect(value >= 1)
            #expect(text.contains(#"based_realtime_frames_fanned_out_total{audience="1-10"}"#))
            await anaSocket.close()
            await benSocket.close()
        }
    }

    /// Below SQLite's own threshold nothing would copy the WAL into the
    /// database file; the background checkpointer does, within a second or so.
    @Test("the WAL is checkpointed in the background, long before 1,000 pages")
    func backgroundCheckpoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("based.sqlite").path
        // The checkpoints are the database's own work: they run while it runs.
        try await Database.withOpen(.sqlite(path: path), logger: Logger(label: "test")) { database in
            try await database.sql.raw("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").run()
            let before = try fileSize(path)
            // About 200 pages: a fifth of SQLite's default checkpoint threshold.
            for id in 0..<200 {
                try await database.sql.raw("INSERT INTO blobs (id, body) VALUES (\(bind: id), randomblob(4000))").run()
            }
            let deadline = ContinuousClock.now + .seconds(20)
            var after = try fileSize(path)
            while after < before + 700_000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                after = try fileSize(path)
            }
            #expect(after >= before + 700_000, "the database file grew from \(before) to \(after) bytes")
        }
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
