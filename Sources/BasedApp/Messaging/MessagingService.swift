import Foundation
import SQLKit

/// Conversations and messages: who may say what where, and the order it is
/// stored in. Delivery to sockets is `Realtime`'s job; this is the record.
public struct MessagingService: Sendable {
    let database: Database
    let batcher: SendBatcher

    public init(database: Database) {
        self.database = database
        batcher = SendBatcher(database: database)
    }

    public enum Target: Sendable, Equatable {
        case conversation(UUID)
        /// The direct conversation with this user, created on the first message.
        case user(UUID)
    }

    public struct Sent: Sendable {
        public var message: Message
        /// True when the sender had already sent this `clientMessageId`.
        public var duplicate: Bool
        /// The direct conversation this message created, if it did.
        public var created: Conversation?
    }

    // MARK: Messages

    public func send(
        from sender: UUID, to target: Target, clientMessageId: String, text: String?, attachmentId: UUID?, replyToSeq: Int?
    ) async throws -> Sent {
        try Self.checkClientID(clientMessageId)
        let body = try Self.checkText(text, required: attachmentId == nil)
        return try await batcher.submit(Outgoing(
            sender: sender, target: target, clientMessageId: clientMessageId, body: body, attachmentId: attachmentId, replyToSeq: replyToSeq
        ))
    }

    /// A send that passed the checks that need no database.
    struct Outgoing: Sendable {
        var sender: UUID
        var target: Target
        var clientMessageId: String
        var body: String?
        var attachmentId: UUID?
        var replyToSeq: Int?
    }

    /// Stores one message inside the batch's transaction. A unique violation
    /// (the same client id, or a direct conversation another process created
    /// at the same moment) is for `SendBatcher` to resolve.
    static func store(_ outgoing: Outgoing, on sql: any SQLDatabase) async throws -> Sent {
        let now = Date()
        let sender = outgoing.sender
        let conversationID: UUID
        switch outgoing.target {
        case .user(let other):
            guard other != sender else { throw AppError.validation("to", "is yourself") }
            let key = [sender.text, other.text].sorted().joined(separator: ":")
            let found = try await MessagingQueries.directForSend(key: key, sender: sender, other: other, on: sql)
            guard found.otherExists else { throw AppError.notFound("The user \(other.text)") }
            guard !found.blocked else { throw AppError.forbidden("One of you blocked the other.", code: "blocked") }
            guard let existing = found.conversation else {
                return try await startDirect(key: key, outgoing, other: other, now: now, on: sql)
            }
            conversationID = existing
        case .conversation(let id):
            let found = try await MessagingQueries.memberForSend(id, user: sender, on: sql)
            guard let kind = found.kind else { throw AppError.forbidden("You are not in this conversation.", code: "not_a_member") }
            guard !(kind == .direct && found.blocked) else { throw AppError.forbidden("One of you blocked the other.", code: "blocked") }
            conversationID = id
        }
        try await checkAttachment(outgoing, on: sql)
        // Taking the sequence locks the conversation's row until the commit.
        let seq = try await MessagingQueries.nextSeq(conversationID, now: now, on: sql)
        if let replyToSeq = outgoing.replyToSeq, !(1..<seq).contains(replyToSeq) {
            throw AppError.validation("replyToSeq", "is not a message of this conversation")
        }
        let message = makeMessage(outgoing, conversation: conversationID, seq: seq, now: now)
        try await MessagingQueries.insert(message, on: sql)
        // The sender has read, and has, what they wrote.
        try await MessagingQueries.markOwn(conversationID, user: sender, seq: seq, on: sql)
        return Sent(message: message, duplicate: false, created: nil)
    }

    /// The first message between two people makes their conversation, already at sequence 1.
    private static func startDirect(key: String, _ outgoing: Outgoing, other: UUID, now: Date, on sql: any SQLDatabase) async throws -> Sent {
        guard outgoing.replyToSeq == nil else { throw AppError.validation("replyToSeq", "is not a message of this conversation") }
        try await checkAttachment(outgoing, on: sql)
        let conversation = Conversation(
            id: .v7(now: now), kind: .direct, title: nil, subject: nil, createdBy: outgoing.sender, lastSeq: 1, createdAt: now, updatedAt: now
        )
        try await MessagingQueries.insert(conversation, directKey: key, on: sql)
        try await MessagingQueries.addDirectMembers(conversation.id, sender: outgoing.sender, other: other, now: now, on: sql)
        let message = makeMessage(outgoing, conversation: conversation.id, seq: 1, now: now)
        try await MessagingQueries.insert(message, on: sql)
        return Sent(message: message, duplicate: false, created: conversation)
    }

