import Foundation
import SQLKit

/// The SQL of conversations, members, messages and blocks.
enum MessagingQueries {
    static func conversation(_ id: UUID, on sql: any SQLDatabase) async throws -> Conversation? {
        try await sql.select().column("*").from("conversations").where("id", .equal, id)
            .first(decoding: Conversation.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func direct(key: String, on sql: any SQLDatabase) async throws -> Conversation? {
        try await sql.select().column("*").from("conversations").where("direct_key", .equal, key)
            .first(decoding: Conversation.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func insert(_ conversation: Conversation, directKey: String?, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "conversations")
            .columns("id", "kind", "title", "direct_key", "subject", "created_by", "last_seq", "created_at", "updated_at")
            .values(
                SQLBind(conversation.id), SQLBind(conversation.kind.rawValue), SQLBind(conversation.title), SQLBind(directKey),
                SQLBind(conversation.subject), SQLBind(conversation.createdBy), SQLBind(conversation.lastSeq),
                SQLBind(conversation.createdAt), SQLBind(conversation.updatedAt)
            )
            .run()
    }

    static func member(_ conversation: UUID, user: UUID, on sql: any SQLDatabase) async throws -> ConversationMember? {
        try await sql.select().column("*").from("conversation_members")
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user)
            .first(decoding: ConversationMember.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// For a send to a conversation, in one query: its kind if `user` is a
    /// member, and whether `user` and another member blocked one another
    /// (which only matters in a direct conversation).
    static func memberForSend(_ conversation: UUID, user: UUID, on sql: any SQLDatabase) async throws -> (kind: Conversation.Kind?, blocked: Bool) {
        struct Row: Decodable { var kind: Conversation.Kind; var blocked: Int }
        let row = try await sql.raw("""
            SELECT c.kind AS kind, (
                SELECT COUNT(*) FROM conversation_members o JOIN blocks b
                  ON (b.blocker_id = o.user_id AND b.blocked_id = \(bind: user)) OR (b.blocker_id = \(bind: user) AND b.blocked_id = o.user_id)
                WHERE c.kind = 'direct' AND o.conversation_id = c.id AND o.user_id <> \(bind: user)
            ) AS blocked
            FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.conversation_id = \(bind: conversation) AND m.user_id = \(bind: user)
            """).first(decoding: Row.self)
        return (row?.kind, (row?.blocked ?? 0) > 0)
    }

    /// For a send to a user, in one query: their direct conversation if there
    /// is one, whether either blocked the other, and whether the user exists.
    static func directForSend(key: String, sender: UUID, other: UUID, on sql: any SQLDatabase) async throws -> (conversation: UUID?, blocked: Bool, otherExists: Bool) {
        struct Row: Decodable { var conversation: UUID?; var blocked: Int; var otherExists: Int }
        let row = try await sql.raw("""
            SELECT (SELECT id FROM conversations WHERE direct_key = \(bind: key)) AS conversation,
                   (SELECT COUNT(*) FROM blocks WHERE (blocker_id = \(bind: sender) AND blocked_id = \(bind: other))
                                                   OR (blocker_id = \(bind: other) AND blocked_id = \(bind: sender))) AS blocked,
                   (SELECT COUNT(*) FROM users WHERE id = \(bind: other)) AS other_exists
            """).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        return (row?.conversation, (row?.blocked ?? 0) > 0, (row?.otherExists ?? 0) > 0)
    }

    /// Both members of a new direct conversation in one statement; the sender has read message 1.
    static func addDirectMembers(_ conversation: UUID, sender: UUID, other: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "conversation_members")
            .columns("conversation_id", "user_id", "role", "joined_seq", "read_seq", "delivered_seq", "muted", "joined_at")
            .values(SQLBind(conversation), SQLBind(sender), SQLBind("member"), SQLBind(0), SQLBind(1), SQLBind(1), SQLBind(false), SQLBind(now))
            .values(SQLBind(conversation), SQLBind(other), SQLBind("member"), SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(false), SQLBind(now))
            .run()
    }

    /// The sender's own marks after a send: read and delivered up to it.
    static func markOwn(_ conversation: UUID, user: UUID, seq: Int, on sql: any SQLDatabase) async throws {
        try await sql.update("conversation_members")
            .set("read_seq", to: SQLBind(seq)).set("delivered_seq", to: SQLBind(seq))
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user)
            .run()
    }

    static func members(_ conversation: UUID, on sql: any SQLDatabase) async throws -> [ConversationMember] {
        try await sql.select().column("*").from("conversation_members")
            .where("conversation_id", .equal, conversation).orderBy("joined_at")
            .all(decoding: ConversationMember.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func memberIDs(_ conversation: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("user_id").from("conversation_members")
            .where("conversation_id", .equal, conversation)
            .all(decodingColumn: "user_id", as: UUID.self)
    }

    static func addMember(_ conversation: UUID, user: UUID, role: ConversationMember.Role, joinedSeq: Int, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "conversation_members")
            .columns("conversation_id", "user_id", "role", "joined_seq", "read_seq", "delivered_seq", "muted", "joined_at")
            .values(SQLBind(conversation), SQLBind(user), SQLBind(role.rawValue), SQLBind(joinedSeq), SQLBind(joinedSeq), SQLBind(joinedSeq), SQLBind(false), SQLBind(now))
            .ignoringConflicts(with: ["conversation_id", "user_id"])
            .run()
    }

    static func removeMember(_ conversation: UUID, user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "conversation_members")
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user).run()
    }

    /// Takes the next sequence number of a conversation. The row lock it takes
    /// on PostgreSQL (the write lock on SQLite) orders concurrent senders.
    static func nextSeq(_ conversation: UUID, now: Date, on sql: any SQLDatabase) async throws -> Int {
        guard let seq = try await sql.raw("""
            UPDATE conversations SET last_seq = last_seq + 1, updated_at = \(bind: now) WHERE id = \(bind: conversation) RETURNING last_seq
            """).first(decodingColumn: "last_seq", as: Int.self)
        else { throw AppError.notFound("The conversation") }
        return seq
    }

    static func insert(_ message: Message, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "messages")
            .columns("id", "conversation_id", "seq", "sender_id", "client_message_id", "body", "attachment_id", "reply_to_seq", "reactions", "edited_at", "deleted_at", "created_at")
            .values(
                SQLBind(message.id), SQLBind(message.conversationId), SQLBind(message.seq), SQLBind(message.senderId),
                SQLBind(message.clientMessageId), SQLBind(message.body), SQLBind(message.attachmentId), SQLBind(message.replyToSeq),
                SQLBind(Message.reactionsJSON(message.reactions)), SQLBind(message.editedAt), SQLBind(message.deletedAt), SQLBind(message.createdAt)
            )
            .run()
    }

