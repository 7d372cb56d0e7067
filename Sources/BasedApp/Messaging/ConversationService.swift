import Foundation
import SQLKit

/// Conversations: a user's list, group chats and their membership, and live
/// rooms. Messages in them are `MessagingService`'s.
public struct ConversationService: Sendable {
    let database: Database
    let accounts: AccountService
    let blocks: BlockService
    /// Refuses group titles with a blocked word.
    var moderation: ModerationService?

    public struct ConversationView: Sendable {
        public var conversation: Conversation
        public var members: [ConversationMember]
        /// The members' accounts (at most `shownMembers` of them), looked up in one batch.
        public var users: [UUID: User]
    }

    /// How many members a conversation's detail names.
    public static let shownMembers = 500

    public func conversation(_ id: UUID, for user: UUID) async throws -> ConversationView {
        let (row, _) = try await Self.requireMember(user, of: id, on: database.sql)
        let members = try await MessagingQueries.members(id, on: database.sql)
        let users = try await accounts.users(ids: members.prefix(Self.shownMembers).map(\.userId))
        return ConversationView(conversation: row, members: members, users: users)
    }

    public struct ListEntry: Sendable {
        public var conversation: Conversation
        public var readSeq: Int
        public var muted: Bool
    }

    public func conversations(of user: UUID, cursor: String?, limit: Int?) async throws -> (entries: [ListEntry], nextCursor: String?) {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be between 1 and 100") }
        let before = try cursor.map(TimeIDCursor.decode)
        let rows = try await MessagingQueries.conversations(of: user, before: before, limit: size + 1, on: database.sql)
        let shown = rows.prefix(size)
        let next = rows.count > size ? shown.last.map { TimeIDCursor.encode($0.updatedAt, $0.id) } : nil
        return (shown.map { ListEntry(conversation: $0.conversation, readSeq: $0.readSeq, muted: $0.muted) }, next)
    }

    public func createGroup(by creator: UUID, title: String, members: [UUID]) async throws -> ConversationView {
        let title = try Self.checkTitle(title)
        let screened = try moderation?.name(title, field: "title")
        let others = Array(Set(members).subtracting([creator]))
        guard others.count <= MessagingLimits.membersPerRequest else {
            throw AppError.validation("members", "may name at most \(MessagingLimits.membersPerRequest) people per request")
        }
        let id = try await database.transaction { sql in
            let now = Date()
            try await self.requireAddable(others, by: creator, on: sql)
            let conversation = Conversation(id: .v7(now: now), kind: .group, title: title, subject: nil, createdBy: creator, lastSeq: 0, createdAt: now, updatedAt: now)
            try await MessagingQueries.insert(conversation, directKey: nil, on: sql)
            try await MessagingQueries.addMember(conversation.id, user: creator, role: .admin, joinedSeq: 0, now: now, on: sql)
            for other in others {
                try await MessagingQueries.addMember(conversation.id, user: other, role: .member, joinedSeq: 0, now: now, on: sql)
            }
            return conversation.id
        }
        if let screened { try await moderation?.flag(screened, thing: .conversation, id: id, field: "title", author: creator) }
        return try await conversation(id, for: creator)
    }

    public func rename(_ id: UUID, by user: UUID, title: String) async throws -> Conversation {
        let title = try Self.checkTitle(title)
        let screened = try moderation?.name(title, field: "title")
        let (row, member) = try await Self.requireMember(user, of: id, on: database.sql)
        guard row.kind != .direct else { throw AppError.conflict("A direct conversation has no title.", code: "direct_conversation") }
        guard member.role == .admin else { throw AppError.forbidden("Only an admin renames the conversation.", code: "admin_only") }
        try await MessagingQueries.setTitle(id, title: title, now: Date(), on: database.sql)
        if let screened { try await moderation?.flag(screened, thing: .conversation, id: id, field: "title", author: user) }
        var renamed = row
        renamed.title = title
        return renamed
    }

    public func addMembers(_ id: UUID, by user: UUID, members: [UUID]) async throws -> [UUID] {
        guard members.count <= MessagingLimits.membersPerRequest else {
            throw AppError.validation("members", "may name at most \(MessagingLimits.membersPerRequest) people per request")
        }
        return try await database.transaction { sql in
            let (row, member) = try await Self.requireMember(user, of: id, on: sql)
            guard row.kind == .group else { throw AppError.conflict("Only group chats take new members.", code: "not_a_group") }
            guard member.role == .admin else { throw AppError.forbidden("Only an admin adds members.", code: "admin_only") }
            let present = Set(try await MessagingQueries.memberIDs(id, on: sql))
            let added = Array(Set(members).subtracting(present))
            try await self.requireAddable(added, by: user, on: sql)
            for other in added {
                try await MessagingQueries.addMember(id, user: other, role: .member, joinedSeq: row.lastSeq, now: Date(), on: sql)
            }
            return added
        }
    }

