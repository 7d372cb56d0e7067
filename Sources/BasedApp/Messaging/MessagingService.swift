import Foundation
import SQLKit

/// Messages: who may say what where, the order it is stored in, edits,
/// reactions, read marks, history and what a device missed. Conversations,
/// groups and rooms are `ConversationService`'s; delivery to sockets is
/// `Realtime`'s job; this is the record.
public struct MessagingService: Sendable {
    let database: Database
    let batcher: SendBatcher
    /// Groups, membership and rooms.
    public let conversations: ConversationService
    /// Masks blocked words, flags borderline ones, and holds senders to the spam limits.
    let moderation: ModerationService?

    init(database: Database, accounts: AccountService, blocks: BlockService, moderation: ModerationService? = nil) {
        self.database = database
        self.moderation = moderation
        batcher = SendBatcher(database: database, store: MessageStore(blocks: blocks, accounts: accounts))
        var conversations = ConversationService(database: database, accounts: accounts, blocks: blocks)
        conversations.moderation = moderation
        self.conversations = conversations
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
        var body = try Self.checkText(text, required: attachmentId == nil)
        let screened = body.flatMap { moderation?.freeText($0) }
        if let screened { body = screened.text }
        if let moderation {
            let to = switch target {
            case .conversation(let id): "conversation:\(id.text)"
            case .user(let id): "user:\(id.text)"
            }
            try moderation.checkMessage(from: sender, conversation: to, text: text)
        }
        let sent = try await batcher.submit(Outgoing(
            sender: sender, target: target, clientMessageId: clientMessageId, body: body, attachmentId: attachmentId, replyToSeq: replyToSeq
        ))
        if let screened, !sent.duplicate {
            try await moderation?.flag(screened, thing: .message, id: sent.message.id, field: "text", author: sender)
        }
        return sent
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

    public func edit(by user: UUID, conversation: UUID, seq: Int, text: String) async throws -> Message {
        let screened = try Self.checkText(text, required: true).map { moderation?.freeText($0) ?? .init(text: $0, borderline: []) }
        let edited = try await change(by: user, conversation: conversation, seq: seq) { message, _ in
            guard message.senderId == user else { throw AppError.forbidden("Only the sender edits a message.", code: "forbidden") }
            guard message.deletedAt == nil else { throw AppError.conflict("The message was deleted.", code: "message_deleted") }
            message.body = screened?.text
            message.editedAt = Date()
        }
        if let screened { try await moderation?.flag(screened, thing: .message, id: edited.id, field: "text", author: user) }
        return edited
    }

    public func delete(by user: UUID, conversation: UUID, seq: Int) async throws -> Message {
        try await change(by: user, conversation: conversation, seq: seq) { message, member in
            guard message.senderId == user || member.role == .admin else {
                throw AppError.forbidden("Only the sender or an admin deletes a message.", code: "forbidden")
            }
            guard message.deletedAt == nil else { return }
            message.tombstone()
        }
    }

    /// Removes a message by a moderator's decision: it becomes a deleted message, as if its sender had deleted it.
    /// What a removed message said, to put back if the decision is reversed.
    struct Removed: Codable {
        var body: String?
        var attachmentId: UUID?
        var reactions: [String: [UUID]]
    }

    /// Tombstones a message (a moderator's decision); returns what it said
    /// (JSON), or nil when it was already deleted.
    public func remove(conversation: UUID, seq: Int) async throws -> String? {
        let dialect = database.dialect
        return try await database.transaction { sql in
            try await MessagingQueries.lockConversation(conversation, dialect: dialect, on: sql)
            guard var message = try await MessagingQueries.message(conversation, seq: seq, on: sql) else { throw AppError.notFound("The message \(seq)") }
            guard message.deletedAt == nil else { return nil }
            let removed = Removed(body: message.body, attachmentId: message.attachmentId, reactions: message.reactions)
            message.tombstone()
            try await MessagingQueries.update(message, on: sql)
            return JSONText.encode(removed)
        }
    }

    /// Puts back a message `remove` tombstoned (a reversed decision), unless
    /// its sender has since deleted it or their account.
    public func restore(conversation: UUID, seq: Int, snapshot: String) async throws {
        guard let removed = try? JSONDecoder().decode(Removed.self, from: Data(snapshot.utf8)) else { return }
        let dialect = database.dialect
        try await database.transaction { sql in
            try await MessagingQueries.lockConversation(conversation, dialect: dialect, on: sql)
            guard var message = try await MessagingQueries.message(conversation, seq: seq, on: sql), message.deletedAt != nil,
                  message.senderId != User.erasedID
            else { return }
            message.body = removed.body
            message.attachmentId = removed.attachmentId
            message.reactions = removed.reactions
            message.deletedAt = nil
            try await MessagingQueries.update(message, on: sql)
        }
    }

    /// Erases a user from every conversation (their account is being
    /// deleted): each message they sent becomes a tombstone from `ghost`
    /// ("Deleted user"), their reactions leave others' messages, and direct
    /// conversations stop naming them. Safe to run again.
    public func erase(_ user: UUID, ghost: UUID) async throws {
        let now = Date()
        try await database.transaction { sql in
            try await MessagingQueries.tombstoneAll(sender: user, ghost: ghost, now: now, on: sql)
            for var message in try await MessagingQueries.messages(reactedBy: user, on: sql) {
                message.reactions = message.reactions.compactMapValues { users in
                    let kept = users.filter { $0 != user }
                    return kept.isEmpty ? nil : kept
                }
                try await MessagingQueries.update(message, on: sql)
            }
            try await MessagingQueries.forgetDirectKeys(naming: user, on: sql)
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
            let member = try await ConversationService.requireMember(user, of: conversation, on: sql).1
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
        let (conversationRow, _) = try await ConversationService.requireMember(user, of: conversation, on: database.sql)
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
        let (row, member) = try await ConversationService.requireMember(user, of: conversation, on: database.sql)
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

    // MARK: For other features (Realtime)

    /// The message at `seq`, whatever the caller may see (no membership rule).
    public func message(conversation: UUID, seq: Int) async throws -> Message? {
        try await MessagingQueries.message(conversation, seq: seq, on: database.sql)
    }

    /// The messages with `after < seq <= through`, ascending (to fill a gap).
    public func messages(_ conversation: UUID, after: Int, through: Int) async throws -> [Message] {
        guard through > after else { return [] }
        return try await MessagingQueries.messages(conversation, after: after, before: through + 1, limit: through - after, ascending: true, on: database.sql)
    }

    /// The conversation, whoever asks (no membership rule).
    public func conversation(id: UUID) async throws -> Conversation? {
        try await MessagingQueries.conversation(id, on: database.sql)
    }

    /// The members of a conversation with their marks and muted flags, by join time.
    public func members(of conversation: UUID) async throws -> [ConversationMember] {
        try await MessagingQueries.members(conversation, on: database.sql)
    }

    public func memberIDs(of conversation: UUID) async throws -> [UUID] {
        try await MessagingQueries.memberIDs(conversation, on: database.sql)
    }

    /// Everyone who shares a direct or group conversation with `user` (rooms do not count).
    public func partnerIDs(of user: UUID) async throws -> Set<UUID> {
        try await MessagingQueries.partnerIDs(of: user, on: database.sql)
    }

    /// Joins a public room: `conversations.join`, kept here while Realtime calls it so.
    public func join(room id: UUID, user: UUID) async throws -> Conversation {
        try await conversations.join(room: id, user: user)
    }

    /// Leaves a room: `conversations.leave`, kept here while Realtime calls it so.
    public func leave(room id: UUID, user: UUID) async throws {
        try await conversations.leave(room: id, user: user)
    }

    // MARK: Checks

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
}