    static func message(sender: UUID, clientMessageId: String, on sql: any SQLDatabase) async throws -> Message? {
        try await sql.select().column("*").from("messages")
            .where("sender_id", .equal, sender).where("client_message_id", .equal, clientMessageId)
            .first(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func message(_ conversation: UUID, seq: Int, on sql: any SQLDatabase) async throws -> Message? {
        try await sql.select().column("*").from("messages")
            .where("conversation_id", .equal, conversation).where("seq", .equal, seq)
            .first(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Messages with `after < seq < before`, `limit` of them from the low end
    /// (`ascending`) or the high end, always returned in ascending order.
    static func messages(_ conversation: UUID, after: Int, before: Int?, limit: Int, ascending: Bool, on sql: any SQLDatabase) async throws -> [Message] {
        var query = sql.select().column("*").from("messages")
            .where("conversation_id", .equal, conversation).where("seq", .greaterThan, after)
        if let before { query = query.where("seq", .lessThan, before) }
        let rows = try await query.orderBy("seq", ascending ? .ascending : .descending).limit(limit)
            .all(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
        return ascending ? rows : rows.reversed()
    }

    static func update(_ message: Message, on sql: any SQLDatabase) async throws {
        try await sql.update("messages")
            .set("body", to: SQLBind(message.body))
            .set("reactions", to: SQLBind(Message.reactionsJSON(message.reactions)))
            .set("edited_at", to: SQLBind(message.editedAt))
            .set("deleted_at", to: SQLBind(message.deletedAt))
            .set("attachment_id", to: SQLBind(message.attachmentId))
            .where("id", .equal, message.id)
            .run()
    }

    static func lockConversation(_ conversation: UUID, dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        // SQLite's BEGIN IMMEDIATE already holds the only write lock.
        guard dialect == .postgres else { return }
        try await sql.raw("SELECT id FROM conversations WHERE id = \(bind: conversation) FOR UPDATE").run()
    }

    static func setMemberSeq(_ column: String, _ conversation: UUID, user: UUID, seq: Int, on sql: any SQLDatabase) async throws {
        // Only forward: a late or repeated receipt never moves a member back.
        try await sql.update("conversation_members")
            .set(SQLIdentifier(column), to: SQLBind(seq))
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user)
            .where(SQLIdentifier(column), .lessThan, SQLBind(seq))
            .run()
    }

    struct Summary: Decodable {
        var id: UUID
        var kind: Conversation.Kind
        var title: String?
        var subject: String?
        var createdBy: UUID?
        var lastSeq: Int
        var createdAt: Date
        var updatedAt: Date
        var readSeq: Int
        var muted: Bool

        var conversation: Conversation {
            Conversation(id: id, kind: kind, title: title, subject: subject, createdBy: createdBy, lastSeq: lastSeq, createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    /// A user's conversations, most recently active first, after the cursor `(updatedAt, id)`.
    static func conversations(of user: UUID, before: (Date, UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [Summary] {
        let query = sql.select()
            .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("conversations")))
            .column(SQLColumn("read_seq", table: "conversation_members"), as: "read_seq")
            .column(SQLColumn("muted", table: "conversation_members"), as: "muted")
            .from("conversations")
            .join("conversation_members", on: SQLColumn("conversation_id", table: "conversation_members"), .equal, SQLColumn("id", table: "conversations"))
            .where(SQLColumn("user_id", table: "conversation_members"), .equal, SQLBind(user))
        return try await query.page(byTime: "updated_at", of: "conversations", after: before, .descending, limit: limit)
            .all(decoding: Summary.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Every conversation of `user` with its last sequence (for `resume`).
    static func positions(of user: UUID, on sql: any SQLDatabase) async throws -> [(id: UUID, lastSeq: Int, kind: Conversation.Kind)] {
        struct Row: Decodable { var id: UUID; var lastSeq: Int; var kind: Conversation.Kind }
        return try await sql.select()
            .column(SQLColumn("id", table: "conversations"), as: "id")
            .column(SQLColumn("last_seq", table: "conversations"), as: "last_seq")
            .column(SQLColumn("kind", table: "conversations"), as: "kind")
            .from("conversations")
            .join("conversation_members", on: SQLColumn("conversation_id", table: "conversation_members"), .equal, SQLColumn("id", table: "conversations"))
            .where(SQLColumn("user_id", table: "conversation_members"), .equal, SQLBind(user))
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { ($0.id, $0.lastSeq, $0.kind) }
    }

    // MARK: Blocks and mutes

    static func isBlocked(between a: UUID, and b: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("blocker_id").from("blocks")
            .where { $0.where("blocker_id", .equal, a).where("blocked_id", .equal, b) }
            .orWhere { $0.where("blocker_id", .equal, b).where("blocked_id", .equal, a) }
            .first() != nil
    }

    /// Everyone `user` blocked or was blocked by.
    static func blockedEitherWay(_ user: UUID, on sql: any SQLDatabase) async throws -> Set<UUID> {
        let blocked = try await sql.select().column("blocked_id", as: "other").from("blocks").where("blocker_id", .equal, user)
            .all(decodingColumn: "other", as: UUID.self)
        let blockers = try await sql.select().column("blocker_id", as: "other").from("blocks").where("blocked_id", .equal, user)
            .all(decodingColumn: "other", as: UUID.self)
        return Set(blocked).union(blockers)
    }

    static func block(_ blocker: UUID, _ blocked: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "blocks").columns("blocker_id", "blocked_id", "created_at")
            .values(SQLBind(blocker), SQLBind(blocked), SQLBind(now))
            .ignoringConflicts(with: ["blocker_id", "blocked_id"]).run()
    }

    static func unblock(_ blocker: UUID, _ blocked: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "blocks").where("blocker_id", .equal, blocker).where("blocked_id", .equal, blocked).run()
    }

    static func blocks(of user: UUID, on sql: any SQLDatabase) async throws -> [(user: User, at: Date)] {
        struct Row: Decodable {
            var blockedAt: Date
            var user: User
            enum CodingKeys: String, CodingKey { case blockedAt = "blocked_at" }
            init(from decoder: any Decoder) throws {
                blockedAt = try decoder.container(keyedBy: CodingKeys.self).decode(Date.self, forKey: .blockedAt)
                user = try User(from: decoder)
            }
        }
        return try await sql.select()
            .column(SQLColumn("created_at", table: "blocks"), as: "blocked_at")
            .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users")))
            .from("blocks")
            .join("users", on: SQLColumn("id", table: "users"), .equal, SQLColumn("blocked_id", table: "blocks"))
            .where(SQLColumn("blocker_id", table: "blocks"), .equal, SQLBind(user))
            .orderBy(SQLColumn("created_at", table: "blocks"), SQLDirection.descending)
            .limit(1000)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { ($0.user, $0.blockedAt) }
    }

    static func isMuted(_ user: UUID, muted other: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("user_id").from("user_mutes")
            .where("user_id", .equal, user).where("muted_id", .equal, other).first() != nil
    }

    static func mute(_ user: UUID, _ other: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "user_mutes").columns("user_id", "muted_id", "created_at")
            .values(SQLBind(user), SQLBind(other), SQLBind(now))
            .ignoringConflicts(with: ["user_id", "muted_id"]).run()
    }

    static func unmute(_ user: UUID, _ other: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_mutes").where("user_id", .equal, user).where("muted_id", .equal, other).run()
    }

    static func setConversationMuted(_ conversation: UUID, user: UUID, muted: Bool, on sql: any SQLDatabase) async throws {
        try await sql.update("conversation_members").set("muted", to: SQLBind(muted))
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user).run()
    }

    // MARK: Attachments

    static func insert(_ attachment: Attachment, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "attachments")
            .columns("id", "owner_id", "kind", "content_type", "blob_hash", "byte_count", "duration_seconds", "created_at")
            .values(
                SQLBind(attachment.id), SQLBind(attachment.ownerId), SQLBind(attachment.kind.rawValue), SQLBind(attachment.contentType),
                SQLBind(attachment.blobHash), SQLBind(attachment.byteCount), SQLBind(attachment.durationSeconds), SQLBind(attachment.createdAt)
            )
            .run()
    }

    static func attachment(_ id: UUID, on sql: any SQLDatabase) async throws -> Attachment? {
        try await sql.select().column("*").from("attachments").where("id", .equal, id)
            .first(decoding: Attachment.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Whether `user` is in a conversation where the attachment was sent.
    static func canSee(attachment: UUID, user: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column(SQLColumn("id", table: "messages"), as: "id").from("messages")
            .join("conversation_members", on: SQLColumn("conversation_id", table: "conversation_members"), .equal, SQLColumn("conversation_id", table: "messages"))
            .where(SQLColumn("attachment_id", table: "messages"), .equal, SQLBind(attachment))
            .where(SQLColumn("user_id", table: "conversation_members"), .equal, SQLBind(user))
            .first() != nil
    }
}
