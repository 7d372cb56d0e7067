import Foundation
import SQLKit

/// The SQL of analytics: facts waiting for the rollup, and the per-day aggregates.
enum AnalyticsQueries {
    /// Rows per multi-row statement (at most 14 values each: well under the bound-value limits).
    static let rowsPerStatement = 100

    // MARK: Rollup

    /// Serialises rollups: the rollup row is written first in each rollup's
    /// transaction (a row lock on PostgreSQL; SQLite has one writer anyway).
    static func lock(on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE analytics_rollups SET facts = facts WHERE name = 'facts'").run()
    }

    struct FactRow: Decodable {
        var id: Int64
        var kind: String
        var ownerId: UUID
        var trackId: UUID?
        var day: Int
        var listener: Int64?
        var city: String?
        var source: String?
    }

    static func facts(limit: Int, on sql: any SQLDatabase) async throws -> [AnalyticsBatch.StoredFact] {
        try await sql.select().columns("id", "kind", "owner_id", "track_id", "day", "listener", "city", "source")
            .from("analytics_facts").orderBy("id").limit(limit)
            .all(decoding: FactRow.self, keyDecodingStrategy: .snakeCaseColumns)
            .compactMap { row in
                // A kind this version does not know (written by a newer one) waits for it.
                guard let kind = AnalyticsLog.Kind(rawValue: row.kind) else { return nil }
                return .init(id: row.id, kind: kind, owner: row.ownerId, track: row.trackId, day: row.day,
                             listener: row.listener.map { UInt64(bitPattern: $0) }, city: row.city, source: row.source)
            }
    }

    static func deleteFacts(ids: [Int64], dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        let rows = JSONRows(dialect, [.int])
        for chunk in rows.chunks(ids.map { [.int(Int($0))] }) {
            try await sql.raw("DELETE FROM analytics_facts WHERE id IN (SELECT \(unsafeRaw: rows.cell(0)) FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close))").run()
        }
    }

    static func finish(facts: Int, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("analytics_rollups").set(SQLIdentifier("facts"), to: SQLRaw("facts + \(facts)")).set("ran_at", to: now)
            .where("name", .equal, "facts").run()
    }

    struct SketchRow: Decodable {
        var ownerId: UUID
        var trackId: UUID?
        var day: Int
        var city: String?
        var listeners: Data?
    }

