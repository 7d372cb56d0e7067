import BasedRealtime
import Crypto
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLKit
import Synchronization

/// What else, besides realtime delivery, wants other processes' events:
/// caches that drop what another process changed. Hooks run on the
/// listener's task and must be quick.
final class BusHooks: Sendable {
    private let hooks = Mutex<[@Sendable (BusEvent) -> Void]>([])

    func add(_ hook: @escaping @Sendable (BusEvent) -> Void) {
        hooks.withLock { $0.append(hook) }
    }

    func run(_ event: BusEvent) {
        for hook in hooks.withLock({ $0 }) { hook(event) }
    }
}

/// Carries `BusEvent`s between server processes.
protocol EventBus: Sendable {
    func publish(_ event: BusEvent) async
    /// Receives other processes' events until cancelled.
    func listen(_ receive: @escaping @Sendable (BusEvent) async -> Void) async throws
}

/// One process (SQLite): the publisher already delivered everything locally.
struct LocalEventBus: EventBus {
    func publish(_ event: BusEvent) async {}

    func listen(_ receive: @escaping @Sendable (BusEvent) async -> Void) async throws {
        try await gracefulSleepForever()
    }
}

/// PostgreSQL LISTEN/NOTIFY on the channel `based_events`, or
/// `based_events_<schema>` when the database URL names a schema: channels are
/// database-wide, and servers on other schemas of the same database (other
/// scenes, or parallel test runs) must not hear each other.
struct PostgresEventBus: EventBus {
    let database: Database
    let configuration: PostgresConnection.Configuration
    let processID: UUID
    let logger: Logger

    var channel: String { Self.channel(schema: database.schema) }

    static func channel(schema: String?) -> String {
        guard let schema, !schema.isEmpty else { return "based_events" }
        let safe = String(schema.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }.prefix(40))
        // Schemas that differ only in dropped characters still get different channels.
        let digest = SHA256.hash(data: Data(schema.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return "based_events_\(safe)_\(digest)"
    }

    func publish(_ event: BusEvent) async {
        var event = event
        event.o = processID
        let payload = String(decoding: (try? JSONEncoder().encode(event)) ?? Data(), as: UTF8.self)
        do {
            try await database.sql.raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").run()
        } catch {
            // Delivery to other processes is best effort; clients resume from the database.
            logger.warning("could not publish a realtime event", metadata: ["error": "\(error)"])
        }
    }

    func listen(_ receive: @escaping @Sendable (BusEvent) async -> Void) async throws {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
                ).get()
                attempt = 0
                do {
                    try await connection.listen(on: channel) { notifications in
                        let decoder = JSONDecoder()
                        for try await notification in notifications {
                            guard let event = try? decoder.decode(BusEvent.self, from: Data(notification.payload.utf8)) else { continue }
                            if event.o == processID { continue }
                            await receive(event)
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                attempt += 1
                logger.warning("realtime listener lost its connection; reconnecting", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: .milliseconds(min(5000, 100 * (1 << min(attempt, 6)))))
            }
        }
    }
}

/// Sleeps until the task is cancelled.
func gracefulSleepForever() async throws {
    while !Task.isCancelled {
        try await Task.sleep(for: .seconds(3600))
    }
}
