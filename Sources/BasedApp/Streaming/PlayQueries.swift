import Foundation
import SQLKit

/// The SQL of plays (listens).
enum PlayQueries {
    /// Applies one playback event to its listen: made on first sight (keyed by
    /// the client's play id), then only ever moved forward.
    static func apply(_ event: PlayService.Event, user: UUID, now: Date, dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "plays")
            .columns("id", "user_id", "track_id", "client_play_id", "started_at", "position_seconds", "completed", "skipped", "updated_at", "device", "source")
            .values(SQLBind(UUID.v7(now: event.at)), SQLBind(user), SQLBind(event.trackID), SQLBind(event.playID),
                    SQLBind(event.at), SQLBind(0.0), SQLBind(false), SQLBind(false), SQLBind(now),
                    SQLBind(event.device), SQLBind(event.source?.rawValue))
            .ignoringConflicts(with: ["user_id", "client_play_id"])
            .run()
        var update = sql.update("plays").set("updated_at", to: now)
            .set(SQLIdentifier("position_seconds"), to: SQLFunction(dialect == .sqlite ? "MAX" : "GREATEST", args: SQLIdentifier("position_seconds"), SQLBind(event.position)))
        if event.kind == .skip { update = update.set("skipped", to: true) }
        if event.kind == .complete { update = update.set("completed", to: true) }
        if event.kind == .start {
            update = update.set(SQLIdentifier("started_at"), to: SQLFunction(dialect == .sqlite ? "MIN" : "LEAST", args: SQLIdentifier("started_at"), SQLBind(event.at)))
        }
        try await update.where("user_id", .equal, user).where("client_play_id", .equal, event.playID)
            .where("track_id", .equal, event.trackID).run()
    }

    /// What is known of a listen before a batch changes it.
    struct State: Decodable, Equatable {
        var trackId: UUID
        var startedAt: Date
        var completed: Bool
        var skipped: Bool
    }

    /// The stored listens among these client play ids, keyed by them.
    static func states(user: UUID, playIDs: Set<String>, on sql: any SQLDatabase) async throws -> [String: State] {
        struct Row: Decodable { var clientPlayId: String; var trackId: UUID; var startedAt: Date; var completed: Bool; var skipped: Bool }
        guard !playIDs.isEmpty else { return [:] }
        let rows = try await sql.select().columns("client_play_id", "track_id", "started_at", "completed", "skipped").from("plays")
            .where("user_id", .equal, user).where("client_play_id", .in, Array(playIDs))
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.clientPlayId, State(trackId: $0.trackId, startedAt: $0.startedAt, completed: $0.completed, skipped: $0.skipped)) },
                          uniquingKeysWith: { a, _ in a })
    }

    /// Moves a user's plays to another account; the client's play id becomes
    /// the play's own id, unique under the new owner.
    static func reassign(user: UUID, to other: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE plays SET user_id = \(bind: other), client_play_id = CAST(id AS TEXT), device = NULL
            WHERE user_id = \(bind: user)
            """).run()
    }

    static func counts(track: UUID, on sql: any SQLDatabase) async throws -> (plays: Int, listeners: Int) {
        let row = try await sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "plays")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLIdentifier("user_id"))), as: "listeners")
            .from("plays").where("track_id", .equal, track).first()
        return (try row?.decode(column: "plays", as: Int.self) ?? 0, try row?.decode(column: "listeners", as: Int.self) ?? 0)
    }

    /// The same for many tracks in one query; tracks nobody played are absent.
    static func counts(tracks: [UUID], on sql: any SQLDatabase) async throws -> [UUID: (plays: Int, listeners: Int)] {
        guard !tracks.isEmpty else { return [:] }
        struct Row: Decodable { var trackId: UUID; var plays: Int; var listeners: Int }
        let rows = try await sql.select()
            .column("track_id")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "plays")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLIdentifier("user_id"))), as: "listeners")
            .from("plays").where("track_id", .in, tracks).groupBy("track_id")
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.trackId, (plays: $0.plays, listeners: $0.listeners)) }, uniquingKeysWith: { a, _ in a })
    }

    /// Plays per track since `since` (every play when nil); tracks nobody played are absent.
    static func playCounts(since: Date?, on sql: any SQLDatabase) async throws -> [UUID: Int] {
        struct Row: Decodable { var trackId: UUID; var n: Int }
        var query = sql.select().column("track_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("plays")
        if let since { query = query.where("started_at", .greaterThanOrEqual, since) }
        let rows = try await query.groupBy("track_id").all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.trackId, $0.n) }, uniquingKeysWith: { a, _ in a })
    }

    struct ListenRow: Decodable {
        var id: UUID
        var trackId: UUID
        var startedAt: Date
        var positionSeconds: Double
        var completed: Bool
        var device: String?
        var source: String?

        var listen: PlayService.Listen {
            .init(trackID: trackId, startedAt: startedAt, positionSeconds: positionSeconds, completed: completed,
                  device: device, source: source.flatMap(PlayService.Source.init(rawValue:)))
        }
    }

    /// A page of the user's listens, newest first.
    static func history(user: UUID, device: String?, after: (Date, UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [ListenRow] {
        let query = sql.select().columns("id", "track_id", "started_at", "position_seconds", "completed", "device", "source")
            .from("plays").where("user_id", .equal, user)
        if let device { query.where("device", .equal, device) }
        return try await query.page(byTime: "started_at", of: "plays", after: after, .descending, limit: limit)
            .all(decoding: ListenRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct SignalRow: Decodable {
        var userId: UUID
        var trackId: UUID
        var startedAt: Date
        var completed: Bool
        var skipped: Bool

        var signal: PlayService.ListenSignal {
            .init(user: userId, trackID: trackId, at: startedAt, completed: completed, skipped: skipped)
        }
    }

    struct HistoricalRow: Decodable {
        var id: UUID
        var userId: UUID
        var trackId: UUID
        var startedAt: Date
        var completed: Bool
        var skipped: Bool
        var source: String?
    }

    /// Listens begun before `cutoff`, in id order after `after` (the analytics back-fill).
    static func historical(before cutoff: Date, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalRow] {
        let query = sql.select().columns("id", "user_id", "track_id", "started_at", "completed", "skipped", "source").from("plays")
            .where("started_at", .lessThan, cutoff)
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: HistoricalRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// One user's latest listens, newest first.
    static func signals(user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [SignalRow] {
        try await sql.select().columns("user_id", "track_id", "started_at", "completed", "skipped").from("plays")
            .where("user_id", .equal, user)
            .orderBy("started_at", .descending).limit(limit)
            .all(decoding: SignalRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Everyone's listens since a time, newest first.
    static func signals(since: Date, limit: Int, on sql: any SQLDatabase) async throws -> [SignalRow] {
        try await sql.select().columns("user_id", "track_id", "started_at", "completed", "skipped").from("plays")
            .where("started_at", .greaterThanOrEqual, since)
            .orderBy("started_at", .descending).limit(limit)
            .all(decoding: SignalRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Who heard these tracks to the end most often since a time, with how often; most first.
    static func topListeners(of tracks: [UUID], since: Date, limit: Int, on sql: any SQLDatabase) async throws -> [(user: UUID, plays: Int)] {
        guard !tracks.isEmpty else { return [] }
        return try await sql.select().column("user_id").column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from("plays").where("track_id", .in, tracks).where("completed", .equal, true).where("started_at", .greaterThanOrEqual, since)
            .groupBy("user_id").orderBy(SQLIdentifier("n"), SQLDirection.descending).orderBy("user_id").limit(limit)
            .all().map { (try $0.decode(column: "user_id", as: UUID.self), try $0.decode(column: "n", as: Int.self)) }
    }
}
