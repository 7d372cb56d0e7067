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
        let (year, month, dayOfMonth) = civil(day)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(dayOfMonth, 2))"
    }

    /// Reads `YYYY-MM-DD`; nil for anything else (or a date that does not exist).
    public static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { (48...57).contains($0) } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(dayOfMonth)
        else { return nil }
        let day = days(year: year, month: month, day: dayOfMonth)
        // 2026-02-30 would land in March: not a date.
        guard civil(day) == (year, month, dayOfMonth) else { return nil }
        return day
    }

    /// The first day of the bucket holding `day`: itself, its week's Monday, or its month's 1st.
    public static func bucket(_ day: Int, _ interval: AnalyticsService.Interval) -> Int {
        switch interval {
        case .day: return day
        // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
        case .week: return day - ((day + 3) % 7 + 7) % 7
        case .month:
            let (year, month, _) = civil(day)
            return days(year: year, month: month, day: 1)
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    public static func next(_ start: Int, _ interval: AnalyticsService.Interval) -> Int {
        switch interval {
        case .day: return start + 1
        case .week: return start + 7
        case .month:
            let (year, month, _) = civil(start)
            return month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        }
    }

    // Proleptic Gregorian days by integer arithmetic (Howard Hinnant's
    // `days_from_civil` / `civil_from_days`): a dashboard turns hundreds of
    // days into text, and Foundation's Calendar costs microseconds a call.

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
