import Foundation
import SQLKit

/// The SQL of follows.
enum FollowQueries {
    /// True when it made a new follow.
    @discardableResult
    static func follow(id: UUID, follower: UUID, followee: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO follows (id, follower_id, followee_id, created_at)
            VALUES (\(bind: id), \(bind: follower), \(bind: followee), \(bind: now))
            ON CONFLICT (follower_id, followee_id) DO NOTHING RETURNING id
            """).first() != nil
    }

    struct HistoricalFollow: Decodable {
        var id: UUID
        var followeeId: UUID
        var createdAt: Date
    }

    /// Follows made before `cutoff`, in id order after `after` (the analytics back-fill).
    static func historical(before cutoff: Date, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalFollow] {
        let query = sql.select().columns("id", "followee_id", "created_at").from("follows").where("created_at", .lessThan, cutoff)
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: HistoricalFollow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// True when there was a follow to remove.
    @discardableResult
    static func unfollow(follower: UUID, followee: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            DELETE FROM follows WHERE follower_id = \(bind: follower) AND followee_id = \(bind: followee) RETURNING id
            """).first() != nil
    }

    static func isFollowing(follower: UUID, followee: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("follows")
            .where("follower_id", .equal, follower).where("followee_id", .equal, followee)
            .first() != nil
    }

    static func count(column: String, user: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("follows")
            .where(SQLIdentifier(column), .equal, SQLBind(user))
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    struct Entry: Decodable {
        var followId: UUID
        var followedAt: Date
        var userId: UUID
    }

    enum Direction { case followers, following }

    /// One page of a user's followers or followings, newest first, after the
    /// follow `before` (exclusive). Follow ids are UUIDv7, so their order is the
    /// order the follows were made and a page never shifts when new ones arrive.
    static func page(_ direction: Direction, of user: UUID, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Entry] {
        let (own, other) = direction == .followers ? ("followee_id", "follower_id") : ("follower_id", "followee_id")
        var query = sql.select()
            .column("id", as: "follow_id")
            .column("created_at", as: "followed_at")
            .column(SQLIdentifier(other), as: "user_id")
            .from("follows")
            .where(SQLIdentifier(own), .equal, SQLBind(user))
        if let before {
            query = query.where("id", .lessThan, before)
        }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: Entry.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Who follows `user`.
    static func followerIDs(of user: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("follower_id").from("follows").where("followee_id", .equal, user)
            .all(decodingColumn: "follower_id", as: UUID.self)
    }

    /// Whom `user` follows.
    static func followeeIDs(of user: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("followee_id").from("follows").where("follower_id", .equal, user)
            .all(decodingColumn: "followee_id", as: UUID.self)
    }

    /// Followers of every followed user (users nobody follows are absent).
    static func followerCounts(on sql: any SQLDatabase) async throws -> [UUID: Int] {
        struct Row: Decodable { var followeeId: UUID; var n: Int }
        let rows = try await sql.select().column("followee_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("follows").groupBy("followee_id").all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.followeeId, $0.n) }, uniquingKeysWith: { a, _ in a })
    }
}
