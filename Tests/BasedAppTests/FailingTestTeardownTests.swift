import BasedApp
import Foundation
import Testing

/// A test that fails must still stop its server: these threw through the test
/// framework once, which cancelled the services instead of stopping them, and
/// on a loaded machine a job worker then waited for a PostgreSQL connection forever.
@Suite("Test servers stop when a test fails")
struct FailingTestTeardownTests {
    struct Boom: Error {}

    @Test("a live app whose body throws with a socket open still stops")
    func throwsWithSocket() async throws {
        await #expect(throws: Boom.self) {
            try await withLiveApp { client, port, _ in
                let ana = try await client.register("ana")
                let socket = try await TestSocket.connect(port: port, token: ana.accessToken)
                _ = try await socket.next("hello")
                throw Boom()
            }
        }
    }

    @Test("a live app whose body throws with a client that never reads still stops", arguments: [0, 1])
    func throwsWithStuckClient(_ delay: Int) async throws {
        await #expect(throws: Boom.self) {
            try await withLiveApp({ $0.realtimePing = .seconds(1) }) { client, port, _ in
                let ana = try await client.register("ana")
                let ben = try await client.register("ben")
                let socket = try await TestSocket.connect(port: port, token: ana.accessToken)
                _ = try await socket.next("hello")
                _ = try await StuckClient.connect(port: port, token: ben.accessToken)
                try await Task.sleep(for: .milliseconds(delay * 300))
                throw Boom()
            }
        }
    }

    @Test("a live app whose body throws with nothing open still stops")
    func throwsBare() async throws {
        await #expect(throws: Boom.self) {
            try await withLiveApp { client, _, _ in
                _ = try await client.register("ana")
                throw Boom()
            }
        }
    }
}
