import Foundation
import SQLKit

/// The SQL of moderation flags.
enum ModerationQueries {
    struct FlagRow: Codable, Sendable {
        var id: UUID
        var thingKind: String
        var thingId: UUID
        var field: String
        var authorId: UUID?
        var excerpt: String
        var terms: String
        var createdAt: Date
        var resolvedAt: Date?
        var resolvedBy: UUID?
    }

    /// Records a flag, or refreshes (and reopens) the one this field of this thing already has.
    static func upsert(_ flag: FlagRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "moderation_flags").model(flag, keyEncodingStrategy: .convertToSnakeCase)
            .onConflict(with: ["thing_kind", "thing_id", "field"]) {
                $0.set(excludedValueOf: "excerpt").set(excludedValueOf: "terms").set(excludedValueOf: "author_id")
                    .set(excludedValueOf: "created_at").set("resolved_at", to: SQLLiteral.null).set("resolved_by", to: SQLLiteral.null)
            }
            .run()
    }

    /// A page of flags, newest first: the open ones, or the resolved ones.
    static func flags(resolved: Bool, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [FlagRow] {
        let query = sql.select().column("*").from("moderation_flags")
            .where("resolved_at", resolved ? .isNot : .is, SQLLiteral.null)
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: FlagRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func flag(id: UUID, on sql: any SQLDatabase) async throws -> FlagRow? {
        try await sql.select().column("*").from("moderation_flags").where("id", .equal, id)
            .first(decoding: FlagRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Marks an open flag resolved; false when it was not open.
    static func resolve(id: UUID, by admin: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.update("moderation_flags").set("resolved_at", to: now).set("resolved_by", to: admin)
            .where("id", .equal, id).where("resolved_at", .is, SQLLiteral.null)
            .returning("id").all()
        return !rows.isEmpty
    }
}
