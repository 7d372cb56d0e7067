import Foundation
import SQLKit

extension PlayService {
    /// The tracks the user played most, most first (Subsonic's "frequent").
    public func mostPlayed(by user: UUID, limit: Int) async throws -> [UUID] {
        try await PlayQueries.mostPlayed(by: user, limit: limit, on: database.sql)
    }

    /// The tracks the user played last, newest first, each once.
    public func recentlyPlayed(by user: UUID, limit: Int) async throws -> [UUID] {
        try await PlayQueries.recentlyPlayed(by: user, limit: limit, on: database.sql)
    }
}

extension PlayQueries {
    static func mostPlayed(by user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("track_id").from("plays").where("user_id", .equal, user)
            .groupBy("track_id")
            .orderBy(SQLFunction("COUNT", args: SQLLiteral.all), SQLDirection.descending)
            .orderBy(SQLFunction("MAX", args: SQLIdentifier("started_at")), SQLDirection.descending)
            .limit(limit)
            .all(decodingColumn: "track_id", as: UUID.self)
    }

    static func recentlyPlayed(by user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("track_id").from("plays").where("user_id", .equal, user)
            .groupBy("track_id")
            .orderBy(SQLFunction("MAX", args: SQLIdentifier("started_at")), SQLDirection.descending)
            .limit(limit)
            .all(decodingColumn: "track_id", as: UUID.self)
    }
}
