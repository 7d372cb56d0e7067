@testable import BasedApp
import Foundation
import SQLKit
import Testing

@Suite("Transactions", .serialized)
struct TransactionTests {
    struct Payload: Codable { var n: Int }

    static func jobs(_ kind: String, _ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = \(bind: kind)").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test("a transaction whose task is cancelled mid-way is rolled back, and the next writer gets in")
    func cancelled() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let database = services.database
            let (inside, entered) = AsyncStream<Void>.makeStream()
            let task = Task {
                try await database.transaction { sql in
                    try await services.jobs.enqueue(kind: "cancelled", payload: Payload(n: 1), on: sql)
                    entered.yield()
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            for await _ in inside { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            // A cancelled task's queries are refused before they reach the
            // connection: without a ROLLBACK of its own, the transaction stayed
            // open on a pooled connection and kept SQLite's write lock.
            try await database.transaction { sql in
                try await services.jobs.enqueue(kind: "after", payload: Payload(n: 2), on: sql)
            }
            #expect(try await Self.jobs("cancelled", services) == 0)
            #expect(try await Self.jobs("after", services) == 1)
            // Every pooled connection is usable: none was handed back inside a transaction.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        try await database.transaction { sql in
                            try await services.jobs.enqueue(kind: "many", payload: Payload(n: n), on: sql)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Self.jobs("many", services) == 8)
        }
    }

    @Test("writers of one process take turns in order; none waits out SQLite's busy timeout")
    func turns() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let database = services.database
            // One writer holds the lock for a while; sixteen others queue behind it.
            let (inside, entered) = AsyncStream<Void>.makeStream()
            let (release, released) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await database.transaction { sql in
                    try await services.jobs.enqueue(kind: "holder", payload: Payload(n: 0), on: sql)
                    entered.yield()
                    for await _ in release { break }
                }
            }
            for await _ in inside { break }
            let waiters = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<16 {
                        group.addTask {
                            try await database.transaction { sql in
                                try await services.jobs.enqueue(kind: "waiter", payload: Payload(n: n), on: sql)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // Longer than SQLite's five-second busy timeout: polling writers would have failed with "database is locked".
            try await Task.sleep(for: .seconds(6))
            released.yield()
            try await holder.value
            try await waiters.value
            #expect(try await Self.jobs("waiter", services) == 16)
        }
    }
}
