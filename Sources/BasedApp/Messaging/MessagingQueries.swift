import Foundation
import SQLKit

/// The SQL of conversations, members, messages and attachments.
enum MessagingQueries {
    static func conversation(_ id: UUID, on sql: any SQLDatabase) async throws -> Conversation? {
        try await sql.select().column("*").from("conversations").where("id", .equal, id)
            .first(decoding: Conversation.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func direct(key: String, on sql: any SQLDatabase) async throws -> Conversation? {
        try await sql.select().column("*").from("conversations").where("direct_key", .equal, key)
            .first(decoding: Conversation.self, keyDecodingStrategy: .snakeCaseColumns)
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
            .first(decoding: ConversationMember.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// For a send to a conversation, in one query: its kind if `user` is a
    /// member, and in a direct conversation the other member (whose blocks matter).
    static func memberForSend(_ conversation: UUID, user: UUID, on sql: any SQLDatabase) async throws -> (kind: Conversation.Kind?, other: UUID?) {
        struct Row: Decodable { var kind: Conversation.Kind; var other: UUID? }
        let row = try await sql.raw("""
            SELECT c.kind AS kind, (
                SELECT o.user_id FROM conversation_members o
                WHERE c.kind = 'direct' AND o.conversation_id = c.id AND o.user_id <> \(bind: user)
                LIMIT 1
            ) AS other
            FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.conversation_id = \(bind: conversation) AND m.user_id = \(bind: user)
            """).first(decoding: Row.self)
        return (row?.kind, row?.other)
    }

    /// The id of the direct conversation with this key, if there is one.
    static func directID(key: String, on sql: any SQLDatabase) async throws -> UUID? {
        try await sql.select().column("id").from("conversations").where("direct_key", .equal, key)
            .first(decodingColumn: "id", as: UUID.self)
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
            .all(decoding: ConversationMember.self, keyDecodingStrategy: .snakeCaseColumns)
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
            .first(decoding: Message.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func message(_ conversation: UUID, seq: Int, on sql: any SQLDatabase) async throws -> Message? {
        try await sql.select().column("*").from("messages")
            .where("conversation_id", .equal, conversation).where("seq", .equal, seq)
            .first(decoding: Message.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Messages with `after < seq < before`, `limit` of them from the low end
    /// (`ascending`) or the high end, always returned in ascending order.
    static func messages(_ conversation: UUID, after: Int, before: Int?, limit: Int, ascending: Bool, on sql: any SQLDatabase) async throws -> [Message] {
        var query = sql.select().column("*").from("messages")
            .where("conversation_id", .equal, conversation).where("seq", .greaterThan, after)
        if let before { query = query.where("seq", .lessThan, before) }
        let rows = try await query.orderBy("seq", ascending ? .ascending : .descending).limit(limit)
            .all(decoding: Message.self, keyDecodingStrategy: .snakeCaseColumns)
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

    /// Every message of `sender` becomes a tombstone from `ghost`; its client
    /// id becomes its own id, which is unique, as the ghost's messages need.
    static func tombstoneAll(sender: UUID, ghost: UUID, now: Date, on sql: any SQLDatabase) async throws {
        for message in try await sql.select().column("*").from("messages").where("sender_id", .equal, sender)
            .all(decoding: Message.self, keyDecodingStrategy: .snakeCaseColumns) {
            try await sql.update("messages")
                .set("sender_id", to: SQLBind(ghost))
                .set("client_message_id", to: SQLBind(message.id.text))
                .set("body", to: SQLLiteral.null)
                .set("attachment_id", to: SQLLiteral.null)
                .set("reactions", to: SQLBind(Message.reactionsJSON([:])))
                .set("deleted_at", to: SQLBind(message.deletedAt ?? now))
                .where("id", .equal, message.id)
                .run()
        }
    }

    /// Messages with a reaction by `user` (their id is in the reactions' JSON).
    static func messages(reactedBy user: UUID, on sql: any SQLDatabase) async throws -> [Message] {
        try await sql.select().column("*").from("messages")
            .where(SQLFunction("lower", args: SQLIdentifier("reactions")), .like, SQLBind("%\(user.text)%"))
            .all(decoding: Message.self, keyDecodingStrategy: .snakeCaseColumns)
            .filter { $0.reactions.values.contains { $0.contains(user) } }
    }

    /// Direct conversations keep their members' ids in a key that finds
    /// them; an erased member's conversations lose it (no new message can start them).
    static func forgetDirectKeys(naming user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("conversations").set("direct_key", to: SQLLiteral.null)
            .where(SQLFunction("lower", args: SQLIdentifier("direct_key")), .like, SQLBind("%\(user.text)%"))
            .run()
    }

    static func deleteAttachment(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "attachments").where("id", .equal, id).run()
    }

    static func attachmentsUsing(blobHash: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("attachments")
            .where("blob_hash", .equal, blobHash)
            .first(decodingColumn: "n", as: Int.self) ?? 0
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
            .all(decoding: Summary.self, keyDecodingStrategy: .snakeCaseColumns)
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
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map { ($0.id, $0.lastSeq, $0.kind) }
    }

    /// Everyone who shares a direct or group conversation with `user` (rooms do not count).
    static func partnerIDs(of user: UUID, on sql: any SQLDatabase) async throws -> Set<UUID> {
        Set(try await sql.raw("""
            SELECT DISTINCT m2.user_id AS other FROM conversation_members m1
            JOIN conversations c ON c.id = m1.conversation_id AND c.kind IN ('direct', 'group')
            JOIN conversation_members m2 ON m2.conversation_id = m1.conversation_id AND m2.user_id <> m1.user_id
            WHERE m1.user_id = \(bind: user)
            """).all(decodingColumn: "other", as: UUID.self))
    }

    static func setTitle(_ conversation: UUID, title: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("conversations").set("title", to: SQLBind(title)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, conversation).run()
    }

    static func setRole(_ conversation: UUID, user: UUID, role: ConversationMember.Role, on sql: any SQLDatabase) async throws {
        try await sql.update("conversation_members").set("role", to: SQLBind(role.rawValue))
            .where("conversation_id", .equal, conversation).where("user_id", .equal, user).run()
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

    static func attachments(owner: UUID, on sql: any SQLDatabase) async throws -> [Attachment] {
        try await sql.select().column("*").from("attachments").where("owner_id", .equal, owner).orderBy("id")
            .all(decoding: Attachment.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func attachment(_ id: UUID, on sql: any SQLDatabase) async throws -> Attachment? {
        try await sql.select().column("*").from("attachments").where("id", .equal, id)
            .first(decoding: Attachment.self, keyDecodingStrategy: .snakeCaseColumns)
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
