import Foundation
import SQLKit

/// The SQL of radio sessions.
enum RadioQueries {
    struct Row: Decodable {
        var id: UUID
        var userId: UUID
        var seedKind: String
        var seedId: UUID?
        var mood: String?
        var recent: String
        var skipped: String
    }

    static func insert(_ row: Row, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "radio_sessions")
            .columns("id", "user_id", "seed_kind", "seed_id", "mood", "recent", "skipped", "created_at", "updated_at")
            .values(SQLBind(row.id), SQLBind(row.userId), SQLBind(row.seedKind), SQLBind(row.seedId), SQLBind(row.mood),
                    SQLBind(row.recent), SQLBind(row.skipped), SQLBind(now), SQLBind(now))
            .run()
    }

    static func session(id: UUID, user: UUID, on sql: any SQLDatabase) async throws -> Row? {
        try await sql.select().columns("id", "user_id", "seed_kind", "seed_id", "mood", "recent", "skipped").from("radio_sessions")
            .where("id", .equal, id).where("user_id", .equal, user)
            .first(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func update(id: UUID, recent: String, skipped: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("radio_sessions").set("recent", to: recent).set("skipped", to: skipped).set("updated_at", to: now)
            .where("id", .equal, id).run()
    }

    /// Drops the user's sessions untouched since `before`.
    static func prune(user: UUID, before: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "radio_sessions").where("user_id", .equal, user).where("updated_at", .lessThan, before).run()
    }
}

/// The SQL of swipes and discovery settings.
enum DiscoveryQueries {
    static func swipe(user: UUID, track: UUID, liked: Bool, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "swipes").where("user_id", .equal, user).where("track_id", .equal, track).run()
        try await sql.insert(into: "swipes").columns("user_id", "track_id", "liked", "created_at")
            .values(SQLBind(user), SQLBind(track), SQLBind(liked), SQLBind(now)).run()
    }

    struct SwipeRow: Decodable {
        var userId: UUID
        var trackId: UUID
        var liked: Bool
        var createdAt: Date
    }

    /// One user's latest swipes, newest first.
    static func swipes(user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [SwipeRow] {
        try await sql.select().columns("user_id", "track_id", "liked", "created_at").from("swipes").where("user_id", .equal, user)
            .orderBy("created_at", .descending).limit(limit)
            .all(decoding: SwipeRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Everyone's right swipes since a time, newest first.
    static func likedSwipes(since: Date, limit: Int, on sql: any SQLDatabase) async throws -> [SwipeRow] {
        try await sql.select().columns("user_id", "track_id", "liked", "created_at").from("swipes")
            .where("liked", .equal, true).where("created_at", .greaterThanOrEqual, since)
            .orderBy("created_at", .descending).limit(limit)
            .all(decoding: SwipeRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct SettingsRow: Decodable {
        var userId: UUID
        var tasteMatching: Bool
        var publicBoards: Bool
        var publicListening: Bool
    }

    static func settings(of users: [UUID], on sql: any SQLDatabase) async throws -> [SettingsRow] {
        guard !users.isEmpty else { return [] }
        return try await sql.select().columns("user_id", "taste_matching", "public_boards", "public_listening").from("discovery_settings")
            .where("user_id", .in, users)
            .all(decoding: SettingsRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Everyone who turned taste matching on.
    static func matchingUsers(on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("user_id").from("discovery_settings").where("taste_matching", .equal, true)
            .all(decodingColumn: "user_id", as: UUID.self)
    }

    static func saveSettings(_ row: SettingsRow, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "discovery_settings").where("user_id", .equal, row.userId).run()
        try await sql.insert(into: "discovery_settings").columns("user_id", "taste_matching", "public_boards", "public_listening", "updated_at")
            .values(SQLBind(row.userId), SQLBind(row.tasteMatching), SQLBind(row.publicBoards), SQLBind(row.publicListening), SQLBind(now)).run()
    }

    /// Records the award unless the user has it; true when it is new.
    static func award(user: UUID, kind: String, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.raw("""
            INSERT INTO achievements (user_id, kind, earned_at) VALUES (\(bind: user), \(bind: kind), \(bind: now))
            ON CONFLICT (user_id, kind) DO NOTHING RETURNING kind
            """).all()
        return !rows.isEmpty
    }

    static func achievements(of user: UUID, on sql: any SQLDatabase) async throws -> [(kind: String, earnedAt: Date)] {
        try await sql.select().columns("kind", "earned_at").from("achievements").where("user_id", .equal, user).orderBy("earned_at").orderBy("kind")
            .all().map { (try $0.decode(column: "kind", as: String.self), try $0.decode(column: "earned_at", as: Date.self)) }
    }
}
