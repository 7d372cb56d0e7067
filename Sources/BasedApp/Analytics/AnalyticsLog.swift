import Crypto
import Foundation
import SQLKit

/// What features tell analytics: one fact per change that an artist's
/// figures count. Facts are written on the caller's transaction, so a fact is
/// kept exactly when its change is; a job folds them into the per-day
/// aggregates within seconds (`AnalyticsRollupJob`).
///
/// A class so that the services holding it stay one reference wide (`AppServices`
/// is copied whole onto small stacks). Immutable after init, so Sendable.
public final class AnalyticsLog: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A listen started (counted once per listen, on the day it started).
        case play
        case completion, skip
        case like, unlike
        case playlistAdd = "playlist_add"
        case follow, unfollow
        case rsvp, checkin
    }

    public struct Fact: Sendable, Equatable {
        public var kind: Kind
        /// The artist or venue whose figures it counts.
        public var owner: UUID
        /// The track, when it is about one (a catalogue-wide fact has none).
        public var track: UUID?
        public var at: Date
        /// The listener's keyed hash (plays only): never their id.
        public var listener: UInt64?
        public var city: String?
        public var source: String?

        public init(_ kind: Kind, owner: UUID, track: UUID? = nil, at: Date, listener: UInt64? = nil, city: String? = nil, source: String? = nil) {
            self.kind = kind
            self.owner = owner
            self.track = track
            self.at = at
            self.listener = listener
            self.city = city
            self.source = source
        }
    }

    let jobs: JobQueue
    private let salt: [UInt8]
    /// Listeners' cities, from their profiles (the accounts feature answers).
    let cities: @Sendable ([UUID]) async throws -> [UUID: String]
    /// How soon after a fact the rollup runs.
    let delay: Duration

    init(jobs: JobQueue, salt: String, delay: Duration = .seconds(2), cities: @escaping @Sendable ([UUID]) async throws -> [UUID: String]) {
        self.jobs = jobs
        self.salt = Array(salt.utf8)
        self.delay = delay
        self.cities = cities
    }

    /// A listener's hash: SHA-256 of a server secret and the id, first 8 bytes.
    /// Without the secret it cannot be tied back to the account.
    public func listenerHash(_ user: UUID) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(user.text.utf8))
        return hasher.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Records facts on `sql` (the caller's transaction) and makes sure a rollup is coming.
    public func record(_ facts: [Fact], on sql: any SQLDatabase) async throws {
        guard !facts.isEmpty else { return }
        let now = Date()
        for start in stride(from: 0, to: facts.count, by: 100) {
            let insert = sql.insert(into: "analytics_facts")
                .columns("kind", "owner_id", "track_id", "day", "listener", "city", "source", "recorded_at")
            for fact in facts[start..<min(start + 100, facts.count)] {
                insert.values(
                    SQLBind(fact.kind.rawValue), SQLBind(fact.owner), SQLBind(fact.track), SQLBind(AnalyticsDay.day(of: fact.at)),
                    SQLBind(fact.listener.map { Int64(bitPattern: $0) }), SQLBind(fact.city), SQLBind(fact.source), SQLBind(now)
                )
            }
            try await insert.run()
        }
        try await jobs.enqueue(
            kind: AnalyticsRollupJob.kind, payload: AnalyticsRollupJob.Payload(), dedupeKey: AnalyticsRollupJob.dedupeKey,
            runAt: now.addingTimeInterval(delay.seconds), on: sql
        )
    }
}

/// Days as analytics counts them: whole UTC days since 1970-01-01.
public enum AnalyticsDay {
    public static func day(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    public static func date(of day: Int) -> Date {
        Date(timeIntervalSince1970: Double(day) * 86_400)
    }

    /// `YYYY-MM-DD`.
    public static func text(_ day: Int) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: date(of: day))
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Reads `YYYY-MM-DD`; nil for anything else (or a date that does not exist).
    public static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(dayOfMonth),
              let date = utc.date(from: DateComponents(year: year, month: month, day: dayOfMonth)),
              utc.component(.day, from: date) == dayOfMonth
        else { return nil }
        return day(of: date)
    }

    /// The first day of the bucket holding `day`: itself, its week's Monday, or its month's 1st.
    public static func bucket(_ day: Int, _ interval: AnalyticsService.Interval) -> Int {
        switch interval {
        case .day: return day
        // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
        case .week: return day - ((day + 3) % 7 + 7) % 7
        case .month:
            let parts = utc.dateComponents([.year, .month], from: date(of: day))
            return self.day(of: utc.date(from: DateComponents(year: parts.year, month: parts.month, day: 1))!)
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    public static func next(_ start: Int, _ interval: AnalyticsService.Interval) -> Int {
        switch interval {
        case .day: return start + 1
        case .week: return start + 7
        case .month: return day(of: utc.date(byAdding: .month, value: 1, to: date(of: start))!)
        }
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
