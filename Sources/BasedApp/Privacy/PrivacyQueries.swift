import Foundation
import SQLKit

/// The SQL of data exports.
enum PrivacyQueries {
    struct ExportRow: Codable, Sendable {
        var id: UUID
        var userId: UUID
        var status: String
        var byteCount: Int?
        var failure: String?
        var createdAt: Date
        var readyAt: Date?
        var expiresAt: Date?
    }

    static func insert(_ row: ExportRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "data_exports").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func export(id: UUID, on sql: any SQLDatabase) async throws -> ExportRow? {
        try await sql.select().column("*").from("data_exports").where("id", .equal, id)
            .first(decoding: ExportRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func exports(of user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [ExportRow] {
        try await sql.select().column("*").from("data_exports").where("user_id", .equal, user).orderBy("id", .descending).limit(limit)
            .all(decoding: ExportRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func update(_ row: ExportRow, on sql: any SQLDatabase) async throws {
        try await sql.update("data_exports").set(model: row, keyEncodingStrategy: .convertToSnakeCase).where("id", .equal, row.id).run()
    }
}
