import BasedAPI
import Foundation
import OpenAPIRuntime

/// Conversation, message and room handlers. Everything that changes
/// something goes through `Realtime`, so sockets hear of it too.
extension APIHandler {
    var realtime: Realtime { services.realtime }
    var messaging: MessagingService { services.messaging }
    var conversations: ConversationService { services.conversations }

    func listConversations(_ input: Operations.ListConversations.Input) async throws -> Operations.ListConversations.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await conversations.conversations(of: identity.userID, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(
            items: page.entries.map { entry in
                let conversation = entry.conversation
                return .init(
                    id: conversation.id.text, kind: Self.kind(conversation.kind), title: conversation.title, subject: conversation.subject,
                    lastSeq: conversation.lastSeq, readSeq: entry.readSeq, unreadCount: max(0, conversation.lastSeq - entry.readSeq),
                    muted: entry.muted, updatedAt: conversation.updatedAt
                )
            },
            nextCursor: page.nextCursor
        ))))
    }

    func createGroup(_ input: Operations.CreateGroup.Input) async throws -> Operations.CreateGroup.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let members = try body.memberIds.map { try Self.uuid($0, "memberIds") }
        let view = try await conversations.createGroup(by: identity.userID, title: body.title, members: members)
        await realtime.conversationChanged(view.conversation.id, event: "created", user: identity.userID)
        return .created(.init(body: .json(try await detail(view))))
    }

    func getConversation(_ input: Operations.GetConversation.Input) async throws -> Operations.GetConversation.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await conversations.conversation(try Self.uuid(input.path.conversationId, "conversationId"), for: identity.userID)
        return .ok(.init(body: .json(try await detail(view))))
    }

    func updateConversation(_ input: Operations.UpdateConversation.Input) async throws -> Operations.UpdateConversation.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try Self.uuid(input.path.conversationId, "conversationId")
        if let title = body.title {
            _ = try await conversations.rename(id, by: identity.userID, title: title)
            await realtime.conversationChanged(id, event: "renamed", user: identity.userID)
        }
        if let muted = body.muted {
            try await conversations.setMuted(id, by: identity.userID, muted: muted)
        }
        return .ok(.init(body: .json(try await detail(try await conversations.conversation(id, for: identity.userID)))))
    }

    func addMembers(_ input: Operations.AddMembers.Input) async throws -> Operations.AddMembers.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try Self.uuid(input.path.conversationId, "conversationId")
        let added = try await conversations.addMembers(id, by: identity.userID, members: try body.userIds.map { try Self.uuid($0, "userIds") })
        for user in added {
            await realtime.conversationChanged(id, event: "member_added", user: user)
        }
        return .ok(.init(body: .json(try await detail(try await conversations.conversation(id, for: identity.userID)))))
    }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output {
        let identity = try RequestScope.requireIdentity()
        let id = try Self.uuid(input.path.conversationId, "conversationId")
        let member = try Self.uuid(input.path.userId, "userId")
        try await conversations.removeMember(id, by: identity.userID, member: member)
        // The one who left (or was removed) hears of it too.
        await realtime.conversationChanged(id, event: member == identity.userID ? "left" : "member_removed", user: member, alsoTell: [member])
        return .noContent(.init())
    }

    func setMemberRole(_ input: Operations.SetMemberRole.Input) async throws -> Operations.SetMemberRole.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try Self.uuid(input.path.conversationId, "conversationId")
        let role: ConversationMember.Role = body.role == .admin ? .admin : .member
        try await conversations.setRole(id, by: identity.userID, member: try Self.uuid(input.path.userId, "userId"), role: role)
        return .ok(.init(body: .json(try await detail(try await conversations.conversation(id, for: identity.userID)))))
    }

    func listMessages(_ input: Operations.ListMessages.Input) async throws -> Operations.ListMessages.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await messaging.history(
            of: identity.userID, conversation: try Self.uuid(input.path.conversationId, "conversationId"),
            after: input.query.after, before: input.query.before, limit: input.query.limit
        )
        return .ok(.init(body: .json(.init(items: page.messages.map { Self.chatMessage($0, viewer: identity.userID) }, lastSeq: page.lastSeq))))
    }

    func editMessage(_ input: Operations.EditMessage.Input) async throws -> Operations.EditMessage.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let message = try await realtime.edit(
            by: identity.userID, conversation: try Self.uuid(input.path.conversationId, "conversationId"), seq: input.path.seq, text: body.text
        )
        return .ok(.init(body: .json(Self.chatMessage(message, viewer: identity.userID))))
    }

    func deleteMessage(_ input: Operations.DeleteMessage.Input) async throws -> Operations.DeleteMessage.Output {
        let identity = try RequestScope.requireIdentity()
        let message = try await realtime.delete(by: identity.userID, conversation: try Self.uuid(input.path.conversationId, "conversationId"), seq: input.path.seq)
        return .ok(.init(body: .json(Self.chatMessage(message, viewer: identity.userID))))
    }

    func addReaction(_ input: Operations.AddReaction.Input) async throws -> Operations.AddReaction.Output {
        .ok(.init(body: .json(try await react(input.path.conversationId, input.path.seq, input.path.emoji, remove: false))))
    }

    func removeReaction(_ input: Operations.RemoveReaction.Input) async throws -> Operations.RemoveReaction.Output {
        .ok(.init(body: .json(try await react(input.path.conversationId, input.path.seq, input.path.emoji, remove: true))))
    }

    private func react(_ conversation: String, _ seq: Int, _ emoji: String, remove: Bool) async throws -> Components.Schemas.ChatMessage {
        let identity = try RequestScope.requireIdentity()
        let message = try await realtime.react(
            by: identity.userID, conversation: try Self.uuid(conversation, "conversationId"), seq: seq, emoji: emoji, remove: remove
        )
        return Self.chatMessage(message, viewer: identity.userID)
    }

    func markConversationRead(_ input: Operations.MarkConversationRead.Input) async throws -> Operations.MarkConversationRead.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        try await realtime.markRead(by: identity.userID, conversation: try Self.uuid(input.path.conversationId, "conversationId"), seq: body.seq)
        return .noContent(.init())
    }

    func sendMessage(_ input: Operations.SendMessage.Input) async throws -> Operations.SendMessage.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let target: MessagingService.Target
        switch (body.conversationId, body.to) {
        case (let conversation?, nil): target = .conversation(try Self.uuid(conversation, "conversationId"))
        case (nil, let user?): target = .user(try Self.uuid(user, "to"))
        default: throw AppError.validation("conversationId", "or to, exactly one of them, is required")
        }
        let sent = try await realtime.send(
            from: identity.userID, to: target, clientMessageId: body.clientMessageId, text: body.text,
            attachmentId: try body.attachmentId.map { try Self.uuid($0, "attachmentId") }, replyToSeq: body.replyToSeq
        )
        let result = Components.Schemas.SentMessage(
            conversationId: sent.message.conversationId.text, seq: sent.message.seq, duplicate: sent.duplicate,
            message: Self.chatMessage(sent.message, viewer: identity.userID)
        )
        return sent.duplicate ? .ok(.init(body: .json(result))) : .created(.init(body: .json(result)))
    }

    func createRoom(_ input: Operations.CreateRoom.Input) async throws -> Operations.CreateRoom.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let room = try await conversations.createRoom(by: identity.userID, title: body.title, subject: body.subject)
        return .created(.init(body: .json(Self.room(room))))
    }

    func joinRoom(_ input: Operations.JoinRoom.Input) async throws -> Operations.JoinRoom.Output {
        let identity = try RequestScope.requireIdentity()
        let room = try await conversations.join(room: try Self.uuid(input.path.roomId, "roomId"), user: identity.userID)
        await realtime.roomMembership(room.id, user: identity.userID, joined: true)
        return .ok(.init(body: .json(Self.room(room))))
    }

    func leaveRoom(_ input: Operations.LeaveRoom.Input) async throws -> Operations.LeaveRoom.Output {
        let identity = try RequestScope.requireIdentity()
        let id = try Self.uuid(input.path.roomId, "roomId")
        try await conversations.leave(room: id, user: identity.userID)
        await realtime.roomMembership(id, user: identity.userID, joined: false)
        return .noContent(.init())
    }

    func uploadAttachment(_ input: Operations.UploadAttachment.Input) async throws -> Operations.UploadAttachment.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .any(let body) = input.body else { throw AppError.unsupportedMediaType("Send the file's bytes.") }
        let data: Data
        do {
            data = try await Data(collecting: body, upTo: AttachmentService.maxBytes)
        } catch {
            throw AppError.payloadTooLarge(limit: AttachmentService.maxBytes)
        }
        let attachment = try await services.attachments.upload(by: identity.userID, data: data)
        return .created(.init(body: .json(.init(
            id: attachment.id.text, kind: attachment.kind == .image ? .image : .audio, contentType: attachment.contentType,
            byteCount: attachment.byteCount, durationSeconds: attachment.durationSeconds, url: "/api/v1/attachments/\(attachment.id.text)"
        ))))
    }

    // MARK: Conversions

    private func detail(_ view: ConversationService.ConversationView) async throws -> Components.Schemas.ConversationDetail {
        let members: [Components.Schemas.ConversationMember] = view.members.prefix(ConversationService.shownMembers).compactMap { member in
            view.users[member.userId].map {
                .init(user: Self.summary($0), role: member.role == .admin ? .admin : .member, readSeq: member.readSeq, joinedAt: member.joinedAt)
            }
        }
        let conversation = view.conversation
        return .init(
            id: conversation.id.text, kind: Self.kind(conversation.kind), title: conversation.title, subject: conversation.subject,
            lastSeq: conversation.lastSeq, createdAt: conversation.createdAt, members: members
        )
    }

    static func kind(_ kind: Conversation.Kind) -> Components.Schemas.ConversationKind {
        Components.Schemas.ConversationKind(rawValue: kind.rawValue)!
    }

    static func room(_ room: Conversation) -> Components.Schemas.Room {
        .init(id: room.id.text, title: room.title ?? "", subject: room.subject, lastSeq: room.lastSeq, createdAt: room.createdAt)
    }

    static func chatMessage(_ message: Message, viewer: UUID) -> Components.Schemas.ChatMessage {
        .init(
            id: message.id.text, conversationId: message.conversationId.text, seq: message.seq, senderId: message.senderId.text,
            text: message.body, attachmentId: message.attachmentId?.text, replyToSeq: message.replyToSeq,
            reactions: message.reactions.sorted { $0.key < $1.key }.map { .init(emoji: $0.key, count: $0.value.count, userIds: $0.value.map(\.text)) },
            editedAt: message.editedAt, deleted: message.deletedAt != nil, createdAt: message.createdAt,
            clientMessageId: message.senderId == viewer ? message.clientMessageId : nil
        )
    }
}
