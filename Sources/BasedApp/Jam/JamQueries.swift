import Foundation
import SQLKit

/// The SQL of Jam sessions and their members.
enum JamQueries {
    static func insert(_ jam: Jam, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "jams").model(jam, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func jam(id: UUID, on sql: any SQLDatabase) async throws -> Jam? {
        try await sql.select().column("*").from("jams").where("id", .equal, id)
            .first(decoding: Jam.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Saves a changed session if nobody changed it since `expected`; true when saved.
    static func save(_ jam: Jam, expected: Int, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.update("jams")
            .set("host_id", to: jam.hostId).set("track_ids", to: jam.trackIds).set("current_index", to: jam.currentIndex)
            .set("position_seconds", to: jam.positionSeconds).set("playing", to: jam.playing).set("state_at", to: jam.stateAt)
            .set("version", to: jam.version).set("ended_at", to: jam.endedAt)
            .where("id", .equal, jam.id).where("version", .equal, expected)
            .returning("id").all()
        return !rows.isEmpty
    }

    static func members(jam: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("user_id").from("jam_members").where("jam_id", .equal, jam).orderBy("joined_at")
            .all(decodingColumn: "user_id", as: UUID.self)
    }

    static func addMember(jam: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "jam_members").columns("jam_id", "user_id", "joined_at")
            .values(SQLBind(jam), SQLBind(user), SQLBind(now)).ignoringConflicts(with: ["jam_id", "user_id"]).run()
    }

    static func removeMember(jam: UUID, user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "jam_members").where("jam_id", .equal, jam).where("user_id", .equal, user).run()
    }
}
