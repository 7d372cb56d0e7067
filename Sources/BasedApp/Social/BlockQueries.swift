import Foundation
import SQLKit

/// The SQL of blocks and mutes.
enum BlockQueries {
    static func isBlocked(between a: UUID, and b: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("blocker_id").from("blocks")
            .where { $0.where("blocker_id", .equal, a).where("blocked_id", .equal, b) }
            .orWhere { $0.where("blocker_id", .equal, b).where("blocked_id", .equal, a) }
            .first() != nil
    }

    /// Everyone `user` blocked or was blocked by.
    static func blockedEitherWay(_ user: UUID, on sql: any SQLDatabase) async throws -> Set<UUID> {
        let blocked = try await sql.select().column("blocked_id", as: "other").from("blocks").where("blocker_id", .equal, user)
            .all(decodingColumn: "other", as: UUID.self)
        let blockers = try await sql.select().column("blocker_id", as: "other").from("blocks").where("blocked_id", .equal, user)
            .all(decodingColumn: "other", as: UUID.self)
        return Set(blocked).union(blockers)
    }

    static func block(_ blocker: UUID, _ blocked: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "blocks").columns("blocker_id", "blocked_id", "created_at")
            .values(SQLBind(blocker), SQLBind(blocked), SQLBind(now))
            .ignoringConflicts(with: ["blocker_id", "blocked_id"]).run()
    }

    static func unblock(_ blocker: UUID, _ blocked: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "blocks").where("blocker_id", .equal, blocker).where("blocked_id", .equal, blocked).run()
    }

    /// Whom `user` blocked and when, newest first (at most `limit`).
    static func blocks(of user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [(user: UUID, at: Date)] {
        struct Row: Decodable { var blockedId: UUID; var createdAt: Date }
        return try await sql.select().column("blocked_id").column("created_at").from("blocks")
            .where("blocker_id", .equal, user)
            .orderBy("created_at", .descending)
            .limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map { ($0.blockedId, $0.createdAt) }
    }

    static func isMuted(_ user: UUID, muted other: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("user_id").from("user_mutes")
            .where("user_id", .equal, user).where("muted_id", .equal, other).first() != nil
    }

    static func mute(_ user: UUID, _ other: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "user_mutes").columns("user_id", "muted_id", "created_at")
            .values(SQLBind(user), SQLBind(other), SQLBind(now))
            .ignoringConflicts(with: ["user_id", "muted_id"]).run()
    }

    static func unmute(_ user: UUID, _ other: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_mutes").where("user_id", .equal, user).where("muted_id", .equal, other).run()
    }
}
