import Foundation
import SQLKit

/// The SQL of reports, cases and the audit log.
enum ReportQueries {
    struct CaseRow: Codable, Sendable {
        var id: UUID
        var thingKind: String
        var thingId: UUID
        var thingSeq: Int
        var ownerId: UUID?
        var reason: String
        var excerpt: String
        var reportCount: Int
        var status: String
        var action: String?
        var actionReason: String?
        var actionUntil: Date?
        var undo: String?
        var actedBy: UUID?
        var actedAt: Date?
        var appealText: String?
        var appealedAt: Date?
        var appealOutcome: String?
        var createdAt: Date
        var updatedAt: Date
    }

    struct ReportRow: Codable, Sendable {
        var id: UUID
        var caseId: UUID
        var reporterId: UUID?
        var reason: String
        var details: String
        var createdAt: Date
    }

    static func openCase(kind: String, id: UUID, seq: Int, on sql: any SQLDatabase) async throws -> CaseRow? {
        try await sql.select().column("*").from("moderation_cases")
            .where("thing_kind", .equal, kind).where("thing_id", .equal, id).where("thing_seq", .equal, seq).where("status", .equal, "open")
            .first(decoding: CaseRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func `case`(id: UUID, on sql: any SQLDatabase) async throws -> CaseRow? {
        try await sql.select().column("*").from("moderation_cases").where("id", .equal, id)
            .first(decoding: CaseRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func insert(_ row: CaseRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "moderation_cases").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func update(_ row: CaseRow, on sql: any SQLDatabase) async throws {
        try await sql.update("moderation_cases").set(model: row, keyEncodingStrategy: .convertToSnakeCase).where("id", .equal, row.id).run()
    }

    /// Adds a report to a case; false when this reporter already reported it.
    static func addReport(_ row: ReportRow, on sql: any SQLDatabase) async throws -> Bool {
        let inserted = try await sql.insert(into: "moderation_reports").model(row, keyEncodingStrategy: .convertToSnakeCase)
            .ignoringConflicts(with: ["case_id", "reporter_id"])
            .returning("id").all()
        guard !inserted.isEmpty else { return false }
        try await sql.update("moderation_cases").set(SQLIdentifier("report_count"), to: SQLRaw("report_count + 1"))
            .set("updated_at", to: row.createdAt).where("id", .equal, row.caseId).run()
        return true
    }

    static func reports(of caseID: UUID, on sql: any SQLDatabase) async throws -> [ReportRow] {
        try await sql.select().column("*").from("moderation_reports").where("case_id", .equal, caseID).orderBy("id")
            .all(decoding: ReportRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of cases, newest first, in some statuses and optionally of a kind, reason and owner.
    static func cases(statuses: [String], kind: String?, reason: String?, owner: UUID?, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [CaseRow] {
        let query = sql.select().column("*").from("moderation_cases").where("status", .in, statuses)
        if let kind { query.where("thing_kind", .equal, kind) }
        if let reason { query.where("reason", .equal, reason) }
        if let owner { query.where("owner_id", .equal, owner) }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: CaseRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // MARK: Audit log

    struct AuditRow: Codable, Sendable {
        var seq: Int
        var at: Date
        var actorId: UUID?
        var action: String
        var caseId: UUID?
        var entry: String
        var previousHash: String
        var hash: String
    }

    /// Serialises appends on PostgreSQL for the rest of the transaction (SQLite has one writer).
    /// A case about the account itself keeps its own id as the thing's (unique, as open cases must be).
    static func redactCases(about user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("moderation_cases").set("excerpt", to: SQLBind(ModerationQueries.erasedExcerpt)).set("thing_id", to: SQLColumn("id"))
            .where("thing_kind", .equal, "user").where("thing_id", .equal, user).run()
        try await sql.update("moderation_cases").set("excerpt", to: SQLBind(ModerationQueries.erasedExcerpt))
            .where("owner_id", .equal, user).run()
        // What a removed comment or message said, kept to put it back on appeal, goes too.
        try await sql.update("moderation_cases").set("undo", to: SQLLiteral.null)
            .where("owner_id", .equal, user).where("thing_kind", .in, ["comment", "message"]).run()
    }

    static func lockAudit(dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        guard dialect == .postgres else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(7301980, hashtext(current_schema()))").run()
    }

    static func auditHead(on sql: any SQLDatabase) async throws -> (seq: Int, hash: String)? {
        guard let row = try await sql.select().column("seq").column("hash").from("moderation_audit").orderBy("seq", .descending).limit(1).first() else {
            return nil
        }
        return (try row.decode(column: "seq", as: Int.self), try row.decode(column: "hash", as: String.self))
    }

    static func append(_ row: AuditRow, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "moderation_audit").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func audit(after seq: Int, limit: Int, on sql: any SQLDatabase) async throws -> [AuditRow] {
        try await sql.select().column("*").from("moderation_audit").where("seq", .greaterThan, seq).orderBy("seq").limit(limit)
            .all(decoding: AuditRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func load(on sql: any SQLDatabase) async throws -> (open: Int, appealed: Int, oldestOpen: Date?) {
        struct Row: Decodable { var open: Int; var appealed: Int; var oldestOpen: Date? }
        let row = try await sql.raw("""
            SELECT COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) AS open,
                   COALESCE(SUM(CASE WHEN status = 'appealed' THEN 1 ELSE 0 END), 0) AS appealed,
                   MIN(CASE WHEN status = 'open' THEN created_at END) AS oldest_open
            FROM moderation_cases WHERE status IN ('open', 'appealed')
            """).first(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return (row?.open ?? 0, row?.appealed ?? 0, row?.oldestOpen)
    }
}