    private static func checkAttachment(_ outgoing: Outgoing, on sql: any SQLDatabase) async throws {
        guard let attachmentId = outgoing.attachmentId else { return }
        guard let attachment = try await MessagingQueries.attachment(attachmentId, on: sql), attachment.ownerId == outgoing.sender else {
            throw AppError.validation("attachmentId", "is not an attachment you uploaded")
        }
    }

    private static func makeMessage(_ outgoing: Outgoing, conversation: UUID, seq: Int, now: Date) -> Message {
        Message(
            id: .v7(now: now), conversationId: conversation, seq: seq, senderId: outgoing.sender, clientMessageId: outgoing.clientMessageId,
            body: outgoing.body, attachmentId: outgoing.attachmentId, replyToSeq: outgoing.replyToSeq, reactions: [:],
            editedAt: nil, deletedAt: nil, createdAt: now
        )
    }

    public func edit(by user: UUID, conversation: UUID, seq: Int, text: String) async throws -> Message {
        let body = try Self.checkText(text, required: true)
        return try await change(by: user, conversation: conversation, seq: seq) { message, _ in
            guard message.senderId == user else { throw AppError.forbidden("Only the sender edits a message.", code: "forbidden") }
            guard message.deletedAt == nil else { throw AppError.conflict("The message was deleted.", code: "message_deleted") }
            message.body = body
            message.editedAt = Date()
        }
    }

    public func delete(by user: UUID, conversation: UUID, seq: Int) async throws -> Message {
        try await change(by: user, conversation: conversation, seq: seq) { message, member in
            guard message.senderId == user || member.role == .admin else {
                throw AppError.forbidden("Only the sender or an admin deletes a message.", code: "forbidden")
            }
            guard message.deletedAt == nil else { return }
            message.body = nil
            message.attachmentId = nil
            message.reactions = [:]
            message.deletedAt = Date()
        }
    }

    public func react(by user: UUID, conversation: UUID, seq: Int, emoji: String, remove: Bool) async throws -> Message {
        guard !emoji.isEmpty, emoji.count <= MessagingLimits.emojiCharacters, !emoji.contains(where: \.isWhitespace) else {
            throw AppError.validation("emoji", "must be 1–\(MessagingLimits.emojiCharacters) characters without spaces")
        }
        return try await change(by: user, conversation: conversation, seq: seq) { message, _ in
            guard message.deletedAt == nil else { throw AppError.conflict("The message was deleted.", code: "message_deleted") }
            var users = message.reactions[emoji] ?? []
            users.removeAll { $0 == user }
            if !remove {
                guard message.reactions.count < 50 || message.reactions[emoji] != nil else {
                    throw AppError.validation("emoji", "is one kind too many on this message")
                }
                users.append(user)
            }
            message.reactions[emoji] = users.isEmpty ? nil : users
        }
    }

    private func change(
        by user: UUID, conversation: UUID, seq: Int, _ apply: @escaping @Sendable (inout Message, ConversationMember) throws -> Void
    ) async throws -> Message {
        let dialect = database.dialect
        return try await database.transaction { sql in
            let member = try await Self.requireMember(user, of: conversation, on: sql).1
            try await MessagingQueries.lockConversation(conversation, dialect: dialect, on: sql)
            guard seq > member.joinedSeq, var message = try await MessagingQueries.message(conversation, seq: seq, on: sql) else {
                throw AppError.notFound("The message \(seq)")
            }
            try apply(&message, member)
            try await MessagingQueries.update(message, on: sql)
            return message
        }
    }

