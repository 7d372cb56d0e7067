import Foundation
import SQLKit
import Synchronization

/// Group commit for messages: sends that arrive while a transaction is
/// running wait for the next one, which stores them all and is made durable
/// once. Each send runs under a savepoint, so one refused send never undoes
/// the others; every sender is answered only after the commit.
///
/// On SQLite a commit is an fsync, and a message per transaction would cap
/// the server at the disk's fsync rate; on PostgreSQL it saves a round trip
/// and a WAL flush per message too.
final class SendBatcher: Sendable {
    static let maxBatch = 128

    private struct Waiting {
        let outgoing: MessagingService.Outgoing
        let continuation: CheckedContinuation<MessagingService.Sent, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var draining = false
    }

    private let state = Mutex(State())
    let database: Database
    let store: MessageStore

    init(database: Database, store: MessageStore) {
        self.database = database
        self.store = store
    }

    func submit(_ outgoing: MessagingService.Outgoing) async throws -> MessagingService.Sent {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.queue.append(Waiting(outgoing: outgoing, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let taken = Array(state.queue.prefix(Self.maxBatch))
                state.queue.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await database.transaction { [database, store] sql in
                    var results: [Result<MessagingService.Sent, any Error>] = []
                    for waiting in batch {
                        results.append(await Self.storeOne(waiting.outgoing, store: store, database: database, on: sql))
                    }
                    return results
                }
                for (waiting, result) in zip(batch, results) { waiting.continuation.resume(with: result) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// One send under a savepoint. A unique violation means the client id
    /// was used before (answer with that message) or a concurrent process
    /// made the same direct conversation (try once more: it is visible now).
    private static func storeOne(_ outgoing: MessagingService.Outgoing, store: MessageStore, database: Database, on sql: any SQLDatabase) async -> Result<MessagingService.Sent, any Error> {
        for attempt in 0..<2 {
            do {
                try await sql.raw("SAVEPOINT send").run()
                do {
                    let sent = try await store.store(outgoing, on: sql)
                    try await sql.raw("RELEASE SAVEPOINT send").run()
                    return .success(sent)
                } catch {
                    try await sql.raw("ROLLBACK TO SAVEPOINT send").run()
                    try await sql.raw("RELEASE SAVEPOINT send").run()
                    guard database.isUniqueViolation(error) else { return .failure(error) }
                    if let existing = try await MessagingQueries.message(sender: outgoing.sender, clientMessageId: outgoing.clientMessageId, on: sql) {
                        return .success(.init(message: existing, duplicate: true, created: nil))
                    }
                    if attempt == 1 { return .failure(error) }
                }
            } catch {
                return .failure(error)
            }
        }
        return .failure(AppError.internal)
    }
}
