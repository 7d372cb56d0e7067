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
            .all(decoding: FlagRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func flag(id: UUID, on sql: any SQLDatabase) async throws -> FlagRow? {
        try await sql.select().column("*").from("moderation_flags").where("id", .equal, id)
            .first(decoding: FlagRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Marks an open flag resolved; false when it was not open.
    static func resolve(id: UUID, by admin: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.update("moderation_flags").set("resolved_at", to: now).set("resolved_by", to: admin)
            .where("id", .equal, id).where("resolved_at", .is, SQLLiteral.null)
            .returning("id").all()
        return !rows.isEmpty
    }

    // MARK: Moderators and restrictions

    /// What an erased account's words in moderation records become.
    static let erasedExcerpt = "(erased account)"

    static func redactFlags(of user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "moderation_flags").where("thing_kind", .equal, "user").where("thing_id", .equal, user).run()
        try await sql.update("moderation_flags").set("excerpt", to: SQLBind(erasedExcerpt))
            .where("author_id", .equal, user).run()
    }

    static func isModerator(_ user: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("user_id").from("moderators").where("user_id", .equal, user).first() != nil
    }

    static func addModerator(_ user: UUID, by admin: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "moderators").columns("user_id", "granted_by", "granted_at").values(SQLBind(user), SQLBind(admin), SQLBind(now))
            .ignoringConflicts(with: ["user_id"]).run()
    }

    static func removeModerator(_ user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "moderators").where("user_id", .equal, user).run()
    }

    struct RestrictionRow: Codable, Sendable {
        var userId: UUID
        var kind: String
        var until: Date?
        var caseId: UUID
        var reason: String
        var createdAt: Date
    }

    /// Every suspension and ban of an account, one per case that imposed it.
    static func restrictions(of user: UUID, on sql: any SQLDatabase) async throws -> [RestrictionRow] {
        try await sql.select().column("*").from("account_restrictions").where("user_id", .equal, user)
            .all(decoding: RestrictionRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A case's suspension or ban (again: the case's earlier one is replaced).
    static func restrict(_ row: RestrictionRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "account_restrictions").model(row, keyEncodingStrategy: .convertToSnakeCase)
            .onConflict(with: ["user_id", "case_id"]) {
                $0.set(excludedValueOf: "kind").set(excludedValueOf: "until").set(excludedValueOf: "reason").set(excludedValueOf: "created_at")
            }
            .run()
    }

    /// Lifts the restriction a case put on; others stay.
    static func lift(user: UUID, case caseID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "account_restrictions").where("user_id", .equal, user).where("case_id", .equal, caseID).run()
    }
}
