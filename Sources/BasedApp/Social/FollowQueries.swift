import Foundation
import SQLKit

/// The SQL of follows.
enum FollowQueries {
    static func follow(id: UUID, follower: UUID, followee: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "follows")
            .columns("id", "follower_id", "followee_id", "created_at")
            .values(SQLBind(id), SQLBind(follower), SQLBind(followee), SQLBind(now))
            .ignoringConflicts(with: ["follower_id", "followee_id"])
            .run()
    }

    static func unfollow(follower: UUID, followee: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "follows").where("follower_id", .equal, follower).where("followee_id", .equal, followee).run()
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
        var user: User

        enum CodingKeys: String, CodingKey { case followId = "follow_id", followedAt = "followed_at" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            followId = try container.decode(UUID.self, forKey: .followId)
            followedAt = try container.decode(Date.self, forKey: .followedAt)
            user = try User(from: decoder)
        }
    }

    enum Direction { case followers, following }

    /// One page of a user's followers or followings, newest first, after the
    /// follow `before` (exclusive). Follow ids are UUIDv7, so their order is the
    /// order the follows were made and a page never shifts when new ones arrive.
    static func page(_ direction: Direction, of user: UUID, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Entry] {
        let (own, other) = direction == .followers ? ("followee_id", "follower_id") : ("follower_id", "followee_id")
        var query = sql.select()
            .column(SQLColumn("id", table: "follows"), as: "follow_id")
            .column(SQLColumn("created_at", table: "follows"), as: "followed_at")
            .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users")))
            .from("follows")
            .join("users", on: SQLColumn("id", table: "users"), .equal, SQLColumn(other, table: "follows"))
            .where(SQLColumn(own, table: "follows"), .equal, SQLBind(user))
        if let before {
            query = query.where(SQLColumn("id", table: "follows"), .lessThan, SQLBind(before))
        }
        return try await query.orderBy(SQLColumn("id", table: "follows"), SQLDirection.descending).limit(limit)
            .all(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
    }
}