    /// Removes a member (an admin removing someone) or leaves (anyone removing themself).
    public func removeMember(_ id: UUID, by user: UUID, member other: UUID) async throws {
        try await database.transaction { sql in
            let (row, member) = try await Self.requireMember(user, of: id, on: sql)
            guard row.kind != .direct else { throw AppError.conflict("Nobody leaves a direct conversation; block instead.", code: "direct_conversation") }
            if other != user {
                guard member.role == .admin else { throw AppError.forbidden("Only an admin removes members.", code: "admin_only") }
                guard try await MessagingQueries.member(id, user: other, on: sql) != nil else { throw AppError.notFound("The member") }
            }
            try await MessagingQueries.removeMember(id, user: other, on: sql)
            // A group is never left without an admin: the longest-standing member becomes one.
            let rest = try await MessagingQueries.members(id, on: sql)
            if row.kind == .group, !rest.isEmpty, !rest.contains(where: { $0.role == .admin }) {
                try await MessagingQueries.setRole(id, user: rest[0].userId, role: .admin, on: sql)
            }
        }
    }

    public func setRole(_ id: UUID, by user: UUID, member other: UUID, role: ConversationMember.Role) async throws {
        let (row, member) = try await Self.requireMember(user, of: id, on: database.sql)
        guard row.kind == .group else { throw AppError.conflict("Only group chats have admins.", code: "not_a_group") }
        guard member.role == .admin else { throw AppError.forbidden("Only an admin changes roles.", code: "admin_only") }
        guard try await MessagingQueries.member(id, user: other, on: database.sql) != nil else { throw AppError.notFound("The member") }
        try await MessagingQueries.setRole(id, user: other, role: role, on: database.sql)
    }

    public func setMuted(_ id: UUID, by user: UUID, muted: Bool) async throws {
        _ = try await Self.requireMember(user, of: id, on: database.sql)
        try await MessagingQueries.setConversationMuted(id, user: user, muted: muted, on: database.sql)
    }

    // MARK: Rooms

    public func createRoom(by creator: UUID, title: String, subject: String?) async throws -> Conversation {
        try await database.transaction { sql in
            try await self.createRoom(by: creator, title: title, subject: subject, on: sql)
        }
    }

    /// Opens a room inside the caller's transaction, so a feature that owns a
    /// room (an event) never exists without it, nor the room without it.
    func createRoom(by creator: UUID, title: String, subject: String?, on sql: any SQLDatabase) async throws -> Conversation {
        let title = try Self.checkTitle(title)
        if let subject, subject.count > 100 { throw AppError.validation("subject", "must be 100 characters at most") }
        let now = Date()
        let room = Conversation(id: .v7(now: now), kind: .room, title: title, subject: subject, createdBy: creator, lastSeq: 0, createdAt: now, updatedAt: now)
        try await MessagingQueries.insert(room, directKey: nil, on: sql)
        try await MessagingQueries.addMember(room.id, user: creator, role: .admin, joinedSeq: 0, now: now, on: sql)
        return room
    }

    /// Joins a public room; anyone may, except someone its creator blocked.
    public func join(room id: UUID, user: UUID) async throws -> Conversation {
        guard let room = try await MessagingQueries.conversation(id, on: database.sql), room.kind == .room else {
            throw AppError.notFound("The room \(id.text)")
        }
        if let creator = room.createdBy, creator != user, try await blocks.isBlocked(between: creator, and: user) {
            throw AppError.forbidden("This room is closed to you.", code: "blocked")
        }
        // Room history is public to members; they see it from the start.
        try await MessagingQueries.addMember(id, user: user, role: .member, joinedSeq: 0, now: Date(), on: database.sql)
        return room
    }

    public func leave(room id: UUID, user: UUID) async throws {
        guard let room = try await MessagingQueries.conversation(id, on: database.sql), room.kind == .room else {
            throw AppError.notFound("The room \(id.text)")
        }
        try await MessagingQueries.removeMember(id, user: user, on: database.sql)
    }

    // MARK: Rules

    /// The conversation and the caller's membership, or `not_a_member` (also
    /// for conversations that do not exist, so ids reveal nothing).
    static func requireMember(_ user: UUID, of id: UUID, on sql: any SQLDatabase) async throws -> (Conversation, ConversationMember) {
        guard let member = try await MessagingQueries.member(id, user: user, on: sql),
              let conversation = try await MessagingQueries.conversation(id, on: sql)
        else { throw AppError.forbidden("You are not in this conversation.", code: "not_a_member") }
        return (conversation, member)
    }

    /// Nobody is put in a chat by someone they blocked, or who blocked them.
    func requireAddable(_ users: [UUID], by adder: UUID, on sql: any SQLDatabase) async throws {
        let blocked = try await blocks.blockedEitherWay(adder, on: sql)
        let existing = try await accounts.users(ids: users, on: sql)
        for user in users {
            guard existing[user] != nil else { throw AppError.validation("members", "names \(user.text), who does not exist") }
            if blocked.contains(user) { throw AppError.forbidden("You cannot add \(user.text).", code: "blocked") }
        }
    }

    static func checkTitle(_ title: String) throws -> String {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...MessagingLimits.titleCharacters).contains(trimmed.count) else {
            throw AppError.validation("title", "must be 1–\(MessagingLimits.titleCharacters) characters")
        }
        return trimmed
    }
}
