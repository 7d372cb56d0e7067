import Foundation
import SQLKit

/// SQL for resumable uploads (`track_uploads`).
enum UploadQueries {
    struct Row: Codable, Sendable {
        var id: UUID
        var ownerId: UUID
        var lengthBytes: Int
        var offsetBytes: Int
        var filename: String?
        var title: String?
        var visibility: String?
        var trackId: UUID?
        var busyUntil: Date?
        var createdAt: Date
        var expiresAt: Date
    }

    static func insert(_ row: Row, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "track_uploads").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func upload(id: UUID, on sql: any SQLDatabase) async throws -> Row? {
        try await sql.select().column("*").from("track_uploads").where("id", .equal, id)
            .first(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Unfinished uploads of one person that have not expired.
    static func openCount(owner: UUID, now: Date, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("""
            SELECT COUNT(*) AS n FROM track_uploads
            WHERE owner_id = \(bind: owner) AND track_id IS NULL AND expires_at > \(bind: now)
            """).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// Takes the upload for one PATCH when it is unfinished, at `offset`, and
    /// no other PATCH holds it: one conditional write, so two PATCHes (two
    /// tabs, a retry racing its own first try) never append at once.
    static func claim(id: UUID, offset: Int, until: Date, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE track_uploads SET busy_until = \(bind: until)
            WHERE id = \(bind: id) AND offset_bytes = \(bind: offset) AND track_id IS NULL
              AND expires_at > \(bind: now) AND (busy_until IS NULL OR busy_until < \(bind: now))
            RETURNING id
            """).first() != nil
    }

    /// Records the bytes held so far and renews (or, with nil, ends) the PATCH's hold.
    static func advance(id: UUID, offset: Int, busyUntil: Date?, expiresAt: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("track_uploads")
            .set("offset_bytes", to: offset).set("busy_until", to: busyUntil.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
            .set("expires_at", to: expiresAt)
            .where("id", .equal, id).run()
    }

    static func finish(id: UUID, track: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("track_uploads").set("track_id", to: track).set("busy_until", to: SQLLiteral.null)
            .where("id", .equal, id).run()
    }

    static func delete(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_uploads").where("id", .equal, id).run()
    }

    /// Up to `limit` uploads past their expiry, removed; their ids (for their files).
    static func deleteExpired(now: Date, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        let ids = try await sql.select().column("id").from("track_uploads").where("expires_at", .lessThan, now).limit(limit)
            .all(decodingColumn: "id", as: UUID.self)
        guard !ids.isEmpty else { return [] }
        try await sql.delete(from: "track_uploads").where("id", .in, ids).run()
        return ids
    }

    static func ids(owner: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("id").from("track_uploads").where("owner_id", .equal, owner)
            .all(decodingColumn: "id", as: UUID.self)
    }

    static func exists(id: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("track_uploads").where("id", .equal, id).first() != nil
    }
}
