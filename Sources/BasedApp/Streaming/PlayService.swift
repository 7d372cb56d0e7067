import Foundation
import SQLKit

/// Playback reports from clients, and the play and listener counts made from them.
public struct PlayService: Sendable {
    let database: Database

    public struct Event: Sendable {
        public enum Kind: String, Sendable { case start, progress, skip, complete }
        public var playID: String
        public var trackID: UUID
        public var kind: Kind
        public var position: Double
        public var at: Date

        public init(playID: String, trackID: UUID, kind: Kind, position: Double, at: Date) {
            self.playID = playID
            self.trackID = trackID
            self.kind = kind
            self.position = position
            self.at = at
        }
    }

    /// Applies a batch. Each listen is one row keyed by the client's play id, and
    /// events only ever move it forward (later position, skipped, completed), so
    /// sending the same events again changes nothing.
    public func report(_ identity: Identity, _ events: [Event]) async throws -> Int {
        guard events.count <= 500 else { throw AppError.validation("events", "must have at most 500 entries") }
        var fields: [AppError.FieldError] = []
        for (index, event) in events.enumerated() {
            if !(1...64).contains(event.playID.count) { fields.append(.init("events[\(index)].playId", "must be 1–64 characters")) }
            if !(event.position.isFinite && event.position >= 0 && event.position <= 4 * 3600) {
                fields.append(.init("events[\(index)].positionSeconds", "must be between 0 and 14400"))
            }
            if event.at > Date().addingTimeInterval(300) { fields.append(.init("events[\(index)].at", "is in the future")) }
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let visible = try await visibleTracks(Set(events.map(\.trackID)), viewer: identity.userID)
        let accepted = events.filter { visible.contains($0.trackID) }
        let dialect = database.dialect
        try await database.transaction { sql in
            for event in accepted {
                let now = Date()
                try await sql.insert(into: "plays")
                    .columns("id", "user_id", "track_id", "client_play_id", "started_at", "position_seconds", "completed", "skipped", "updated_at")
                    .values(SQLBind(UUID.v7(now: event.at)), SQLBind(identity.userID), SQLBind(event.trackID), SQLBind(event.playID),
                            SQLBind(event.at), SQLBind(0.0), SQLBind(false), SQLBind(false), SQLBind(now))
                    .ignoringConflicts(with: ["user_id", "client_play_id"])
                    .run()
                var update = sql.update("plays").set("updated_at", to: now)
                    .set(SQLIdentifier("position_seconds"), to: SQLFunction(dialect == .sqlite ? "MAX" : "GREATEST", args: SQLIdentifier("position_seconds"), SQLBind(event.position)))
                if event.kind == .skip { update = update.set("skipped", to: true) }
                if event.kind == .complete { update = update.set("completed", to: true) }
                if event.kind == .start {
                    update = update.set(SQLIdentifier("started_at"), to: SQLFunction(dialect == .sqlite ? "MIN" : "LEAST", args: SQLIdentifier("started_at"), SQLBind(event.at)))
                }
                try await update.where("user_id", .equal, identity.userID).where("client_play_id", .equal, event.playID)
                    .where("track_id", .equal, event.trackID).run()
            }
        }
        return accepted.count
    }

    /// Plays (listens) and distinct listeners of a track.
    public func counts(track: UUID) async throws -> (plays: Int, listeners: Int) {
        let row = try await database.sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "plays")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLIdentifier("user_id"))), as: "listeners")
            .from("plays").where("track_id", .equal, track).first()
        return (try row?.decode(column: "plays", as: Int.self) ?? 0, try row?.decode(column: "listeners", as: Int.self) ?? 0)
    }

    private func visibleTracks(_ ids: Set<UUID>, viewer: UUID) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await database.sql.select().columns("id", "artist_id", "visibility").from("tracks")
            .where("id", .in, Array(ids)).all()
        var visible = Set<UUID>()
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let visibility = try row.decode(column: "visibility", as: String.self)
            let artist = try row.decode(column: "artist_id", as: UUID.self)
            if visibility != Visibility.private.rawValue || artist == viewer {
                visible.insert(id)
            }
        }
        return visible
    }
}
