import Foundation
import SQLKit

/// Blocks and mutes: who has shut out whom. Other features ask here (a
/// block ends messaging, presence and notifications between two people; a
/// mute silences one person's notifications to another) rather than reading
/// the tables. The functions taking `on sql` run inside the caller's transaction.
public struct BlockService: Sendable {
    let database: Database
    let accounts: AccountService

    /// The most blocks a list returns.
    static let listLimit = 1000

    public func block(_ user: UUID, _ other: UUID) async throws {
        guard user != other else { throw AppError.validation("username", "is yourself") }
        try await BlockQueries.block(user, other, now: Date(), on: database.sql)
    }

    public func unblock(_ user: UUID, _ other: UUID) async throws {
        try await BlockQueries.unblock(user, other, on: database.sql)
    }

    public func mute(_ user: UUID, _ other: UUID, muted: Bool) async throws {
        guard user != other else { throw AppError.validation("username", "is yourself") }
        if muted {
            try await BlockQueries.mute(user, other, now: Date(), on: database.sql)
        } else {
            try await BlockQueries.unmute(user, other, on: database.sql)
        }
    }

    /// Whom `user` blocked, newest first, with their accounts (looked up in one batch).
    public func blocks(of user: UUID) async throws -> [(user: User, blockedAt: Date)] {
        let rows = try await BlockQueries.blocks(of: user, limit: Self.listLimit, on: database.sql)
        let users = try await accounts.users(ids: rows.map(\.user))
        return rows.compactMap { row in users[row.user].map { ($0, row.at) } }
    }

    /// Whether either of the two blocked the other.
    public func isBlocked(between a: UUID, and b: UUID) async throws -> Bool {
        try await isBlocked(between: a, and: b, on: database.sql)
    }

    func isBlocked(between a: UUID, and b: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await BlockQueries.isBlocked(between: a, and: b, on: sql)
    }

    /// Everyone `user` blocked or was blocked by.
    public func blockedEitherWay(_ user: UUID) async throws -> Set<UUID> {
        try await blockedEitherWay(user, on: database.sql)
    }

    func blockedEitherWay(_ user: UUID, on sql: any SQLDatabase) async throws -> Set<UUID> {
        try await BlockQueries.blockedEitherWay(user, on: sql)
    }

    /// Whether `user` muted `other`.
    public func isMuted(_ user: UUID, muted other: UUID) async throws -> Bool {
        try await BlockQueries.isMuted(user, muted: other, on: database.sql)
    }
}
