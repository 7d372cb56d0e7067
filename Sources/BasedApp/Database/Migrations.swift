import Foundation
import Logging
import SQLKit

/// One forward-only schema step. `statements` are SQL with type placeholders
/// (`{id}`, `{time}`, `{bool}`, `{real}`, and `{bytewise}` for text compared byte by byte,
/// which prefix ranges need) filled in per dialect.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    /// Statements for one dialect only (triggers), run after `statements`.
    var sqlite: [String] = []
    var postgres: [String] = []

    func statements(for dialect: Database.Dialect) -> [String] {
        statements + (dialect == .sqlite ? sqlite : postgres)
    }
}

/// Applies pending migrations in order, in one transaction under a lock, so
/// several processes starting at once apply each migration exactly once.
public struct Migrator: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let all: [Migration] = [
        Migration001Accounts.migration,
        Migration002Catalog.migration,
        Migration003Analysis.migration,
        Migration004Messaging.migration,
        Migration005Events.migration,
        Migration006Idempotency.migration,
        Migration007Library.migration,
        Migration008Playlists.migration,
        Migration009Comments.migration,
        Migration010Jams.migration,
        Migration011Subsonic.migration,
        Migration012Tickets.migration,
        Migration013Calendars.migration,
        Migration014EventPlaces.migration,
        Migration015Lineups.migration,
        Migration016Moderation.migration,
        Migration017Reports.migration,
        Migration018Exports.migration,
        Migration019Erasures.migration,
        Migration020Fingerprints.migration,
        Migration021Analytics.migration,
        Migration022AnalyticsCounters.migration,
        Migration023Discovery.migration,
        Migration024AnalyticsBackfill.migration,
        Migration025PlaylistAuthors.migration,
        Migration026Shows.migration,
        Migration027VenuePhotos.migration,
        Migration028Uploads.migration,
    ]

    /// Returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let dialect = database.dialect
        let pending = try await Database.retryingWhileBusy { try await migratePending(dialect: dialect) }
        for version in pending {
            logger.info("applied migration", metadata: ["version": "\(version)"])
        }
        return pending
    }

    /// One attempt: the pending migrations in one transaction, under the lock.
    private func migratePending(dialect: Database.Dialect) async throws -> [Int] {
        try await database.transaction { sql in
            if dialect == .postgres {
                // Held until the transaction ends; other processes migrating
                // the same schema wait here (other schemas need not).
                try await sql.raw("SELECT pg_advisory_xact_lock(7301979, hashtext(current_schema()))").run()
            }
            try await sql.raw(SQLQueryString(Self.fill("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at {time} NOT NULL
                )
                """, dialect))).run()
            let applied = Set(try await sql.select().column("version").from("schema_migrations").all(decodingColumn: "version", as: Int.self))
            var done: [Int] = []
            for migration in Self.all where !applied.contains(migration.version) {
                for statement in migration.statements(for: dialect) {
                    try await sql.raw(SQLQueryString(Self.fill(statement, dialect))).run()
                }
                try await sql.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date()))
                    .run()
                done.append(migration.version)
            }
            return done
        }
    }

    static func fill(_ statement: String, _ dialect: Database.Dialect) -> String {
        let types: [String: String] = switch dialect {
        case .sqlite: ["{id}": "TEXT", "{time}": "REAL", "{bool}": "INTEGER", "{real}": "REAL", "{blob}": "BLOB", "{bytewise}": ""]
        case .postgres: ["{id}": "UUID", "{time}": "TIMESTAMPTZ", "{bool}": "BOOLEAN", "{real}": "DOUBLE PRECISION", "{blob}": "BYTEA", "{bytewise}": "COLLATE \"C\""]
        }
        return types.reduce(statement) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }
}