    /// The stored listener sketches of these rows of `table` (`analytics_days`
    /// or `analytics_months`); rows without one are absent.
    static func sketches(
        _ keys: [AnalyticsBatch.DayKey], table: String, dialect: Database.Dialect, on sql: any SQLDatabase
    ) async throws -> [AnalyticsBatch.DayKey: ListenerSketch] {
        let rows = JSONRows(dialect, [.uuid, .uuid, .int])
        var found: [AnalyticsBatch.DayKey: ListenerSketch] = [:]
        for chunk in rows.chunks(keys.map { [.uuid($0.owner), .uuid($0.track), .int($0.day)] }) {
            let stored = try await sql.raw("""
                SELECT d.owner_id, d.track_id, d.day, d.listeners FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close)
                JOIN \(unsafeRaw: table) AS d ON d.owner_id = \(unsafeRaw: rows.cell(0)) AND d.track_id = \(unsafeRaw: rows.cell(1)) AND d.day = \(unsafeRaw: rows.cell(2))
                WHERE d.listeners IS NOT NULL
                """).all(decoding: SketchRow.self, keyDecodingStrategy: .snakeCaseColumns)
            for row in stored {
                if let track = row.trackId, let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) {
                    found[.init(owner: row.ownerId, track: track, day: row.day)] = sketch
                }
            }
        }
        return found
    }

    /// The same for `analytics_cities` or `analytics_city_months`.
    static func citySketches(
        _ keys: [AnalyticsBatch.CityKey], table: String, dialect: Database.Dialect, on sql: any SQLDatabase
    ) async throws -> [AnalyticsBatch.CityKey: ListenerSketch] {
        let rows = JSONRows(dialect, [.uuid, .int, .text])
        var found: [AnalyticsBatch.CityKey: ListenerSketch] = [:]
        for chunk in rows.chunks(keys.map { [.uuid($0.owner), .int($0.day), .text($0.city)] }) {
            let stored = try await sql.raw("""
                SELECT d.owner_id, d.day, d.city, d.listeners FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close)
                JOIN \(unsafeRaw: table) AS d ON d.owner_id = \(unsafeRaw: rows.cell(0)) AND d.day = \(unsafeRaw: rows.cell(1)) AND d.city = \(unsafeRaw: rows.cell(2))
                WHERE d.listeners IS NOT NULL
                """).all(decoding: SketchRow.self, keyDecodingStrategy: .snakeCaseColumns)
            for row in stored {
                if let city = row.city, let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) {
                    found[.init(owner: row.ownerId, day: row.day, city: city)] = sketch
                }
            }
        }
        return found
    }

    /// Adds counters to rows of `table` (making them when new); a given sketch replaces the stored one.
    static func addDays(
        _ changes: [(key: AnalyticsBatch.DayKey, counters: AnalyticsBatch.Counters, listeners: ListenerSketch?)], table: String,
        dialect: Database.Dialect, on sql: any SQLDatabase
    ) async throws {
        let counters = AnalyticsBatch.Counters.columns
        let rows = JSONRows(dialect, [.uuid, .uuid, .int] + counters.map { _ in .int } + [.blob])
        let set = counters.map { "\($0) = \(table).\($0) + excluded.\($0)" } + ["listeners = COALESCE(excluded.listeners, \(table).listeners)"]
        let columns = (["owner_id", "track_id", "day"] + counters + ["listeners"]).joined(separator: ", ")
        for chunk in rows.chunks(changes.map { change in
            [.uuid(change.key.owner), .uuid(change.key.track), .int(change.key.day)] + change.counters.values.map { .int($0) }
                + [.blob(change.listeners?.encoded)]
        }) {
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns)) SELECT \(unsafeRaw: rows.cells) FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close) WHERE true
                ON CONFLICT (owner_id, track_id, day) DO UPDATE SET \(unsafeRaw: set.joined(separator: ", "))
                """).run()
        }
    }

    static func addSources(_ changes: [(key: AnalyticsBatch.SourceKey, plays: Int)], dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        let rows = JSONRows(dialect, [.uuid, .uuid, .int, .text, .int])
        for chunk in rows.chunks(changes.map { [.uuid($0.key.owner), .uuid($0.key.track), .int($0.key.day), .text($0.key.source), .int($0.plays)] }) {
            try await sql.raw("""
                INSERT INTO analytics_sources (owner_id, track_id, day, source, plays) SELECT \(unsafeRaw: rows.cells) FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close) WHERE true
                ON CONFLICT (owner_id, track_id, day, source) DO UPDATE SET plays = analytics_sources.plays + excluded.plays
                """).run()
        }
    }

    /// Adds plays to rows of `table` (`analytics_cities` or `analytics_city_months`), replacing their sketches.
    static func addCities(
        _ changes: [(key: AnalyticsBatch.CityKey, plays: Int, listeners: ListenerSketch)], table: String, dialect: Database.Dialect, on sql: any SQLDatabase
    ) async throws {
        let rows = JSONRows(dialect, [.uuid, .int, .text, .int, .blob])
        for chunk in rows.chunks(changes.map { [.uuid($0.key.owner), .int($0.key.day), .text($0.key.city), .int($0.plays), .blob($0.listeners.encoded)] }) {
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: table) (owner_id, day, city, plays, listeners) SELECT \(unsafeRaw: rows.cells) FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close) WHERE true
                ON CONFLICT (owner_id, day, city) DO UPDATE SET plays = \(unsafeRaw: table).plays + excluded.plays, listeners = excluded.listeners
                """).run()
        }
    }

    static func erase(owner: UUID, on sql: any SQLDatabase) async throws {
        for table in ["analytics_facts", "analytics_days", "analytics_months", "analytics_sources", "analytics_cities", "analytics_city_months"] {
            try await sql.delete(from: table).where("owner_id", .equal, owner).run()
        }
    }

    // MARK: Dashboards

    struct DayRow: Decodable {
        var day: Int
        var plays: Int
        var completions: Int
        var skips: Int
        var likes: Int
        var unlikes: Int
        var playlistAdds: Int
        var follows: Int
        var unfollows: Int
        var rsvps: Int
        var checkins: Int
        var listeners: Data?
    }

    /// One owner's rows of `table` (`analytics_days` or `analytics_months`) for a track (or the catalogue) over days `from...to`.
    static func rows(_ table: String, owner: UUID, track: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [DayRow] {
        try await sql.select().columns(["day"] + AnalyticsBatch.Counters.columns + ["listeners"]).from(table)
            .where("owner_id", .equal, owner).where("track_id", .equal, track)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all().map(DayRow.init(row:))
    }

    /// Plays by source over the days, most first.
    static func sources(owner: UUID, track: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [(source: String, plays: Int)] {
        struct Row: Decodable { var source: String; var plays: Int }
        return try await sql.select().column("source").column(SQLFunction("SUM", args: SQLColumn("plays")), as: "plays")
            .from("analytics_sources")
            .where("owner_id", .equal, owner).where("track_id", .equal, track)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .groupBy("source").orderBy("plays", .descending).orderBy("source")
            .all(decoding: Row.self).map { ($0.source, $0.plays) }
    }

    struct CityRow: Decodable {
        var city: String
        var plays: Int
        var listeners: Data?
    }

    /// Plays per city in rows of `analytics_cities` or `analytics_city_months`.
    static func cityPlays(_ table: String, owner: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [(city: String, plays: Int)] {
        struct Row: Decodable { var city: String; var plays: Int }
        return try await sql.select().column("city").column(SQLFunction("SUM", args: SQLColumn("plays")), as: "plays").from(table)
            .where("owner_id", .equal, owner).where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .groupBy("city").all(decoding: Row.self).map { ($0.city, $0.plays) }
    }

    /// Those cities' rows of `analytics_cities` or `analytics_city_months`, with their sketches (read column by column, as `DayRow`).
    static func cities(_ table: String, owner: UUID, cities: [String], from: Int, to: Int, on sql: any SQLDatabase) async throws -> [CityRow] {
        guard !cities.isEmpty else { return [] }
        return try await sql.select().columns("city", "plays", "listeners").from(table)
            .where("owner_id", .equal, owner).where("city", .in, cities).where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all().map { row in
                CityRow(city: try row.decode(column: "city", as: String.self), plays: try row.decode(column: "plays", as: Int.self), listeners: try row.sketch())
            }
    }

    /// Plays per track of the owner in rows of `analytics_days` or `analytics_months` (from the `_plays` index alone).
    static func trackPlays(_ table: String, owner: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [(track: UUID, plays: Int)] {
        try await sql.select().column("track_id").column(SQLFunction("SUM", args: SQLColumn("plays")), as: "plays")
            .from(table)
            .where("owner_id", .equal, owner).where("track_id", .notEqual, AnalyticsBatch.catalogue)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .groupBy("track_id")
            .all().map { (try $0.decode(column: "track_id", as: UUID.self), try $0.decode(column: "plays", as: Int.self)) }
    }

    /// The listener sketches of these tracks' rows over the days.
    static func trackSketches(
        _ table: String, owner: UUID, tracks: [UUID], from: Int, to: Int, on sql: any SQLDatabase
    ) async throws -> [(track: UUID, listeners: Data?)] {
        guard !tracks.isEmpty else { return [] }
        return try await sql.select().columns("track_id", "listeners").from(table)
            .where("owner_id", .equal, owner).where("track_id", .in, tracks)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all().map { (try $0.decode(column: "track_id", as: UUID.self), try $0.sketch()) }
    }

    /// Facts waiting (counted up to `backlogCap`; more reads as `backlogCap + 1`),
    /// the oldest one's time, and when the rollup last ran. Bounded, so the
    /// admin dashboard stays cheap however long the backlog: a plain COUNT
    /// over 17 million waiting facts took seconds and starved the rollup it
    /// was watching.
    static func backlog(on sql: any SQLDatabase) async throws -> (waiting: Int, oldest: Date?, ranAt: Date?) {
        let waiting = try await sql.raw("SELECT COUNT(*) AS n FROM (SELECT 1 FROM analytics_facts LIMIT \(bind: backlogCap + 1)) AS waiting")
            .first(decodingColumn: "n", as: Int.self) ?? 0
        // Ids grow as facts are recorded, so the first id is (all but) the oldest.
        let oldest = try await sql.select().column("recorded_at").from("analytics_facts").orderBy("id").limit(1)
            .first(decodingColumn: "recorded_at", as: Date.self)
        return (waiting, oldest, try await ranAt(on: sql))
    }

    static let backlogCap = 100_000

    /// When the rollup last ran.
    static func ranAt(on sql: any SQLDatabase) async throws -> Date? {
        try await sql.select().column("ran_at").from("analytics_rollups").where("name", .equal, "facts")
            .first(decodingColumn: "ran_at", as: Date?.self) ?? nil
    }
}

extension AnalyticsQueries.DayRow {
    /// Read column by column: a year by day is hundreds of rows, and the
    /// `Decodable` path's key conversion per field cost more than the query.
    init(row: any SQLRow) throws {
        func count(_ column: String) throws -> Int { try row.decode(column: column, as: Int.self) }
        self.init(
            day: try count("day"), plays: try count("plays"), completions: try count("completions"), skips: try count("skips"),
            likes: try count("likes"), unlikes: try count("unlikes"), playlistAdds: try count("playlist_adds"), follows: try count("follows"),
            unfollows: try count("unfollows"), rsvps: try count("rsvps"), checkins: try count("checkins"),
            listeners: try row.sketch()
        )
    }
}

extension SQLRow {
    /// The `listeners` column: a stored sketch's bytes, or nil.
    func sketch() throws -> Data? {
        try decodeNil(column: "listeners") ? nil : try decode(column: "listeners", as: Data.self)
    }
}