    /// Moves a member's read (or delivered) mark forward; returns the conversation's members.
    public func mark(_ kind: ReadMark, by user: UUID, conversation: UUID, seq: Int) async throws -> Int {
        let (conversationRow, _) = try await Self.requireMember(user, of: conversation, on: database.sql)
        guard seq >= 0, seq <= conversationRow.lastSeq else {
            throw AppError.badRequest("The conversation has no message \(seq) yet.", code: "invalid_position", fields: [.init("seq", "is past the last message")])
        }
        try await MessagingQueries.setMemberSeq(kind.column, conversation, user: user, seq: seq, on: database.sql)
        return seq
    }

    public enum ReadMark: Sendable {
        case read, delivered
        var column: String { self == .read ? "read_seq" : "delivered_seq" }
    }

    /// A page of history, ascending. With `after`, the page starts just after
    /// it; with `before`, it ends just before it; with neither, the newest.
    public func history(of user: UUID, conversation: UUID, after: Int?, before: Int?, limit: Int?) async throws -> (messages: [Message], lastSeq: Int) {
        let size = limit ?? 50
        guard (1...200).contains(size) else { throw AppError.validation("limit", "must be between 1 and 200") }
        if let after, after < 0 { throw AppError.validation("after", "must be 0 or more") }
        if let before, before < 1 { throw AppError.validation("before", "must be 1 or more") }
        let (row, member) = try await Self.requireMember(user, of: conversation, on: database.sql)
        let floor = max(member.joinedSeq, after ?? 0)
        let messages = try await MessagingQueries.messages(conversation, after: floor, before: before, limit: size, ascending: after != nil, on: database.sql)
        return (messages, row.lastSeq)
    }

