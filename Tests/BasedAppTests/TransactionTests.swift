@testable import BasedApp
import Foundation
import Logging
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

    struct WaitingHandler: JobHandler {
        let kind = "waiting"
        let done: @Sendable () async -> Void
        func run(_ job: Job) async throws { await done() }
        func gaveUp(_ job: Job, reason: String) async {}
    }

    // Only SQLite has a busy timeout; PostgreSQL writers of other rows do not wait for each other.
    @Test(
        "a job whose lease renewal fails once (another process holds SQLite's lock past its busy timeout) keeps running and finishes",
        .enabled(if: !TestDatabase.isPostgres)
    )
    func renewalFailsOnce() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "waiting", payload: Payload(n: 1), on: services.database.sql)
            let job = try #require(try await queue.claim(worker: "w", lease: .seconds(12)))
            let (finish, finished) = AsyncStream<Void>.makeStream()
            let worker = JobWorker(
                queue: queue, handlers: [WaitingHandler { for await _ in finish { break } }], concurrency: 1, lease: .seconds(12), logger: Logger(label: "test")
            )
            let running = Task { await worker.execute(job, worker: "w") }
            // Another process takes the write lock before the first renewal (at 4 s) and
            // keeps it past SQLite's five-second busy timeout: that renewal fails.
            try await Database.withOpen(services.configuration.database, connections: 1, logger: Logger(label: "other")) { other in
                try await other.transaction { sql in
                    try await sql.raw("UPDATE jobs SET attempts = attempts WHERE kind = 'none'").run()
                    try await Task.sleep(for: .seconds(11))
                }
            }
            // The next renewal succeeds; the job was never cancelled and ends done.
            try await Task.sleep(for: .seconds(2))
            finished.yield()
            await running.value
            let state = try await services.database.sql.raw("SELECT state FROM jobs WHERE id = \(bind: job.id)").first()?.decode(column: "state", as: String.self)
            #expect(state == "done")
        }
    }
}
