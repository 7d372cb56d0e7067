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
            .all(decoding: FactRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            .compactMap { row in
                // A kind this version does not know (written by a newer one) waits for it.
                guard let kind = AnalyticsLog.Kind(rawValue: row.kind) else { return nil }
                return .init(id: row.id, kind: kind, owner: row.ownerId, track: row.trackId, day: row.day,
                             listener: row.listener.map { UInt64(bitPattern: $0) }, city: row.city, source: row.source)
            }
    }

    static func deleteFacts(ids: [Int64], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: ids.count, by: 900) {
            try await sql.delete(from: "analytics_facts").where("id", .in, Array(ids[start..<min(start + 900, ids.count)])).run()
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

    /// The stored listener sketches of these `analytics_days` rows (rows without one are absent).
    static func sketches(_ keys: [AnalyticsBatch.DayKey], on sql: any SQLDatabase) async throws -> [AnalyticsBatch.DayKey: ListenerSketch] {
        try await sketches(in: "analytics_days", keys, keyColumns: ["owner_id", "track_id", "day"], on: sql) { key in
            [key.owner, key.track, key.day]
        } key: { row in
            row.trackId.map { AnalyticsBatch.DayKey(owner: row.ownerId, track: $0, day: row.day) }
        }
    }

    /// The same for `analytics_cities` rows.
    static func citySketches(_ keys: [AnalyticsBatch.CityKey], on sql: any SQLDatabase) async throws -> [AnalyticsBatch.CityKey: ListenerSketch] {
        try await sketches(in: "analytics_cities", keys, keyColumns: ["owner_id", "day", "city"], on: sql) { key in
            [key.owner, key.day, key.city]
        } key: { row in
            row.city.map { AnalyticsBatch.CityKey(owner: row.ownerId, day: row.day, city: $0) }
        }
    }

    /// Rows matching any of `keys` (each key's values for `keyColumns`), `rowsPerStatement` keys per query.
    private static func sketches<Key: Hashable>(
        in table: String, _ keys: [Key], keyColumns: [String], on sql: any SQLDatabase,
        values: (Key) -> [any Encodable & Sendable], key: (SketchRow) -> Key?
    ) async throws -> [Key: ListenerSketch] {
        var found: [Key: ListenerSketch] = [:]
        for start in stride(from: 0, to: keys.count, by: rowsPerStatement) {
            let chunk = keys[start..<min(start + rowsPerStatement, keys.count)]
            let rows = try await sql.select().columns(keyColumns + ["listeners"]).from(table)
                .where { group in
                    for candidate in chunk {
                        group.orWhere { match in
                            for (column, value) in zip(keyColumns, values(candidate)) { match.where(SQLColumn(column), .equal, SQLBind(value)) }
                            return match
                        }
                    }
                    return group
                }
                .all(decoding: SketchRow.self, keyDecodingStrategy: .convertFromSnakeCase)
            for row in rows {
                if let rowKey = key(row), let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) { found[rowKey] = sketch }
            }
        }
        return found
    }

    /// Adds counters to rows (making them when new); a given sketch replaces the stored one.
    static func addDays(_ changes: [(key: AnalyticsBatch.DayKey, counters: AnalyticsBatch.Counters, listeners: ListenerSketch?)], on sql: any SQLDatabase) async throws {
        let columns = AnalyticsBatch.Counters.columns
        for start in stride(from: 0, to: changes.count, by: rowsPerStatement) {
            let insert = sql.insert(into: "analytics_days").columns(["owner_id", "track_id", "day"] + columns + ["listeners"])
            for change in changes[start..<min(start + rowsPerStatement, changes.count)] {
                insert.values(
                    [SQLBind(change.key.owner), SQLBind(change.key.track), SQLBind(change.key.day)]
                        + change.counters.values.map { SQLBind($0) }
                        + [SQLBind(change.listeners.map { Data($0.encoded) })]
                )
            }
            try await insert.onConflict(with: ["owner_id", "track_id", "day"]) { update in
                for column in columns { update.set(column, to: sum(column, table: "analytics_days")) }
                return update.set("listeners", to: SQLFunction("COALESCE", args: SQLExcludedColumn("listeners"), SQLColumn("listeners", table: "analytics_days")))
            }.run()
        }
    }

    static func addSources(_ changes: [(key: AnalyticsBatch.SourceKey, plays: Int)], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: changes.count, by: rowsPerStatement) {
            let insert = sql.insert(into: "analytics_sources").columns("owner_id", "track_id", "day", "source", "plays")
            for change in changes[start..<min(start + rowsPerStatement, changes.count)] {
                insert.values(SQLBind(change.key.owner), SQLBind(change.key.track), SQLBind(change.key.day), SQLBind(change.key.source), SQLBind(change.plays))
            }
            try await insert.onConflict(with: ["owner_id", "track_id", "day", "source"]) { $0.set("plays", to: sum("plays", table: "analytics_sources")) }.run()
        }
    }

    static func addCities(_ changes: [(key: AnalyticsBatch.CityKey, plays: Int, listeners: ListenerSketch)], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: changes.count, by: rowsPerStatement) {
            let insert = sql.insert(into: "analytics_cities").columns("owner_id", "day", "city", "plays", "listeners")
            for change in changes[start..<min(start + rowsPerStatement, changes.count)] {
                insert.values(SQLBind(change.key.owner), SQLBind(change.key.day), SQLBind(change.key.city), SQLBind(change.plays), SQLBind(Data(change.listeners.encoded)))
            }
            try await insert.onConflict(with: ["owner_id", "day", "city"]) {
                $0.set("plays", to: sum("plays", table: "analytics_cities")).set(excludedValueOf: "listeners")
            }.run()
        }
    }

    /// `table.column + excluded.column`.
    private static func sum(_ column: String, table: String) -> any SQLExpression {
        SQLBinaryExpression(left: SQLColumn(column, table: table), op: SQLBinaryOperator.add, right: SQLExcludedColumn(column))
    }

    static func erase(owner: UUID, on sql: any SQLDatabase) async throws {
        for table in ["analytics_facts", "analytics_days", "analytics_sources", "analytics_cities"] {
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

    /// One owner's rows for a track (or the catalogue) over days `from...to`.
    static func days(owner: UUID, track: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [DayRow] {
        try await sql.select().columns(["day"] + AnalyticsBatch.Counters.columns + ["listeners"]).from("analytics_days")
            .where("owner_id", .equal, owner).where("track_id", .equal, track)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all(decoding: DayRow.self, keyDecodingStrategy: .convertFromSnakeCase)
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

    static func cities(owner: UUID, from: Int, to: Int, on sql: any SQLDatabase) async throws -> [CityRow] {
        try await sql.select().columns("city", "plays", "listeners").from("analytics_cities")
            .where("owner_id", .equal, owner).where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all(decoding: CityRow.self)
    }

    /// The owner's most played tracks over the days.
    static func topTracks(owner: UUID, from: Int, to: Int, limit: Int, on sql: any SQLDatabase) async throws -> [(track: UUID, plays: Int)] {
        struct Row: Decodable { var trackId: UUID; var plays: Int }
        return try await sql.select().column("track_id").column(SQLFunction("SUM", args: SQLColumn("plays")), as: "plays")
            .from("analytics_days")
            .where("owner_id", .equal, owner).where("track_id", .notEqual, AnalyticsBatch.catalogue)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .groupBy("track_id").having(SQLFunction("SUM", args: SQLColumn("plays")), .greaterThan, SQLBind(0))
            .orderBy("plays", .descending).orderBy("track_id").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { ($0.trackId, $0.plays) }
    }

    /// The listener sketches of these tracks' rows over the days.
    static func trackSketches(owner: UUID, tracks: [UUID], from: Int, to: Int, on sql: any SQLDatabase) async throws -> [(track: UUID, listeners: Data?)] {
        guard !tracks.isEmpty else { return [] }
        struct Row: Decodable { var trackId: UUID; var listeners: Data? }
        return try await sql.select().columns("track_id", "listeners").from("analytics_days")
            .where("owner_id", .equal, owner).where("track_id", .in, tracks)
            .where("day", .greaterThanOrEqual, from).where("day", .lessThanOrEqual, to)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map { ($0.trackId, $0.listeners) }
    }

    /// Facts waiting, the oldest one's time, and when the rollup last ran.
    static func backlog(on sql: any SQLDatabase) async throws -> (waiting: Int, oldest: Date?, ranAt: Date?) {
        struct Row: Decodable { var n: Int; var oldest: Date? }
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MIN", args: SQLIdentifier("recorded_at")), as: "oldest").from("analytics_facts")
            .first(decoding: Row.self)
        let ranAt = try await sql.select().column("ran_at").from("analytics_rollups").where("name", .equal, "facts")
            .first(decodingColumn: "ran_at", as: Date?.self) ?? nil
        return (row?.n ?? 0, row?.oldest, ranAt)
    }
}
