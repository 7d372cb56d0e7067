import Foundation
import Logging
import SQLKit

/// One page of a feature's history before analytics existed, as facts.
struct AnalyticsHistoryPage: Sendable {
    var facts: [AnalyticsLog.Fact]
    /// Where the next page starts (the feature's own key, as text); nil after the last.
    var next: String?

    /// A cursor that the feature did not write.
    struct BadCursor: Error {}

    /// A cursor of `count` keys (written by `cursor(_:)`), read by `parse`;
    /// nil before the first page, `BadCursor` for one this did not write.
    static func keys<Keys>(_ cursor: String?, count: Int, _ parse: ([String]) -> Keys?) throws -> Keys? {
        guard let cursor else { return nil }
        let fields = cursor.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == count, let keys = parse(fields) else { throw BadCursor() }
        return keys
    }

    /// The cursor of a page's last row, from its keys.
    static func cursor(_ keys: String...) -> String {
        keys.joined(separator: "|")
    }

    /// The cursor of features that page by a row id.
    static func uuid(_ cursor: String?) throws -> UUID? {
        try keys(cursor, count: 1) { UUID(uuidString: $0[0]) }
    }
}

/// Counts what happened before analytics existed (a server upgraded from a
/// version without it): listens, likes, follows, playlist additions, RSVPs
/// and check-ins from before migration 21 become the facts they would have
/// recorded, on the days they happened, and the rollup folds them in like
/// any other. Each feature turns its own rows into facts (`historicalFacts`);
/// this job walks them in stages, a page at a time.
///
/// The state is one row (`analytics_backfill`: the cutoff, the stage, the
/// feature's cursor), created by migration 24 with the time migration 21 was
/// applied as the cutoff, so nothing after it — already counted live — is
/// counted again. A page's facts and the state's step forward are written in
/// one transaction, and the step is conditional on the state still being
/// where the page began: a page seen twice (a crash after the commit, two
/// workers) is counted once, and a crash before the commit redoes it.
struct AnalyticsBackfillJob: JobHandler {
    static let kind = "analytics_backfill"
    static let dedupeKey = "analytics_backfill"
    struct Payload: Codable {}

    /// A feature's history, in the order the stages run.
    struct Stage: Sendable {
        var name: String
        var page: @Sendable (_ before: Date, _ after: String?, _ limit: Int) async throws -> AnalyticsHistoryPage
    }

    let analytics: AnalyticsService
    let stages: [Stage]
    var pageSize = 500
    var kind: String { Self.kind }

    func run(_ job: Job) async throws {
        // Up to 20 pages a job (each its own transaction), well inside a job's lease.
        for _ in 0..<20 {
            guard try await step() else { return }
        }
        // The next page under the same key: this job lets go of it first.
        try await analytics.log.jobs.releaseKey(of: job)
        try await analytics.log.jobs.enqueue(kind: Self.kind, payload: Payload(), dedupeKey: Self.dedupeKey, on: analytics.database.sql)
    }

    /// Counts one page; true while there is more to count.
    func step() async throws -> Bool {
        let database = analytics.database
        guard let state = try await AnalyticsBackfillQueries.state(on: database.sql), state.finishedAt == nil else { return false }
        var next = state
        var facts: [AnalyticsLog.Fact] = []
        if state.stage < stages.count {
            let page = try await stages[state.stage].page(state.cutoff, state.cursor, pageSize)
            facts = page.facts
            next.facts += facts.count
            if let cursor = page.next {
                next.cursor = cursor
            } else {
                next.stage += 1
                next.cursor = nil
            }
        }
        if next.stage >= stages.count { next.finishedAt = Date() }
        let stepped = try await database.transaction { [analytics, next, facts] sql in
            guard try await AnalyticsBackfillQueries.step(from: state, to: next, on: sql) else { return false }
            try await analytics.log.record(facts, on: sql)
            return true
        }
        // Another worker took this page: it goes on from where that one left the state.
        guard stepped else { return true }
        if next.finishedAt != nil {
            analytics.logger.info("analytics back-fill finished", metadata: ["facts": "\(next.facts)"])
            return false
        }
        return true
    }

    func gaveUp(_ job: Job, reason: String) async {
        analytics.logger.error("analytics back-fill gave up", metadata: ["reason": "\(reason)"])
    }

    /// Queues the back-fill when it has not finished and nothing is queued (`based serve` at start).
    static func enqueueIfUnfinished(analytics: AnalyticsService) async throws {
        let database = analytics.database
        guard let state = try await AnalyticsBackfillQueries.state(on: database.sql), state.finishedAt == nil,
              try await !analytics.log.jobs.hasQueued(kind: kind)
        else { return }
        try await analytics.log.jobs.enqueue(kind: kind, payload: Payload(), dedupeKey: dedupeKey, on: database.sql)
    }
}

enum AnalyticsBackfillQueries {
    struct State: Decodable, Equatable {
        var cutoff: Date
        var stage: Int
        var cursor: String?
        var facts: Int
        var finishedAt: Date?
    }

    static func state(on sql: any SQLDatabase) async throws -> State? {
        try await sql.select().columns("cutoff", "stage", "cursor", "facts", "finished_at").from("analytics_backfill")
            .where("id", .equal, 1).first(decoding: State.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Moves the state from `old` to `new`; false when it was no longer `old`.
    static func step(from old: State, to new: State, on sql: any SQLDatabase) async throws -> Bool {
        let cursorIs: SQLQueryString = old.cursor.map { "cursor = \(bind: $0)" } ?? "cursor IS NULL"
        return try await sql.raw("""
            UPDATE analytics_backfill SET stage = \(bind: new.stage), cursor = \(bind: new.cursor), facts = \(bind: new.facts),
                finished_at = \(bind: new.finishedAt)
            WHERE id = 1 AND finished_at IS NULL AND stage = \(bind: old.stage) AND \(cursorIs)
            RETURNING id
            """).first() != nil
    }
}
