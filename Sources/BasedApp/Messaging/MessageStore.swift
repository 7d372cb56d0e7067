import Foundation
import SQLKit

/// Stores sends inside `SendBatcher`'s transaction: who may write where
/// (membership, blocks, an existing addressee), the sequence number, and a
/// direct conversation made by its first message.
struct MessageStore: Sendable {
    let blocks: BlockService
    let accounts: AccountService

    /// Stores one message inside the batch's transaction. A unique violation
    /// (the same client id, or a direct conversation another process created
    /// at the same moment) is for `SendBatcher` to resolve.
    func store(_ outgoing: MessagingService.Outgoing, on sql: any SQLDatabase) async throws -> MessagingService.Sent {
        let now = Date()
        let sender = outgoing.sender
        let conversationID: UUID
        switch outgoing.target {
        case .user(let other):
            guard other != sender else { throw AppError.validation("to", "is yourself") }
            let key = [sender.text, other.text].sorted().joined(separator: ":")
            guard try await accounts.user(id: other, on: sql) != nil else { throw AppError.notFound("The user \(other.text)") }
            guard try await !blocks.isBlocked(between: sender, and: other, on: sql) else {
                throw AppError.forbidden("One of you blocked the other.", code: "blocked")
            }
            guard let existing = try await MessagingQueries.directID(key: key, on: sql) else {
                return try await Self.startDirect(key: key, outgoing, other: other, now: now, on: sql)
            }
            conversationID = existing
        case .conversation(let id):
            let found = try await MessagingQueries.memberForSend(id, user: sender, on: sql)
            guard let kind = found.kind else { throw AppError.forbidden("You are not in this conversation.", code: "not_a_member") }
            if kind == .direct, let other = found.other, try await blocks.isBlocked(between: sender, and: other, on: sql) {
                throw AppError.forbidden("One of you blocked the other.", code: "blocked")
            }
            conversationID = id
        }
        try await Self.checkAttachment(outgoing, on: sql)
        // Taking the sequence locks the conversation's row until the commit.
        let seq = try await MessagingQueries.nextSeq(conversationID, now: now, on: sql)
        if let replyToSeq = outgoing.replyToSeq, !(1..<seq).contains(replyToSeq) {
            throw AppError.validation("replyToSeq", "is not a message of this conversation")
        }
        let message = Self.makeMessage(outgoing, conversation: conversationID, seq: seq, now: now)
        try await MessagingQueries.insert(message, on: sql)
        // The sender has read, and has, what they wrote.
        try await MessagingQueries.markOwn(conversationID, user: sender, seq: seq, on: sql)
        return MessagingService.Sent(message: message, duplicate: false, created: nil)
    }

    /// The first message between two people makes their conversation, already at sequence 1.
    private static func startDirect(key: String, _ outgoing: MessagingService.Outgoing, other: UUID, now: Date, on sql: any SQLDatabase) async throws -> MessagingService.Sent {
        guard outgoing.replyToSeq == nil else { throw AppError.validation("replyToSeq", "is not a message of this conversation") }
        try await Self.checkAttachment(outgoing, on: sql)
        let conversation = Conversation(
            id: .v7(now: now), kind: .direct, title: nil, subject: nil, createdBy: outgoing.sender, lastSeq: 1, createdAt: now, updatedAt: now
        )
        try await MessagingQueries.insert(conversation, directKey: key, on: sql)
        try await MessagingQueries.addDirectMembers(conversation.id, sender: outgoing.sender, other: other, now: now, on: sql)
        let message = Self.makeMessage(outgoing, conversation: conversation.id, seq: 1, now: now)
        try await MessagingQueries.insert(message, on: sql)
        return MessagingService.Sent(message: message, duplicate: false, created: conversation)
    }

    private static func checkAttachment(_ outgoing: MessagingService.Outgoing, on sql: any SQLDatabase) async throws {
        guard let attachmentId = outgoing.attachmentId else { return }
        guard let attachment = try await MessagingQueries.attachment(attachmentId, on: sql), attachment.ownerId == outgoing.sender else {
            throw AppError.validation("attachmentId", "is not an attachment you uploaded")
        }
    }

    private static func makeMessage(_ outgoing: MessagingService.Outgoing, conversation: UUID, seq: Int, now: Date) -> Message {
        Message(
            id: .v7(now: now), conversationId: conversation, seq: seq, senderId: outgoing.sender, clientMessageId: outgoing.clientMessageId,
            body: outgoing.body, attachmentId: outgoing.attachmentId, replyToSeq: outgoing.replyToSeq, reactions: [:],
            editedAt: nil, deletedAt: nil, createdAt: now
        )
    }
}