    /// What a reconnecting device missed: for each conversation it names, the
    /// messages after its position (at most `replayPerConversation`).
    public func missed(by user: UUID, positions: [UUID: Int]) async throws -> (messages: [Message], truncated: [UUID], newer: [(id: UUID, lastSeq: Int)]) {
        let mine = try await MessagingQueries.positions(of: user, on: database.sql)
        let byID = Dictionary(mine.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (conversation, seq) in positions {
            guard let known = byID[conversation] else {
                throw AppError.forbidden("You are not in the conversation \(conversation.text).", code: "not_a_member")
            }
            guard seq >= 0, seq <= known.lastSeq else {
                throw AppError.badRequest("Position \(seq) of \(conversation.text) is past its last message.", code: "invalid_position")
            }
        }
        var messages: [Message] = []
        var truncated: [UUID] = []
        for (conversation, seq) in positions.sorted(by: { $0.key.uuidString < $1.key.uuidString }) where byID[conversation]!.lastSeq > seq {
            let member = try await MessagingQueries.member(conversation, user: user, on: database.sql)
            let floor = max(seq, member?.joinedSeq ?? 0)
            let page = try await MessagingQueries.messages(
                conversation, after: floor, before: nil, limit: MessagingLimits.replayPerConversation + 1, ascending: true, on: database.sql
            )
            if page.count > MessagingLimits.replayPerConversation { truncated.append(conversation) }
            messages += page.prefix(MessagingLimits.replayPerConversation)
        }
        let newer = mine.filter { $0.kind != .room && $0.lastSeq > (positions[$0.id] ?? 0) }.map { ($0.id, $0.lastSeq) }
        return (messages, truncated, newer)
    }

    // MARK: Conversations

    public struct ConversationView: Sendable {
        public var conversation: Conversation
        public var members: [ConversationMember]
    }

    public func conversation(_ id: UUID, for user: UUID) async throws -> ConversationView {
        let (row, _) = try await Self.requireMember(user, of: id, on: database.sql)
        return ConversationView(conversation: row, members: try await MessagingQueries.members(id, on: database.sql))
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
        let others = Array(Set(members).subtracting([creator]))
        guard others.count <= MessagingLimits.membersPerRequest else {
            throw AppError.validation("members", "may name at most \(MessagingLimits.membersPerRequest) people per request")
        }
        let id = try await database.transaction { sql in
            let now = Date()
            try await Self.requireAddable(others, by: creator, on: sql)
            let conversation = Conversation(id: .v7(now: now), kind: .group, title: title, subject: nil, createdBy: creator, lastSeq: 0, createdAt: now, updatedAt: now)
            try await MessagingQueries.insert(conversation, directKey: nil, on: sql)
            try await MessagingQueries.addMember(conversation.id, user: creator, role: .admin, joinedSeq: 0, now: now, on: sql)
            for other in others {
                try await MessagingQueries.addMember(conversation.id, user: other, role: .member, joinedSeq: 0, now: now, on: sql)
            }
            return conversation.id
        }
        return try await conversation(id, for: creator)
    }

    public func rename(_ id: UUID, by user: UUID, title: String) async throws -> Conversation {
        let title = try Self.checkTitle(title)
        let (row, member) = try await Self.requireMember(user, of: id, on: database.sql)
        guard row.kind != .direct else { throw AppError.conflict("A direct conversation has no title.", code: "direct_conversation") }
        guard member.role == .admin else { throw AppError.forbidden("Only an admin renames the conversation.", code: "admin_only") }
        try await database.sql.update("conversations").set("title", to: SQLBind(title)).set("updated_at", to: SQLBind(Date()))
            .where("id", .equal, id).run()
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
            try await Self.requireAddable(added, by: user, on: sql)
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
                try await sql.update("conversation_members").set("role", to: SQLBind("admin"))
                    .where("conversation_id", .equal, id).where("user_id", .equal, rest[0].userId).run()
            }
        }
    }

    public func setRole(_ id: UUID, by user: UUID, member other: UUID, role: ConversationMember.Role) async throws {
        let (row, member) = try await Self.requireMember(user, of: id, on: database.sql)
        guard row.kind == .group else { throw AppError.conflict("Only group chats have admins.", code: "not_a_group") }
        guard member.role == .admin else { throw AppError.forbidden("Only an admin changes roles.", code: "admin_only") }
        guard try await MessagingQueries.member(id, user: other, on: database.sql) != nil else { throw AppError.notFound("The member") }
        try await database.sql.update("conversation_members").set("role", to: SQLBind(role.rawValue))
            .where("conversation_id", .equal, id).where("user_id", .equal, other).run()
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
        if let creator = room.createdBy, creator != user, try await MessagingQueries.isBlocked(between: creator, and: user, on: database.sql) {
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

    public func memberIDs(of conversation: UUID) async throws -> [UUID] {
        try await MessagingQueries.memberIDs(conversation, on: database.sql)
    }

    // MARK: Blocks and mutes

    public func block(_ user: UUID, _ other: UUID) async throws {
        guard user != other else { throw AppError.validation("username", "is yourself") }
        try await MessagingQueries.block(user, other, now: Date(), on: database.sql)
    }

    public func unblock(_ user: UUID, _ other: UUID) async throws {
        try await MessagingQueries.unblock(user, other, on: database.sql)
    }

    public func mute(_ user: UUID, _ other: UUID, muted: Bool) async throws {
        guard user != other else { throw AppError.validation("username", "is yourself") }
        if muted {
            try await MessagingQueries.mute(user, other, now: Date(), on: database.sql)
        } else {
            try await MessagingQueries.unmute(user, other, on: database.sql)
        }
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
    static func requireAddable(_ users: [UUID], by adder: UUID, on sql: any SQLDatabase) async throws {
        let blocked = try await MessagingQueries.blockedEitherWay(adder, on: sql)
        for user in users {
            guard try await AccountQueries.user(id: user, on: sql) != nil else { throw AppError.validation("members", "names \(user.text), who does not exist") }
            if blocked.contains(user) { throw AppError.forbidden("You cannot add \(user.text).", code: "blocked") }
        }
    }

    static func checkClientID(_ id: String) throws {
        guard (1...MessagingLimits.clientIdCharacters).contains(id.count) else {
            throw AppError.validation("clientMessageId", "must be 1–\(MessagingLimits.clientIdCharacters) characters")
        }
    }

    static func checkText(_ text: String?, required: Bool) throws -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            if required { throw AppError.validation("text", "must not be empty") }
            return nil
        }
        guard text.count <= MessagingLimits.textCharacters else {
            throw AppError.validation("text", "must be \(MessagingLimits.textCharacters) characters at most")
        }
        return text
    }

    static func checkTitle(_ title: String) throws -> String {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...MessagingLimits.titleCharacters).contains(trimmed.count) else {
            throw AppError.validation("title", "must be 1–\(MessagingLimits.titleCharacters) characters")
        }
        return trimmed
    }
}
