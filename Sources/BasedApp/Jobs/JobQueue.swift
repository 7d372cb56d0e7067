import Foundation
import Logging
import SQLKit

/// One row of `jobs`.
public struct Job: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case queued, running, done, failed }

    public var id: UUID
    public var kind: String
    /// JSON object with the handler's input.
    public var payload: String
    /// At most one unfinished job per key (for example one processing job per track).
    public var dedupeKey: String?
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var leaseUntil: Date?
    public var worker: String?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(payload.utf8))
    }
}

/// A durable job queue in the database. Jobs are leased: a worker that dies
/// stops renewing its lease and the job is claimed again once it lapses.
/// Failed attempts are retried with exponential backoff.
public struct JobQueue: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Adds a job, on `sql` so it can share the caller's transaction. With a
    /// `dedupeKey`, an existing unfinished job with that key is kept instead.
    /// No worker takes it before `runAt`.
    public func enqueue(
        kind: String, payload: some Encodable, dedupeKey: String? = nil, maxAttempts: Int = 5, runAt: Date = Date(), on sql: any SQLDatabase
    ) async throws {
        let now = Date()
        let job = Job(
            id: .v7(now: now), kind: kind, payload: JSONText.encode(payload), dedupeKey: dedupeKey, state: .queued,
            attempts: 0, maxAttempts: maxAttempts, runAt: runAt, leaseUntil: nil, worker: nil, lastError: nil,
            createdAt: now, updatedAt: now
        )
        if let dedupeKey {
            // A finished job keeps its key only until a new one is wanted.
            try await sql.update("jobs").set("dedupe_key", to: SQLLiteral.null)
                .where("dedupe_key", .equal, dedupeKey).where("state", .in, [Job.State.done.rawValue, Job.State.failed.rawValue])
                .run()
        }
        try await sql.insert(into: "jobs").model(job, keyEncodingStrategy: .convertToSnakeCase)
            .ignoringConflicts(with: ["dedupe_key"]).run()
    }

    /// Takes the next due job (or one whose lease lapsed) for `worker`.
    public func claim(worker: String, lease: Duration, now: Date = Date()) async throws -> Job? {
        let until = now.addingTimeInterval(lease.seconds)
        let lock = database.dialect == .postgres ? SQLQueryString(" FOR UPDATE SKIP LOCKED") : SQLQueryString("")
        let query: SQLQueryString = """
            UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = \(bind: until),
                worker = \(bind: worker), updated_at = \(bind: now)
            WHERE id = (
                SELECT id FROM jobs
                WHERE (state = 'queued' AND run_at <= \(bind: now)) OR (state = 'running' AND lease_until < \(bind: now))
                ORDER BY run_at LIMIT 1\(lock)
            )
            RETURNING *
            """
        return try await database.transaction { sql in
            try await sql.raw(query).first(decoding: Job.self, keyDecodingStrategy: .snakeCaseColumns)
        }
    }

    /// Extends the lease of a job this worker holds; false when it lost it.
    public func renew(_ job: Job, worker: String, lease: Duration) async throws -> Bool {
        let until = Date().addingTimeInterval(lease.seconds)
        // In a transaction, so that on SQLite it takes its turn among this process's writers.
        return try await database.transaction { sql in
            try await sql.update("jobs").set("lease_until", to: until)
                .where("id", .equal, job.id).where("worker", .equal, worker).where("state", .equal, Job.State.running.rawValue)
                .returning("id").first() != nil
        }
    }

    public func complete(_ job: Job, worker: String) async throws {
        try await database.sql.update("jobs")
            .set("state", to: Job.State.done.rawValue).set("lease_until", to: SQLLiteral.null)
            .set("last_error", to: SQLLiteral.null).set("updated_at", to: Date())
            .where("id", .equal, job.id).where("worker", .equal, worker).run()
    }

    /// Records a failed attempt. Returns true when the job has no attempts left.
    @discardableResult
    public func fail(_ job: Job, worker: String, error: String, now: Date = Date()) async throws -> Bool {
        let final = job.attempts >= job.maxAttempts
        // 5 s, 10 s, 20 s, … capped at 10 minutes.
        let delay = min(600, 5 * pow(2, Double(max(0, job.attempts - 1))))
        try await database.sql.update("jobs")
            .set("state", to: (final ? Job.State.failed : Job.State.queued).rawValue)
            .set("run_at", to: now.addingTimeInterval(final ? 0 : delay))
            .set("lease_until", to: SQLLiteral.null)
            .set("last_error", to: String(error.prefix(1000)))
            .set("updated_at", to: now)
            .where("id", .equal, job.id).where("worker", .equal, worker).run()
        return final
    }

    /// Whether a job of this kind was ever queued here (done ones stay in the table).
    public func hasQueued(kind: String) async throws -> Bool {
        try await database.sql.select().column("id").from("jobs").where("kind", .equal, kind).limit(1).first() != nil
    }

    /// Lets a running job's key be taken by a new job: for work that must
    /// run again if more arrives while it runs.
    public func releaseKey(of job: Job) async throws {
        try await database.sql.update("jobs").set("dedupe_key", to: SQLLiteral.null).where("id", .equal, job.id).run()
    }

    public func job(id: UUID) async throws -> Job? {
        try await database.sql.select().column("*").from("jobs").where("id", .equal, id)
            .first(decoding: Job.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    public func jobs(kind: String) async throws -> [Job] {
        try await database.sql.select().column("*").from("jobs").where("kind", .equal, kind).orderBy("id")
            .all(decoding: Job.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// How the queue is doing (the admin dashboard): jobs per state, failures
    /// since `since`, and the longest a due job has waited.
    public struct Health: Sendable, Equatable {
        public var queued: Int
        public var running: Int
        public var failed: Int
        public var failedSince: Int
        public var oldestDue: Date?
    }

    public func health(since: Date, now: Date = Date()) async throws -> Health {
        struct Row: Decodable { var queued: Int; var running: Int; var failed: Int; var failedSince: Int; var oldestDue: Date? }
        let row = try await database.sql.raw("""
            SELECT COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0) AS queued,
                   COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0) AS running,
                   COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
                   COALESCE(SUM(CASE WHEN state = 'failed' AND updated_at >= \(bind: since) THEN 1 ELSE 0 END), 0) AS failed_since,
                   MIN(CASE WHEN state = 'queued' AND run_at <= \(bind: now) THEN run_at END) AS oldest_due
            FROM jobs WHERE state <> 'done'
            """).first(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Health(queued: row?.queued ?? 0, running: row?.running ?? 0, failed: row?.failed ?? 0, failedSince: row?.failedSince ?? 0, oldestDue: row?.oldestDue)
    }
}
