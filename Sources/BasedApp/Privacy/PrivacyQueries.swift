import Foundation
import SQLKit

/// The SQL of data exports and account erasures.
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
            .first(decoding: ExportRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func exports(of user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [ExportRow] {
        try await sql.select().column("*").from("data_exports").where("user_id", .equal, user).orderBy("id", .descending).limit(limit)
            .all(decoding: ExportRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func update(_ row: ExportRow, on sql: any SQLDatabase) async throws {
        try await sql.update("data_exports").set(model: row, keyEncodingStrategy: .convertToSnakeCase).where("id", .equal, row.id).run()
    }

    // MARK: Erasures

    struct ErasureRow: Codable, Sendable {
        var id: UUID
        var userId: UUID
        var status: String
        var requestedAt: Date
        var eraseAt: Date
        var step: Int
        var avatarHash: String?
        var updatedAt: Date
    }

    static func insert(_ row: ErasureRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "account_erasures").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func erasure(id: UUID, on sql: any SQLDatabase) async throws -> ErasureRow? {
        try await sql.select().column("*").from("account_erasures").where("id", .equal, id)
            .first(decoding: ErasureRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The user's scheduled or running erasure.
    static func openErasure(of user: UUID, on sql: any SQLDatabase) async throws -> ErasureRow? {
        try await sql.select().column("*").from("account_erasures").where("user_id", .equal, user)
            .where("status", .in, ["scheduled", "erasing"])
            .first(decoding: ErasureRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func update(_ row: ErasureRow, on sql: any SQLDatabase) async throws {
        try await sql.update("account_erasures").set(model: row, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
            .where("id", .equal, row.id).run()
    }

    /// Cancels a scheduled erasure; false when none was scheduled (it may be running).
    static func cancelErasure(id: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE account_erasures SET status = 'cancelled', updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'scheduled' RETURNING id
            """).first() != nil
    }

    /// Marks a scheduled erasure as begun; false if it was cancelled in the meantime.
    static func startErasure(id: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE account_erasures SET status = 'erasing', updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status = 'scheduled' RETURNING id
            """).first() != nil
    }

    static func deleteErasures(of user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "account_erasures").where("user_id", .equal, user).run()
    }
}
