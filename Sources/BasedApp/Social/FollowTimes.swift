import Foundation
import SQLKit

extension FollowService {
    /// Whom `user` follows and since when (Subsonic apps show followed artists as starred).
    public func followedSince(by user: UUID) async throws -> [UUID: Date] {
        try await FollowQueries.followedSince(by: user, on: database.sql)
    }
}

extension FollowQueries {
    static func followedSince(by user: UUID, on sql: any SQLDatabase) async throws -> [UUID: Date] {
        struct Row: Decodable { var followeeId: UUID; var createdAt: Date }
        let rows = try await sql.select().columns("followee_id", "created_at").from("follows")
            .where("follower_id", .equal, user)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.followeeId, $0.createdAt) }, uniquingKeysWith: { a, _ in a })
    }
}
