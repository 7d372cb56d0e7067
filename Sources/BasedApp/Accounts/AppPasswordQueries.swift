import Foundation
import SQLKit

/// The SQL of app passwords and API keys.
enum AppPasswordQueries {
    struct Row: Codable, Sendable {
        var id: UUID
        var userId: UUID
        var name: String
        var kind: String
        var sealed: String?
        var keyHash: String?
        var createdAt: Date
        var lastUsedAt: Date?
    }

    static func insert(_ row: Row, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "app_passwords").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func all(user: UUID, on sql: any SQLDatabase) async throws -> [Row] {
        try await sql.select().column("*").from("app_passwords").where("user_id", .equal, user)
            .orderBy("created_at", .descending).orderBy("id", .descending)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func passwords(user: UUID, on sql: any SQLDatabase) async throws -> [Row] {
        try await sql.select().column("*").from("app_passwords")
            .where("user_id", .equal, user).where("kind", .equal, AppPasswordService.Kind.password.rawValue)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func apiKey(hash: String, on sql: any SQLDatabase) async throws -> Row? {
        try await sql.select().column("*").from("app_passwords")
            .where("key_hash", .equal, hash).where("kind", .equal, AppPasswordService.Kind.apiKey.rawValue)
            .first(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func count(user: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("app_passwords")
            .where("user_id", .equal, user).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// Deletes the user's app password; false when they have none with that id.
    static func delete(id: UUID, user: UUID, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.delete(from: "app_passwords").where("id", .equal, id).where("user_id", .equal, user)
            .returning("id").all()
        return !rows.isEmpty
    }

    static func touch(id: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("app_passwords").set("last_used_at", to: now).where("id", .equal, id).run()
    }
}
