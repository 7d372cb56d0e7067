import BasedRealtime
import Foundation
import Logging

/// Notifications through the realtime layer: stored under the user's rules,
/// shown on their open sockets, pushed when they have none anywhere.
extension Realtime {
    /// Stores a notification under the user's rules, shows it on their open
    /// sockets, and pushes it when none is open anywhere.
    @discardableResult
    public func notify(_ user: UUID, kind: AppNotification.Kind, actor: UUID?, subject: String?, data: [String: String]) async -> AppNotification? {
        do {
            var data = data
            if let actor, data["actorName"] == nil, let name = try await accounts.user(id: actor)?.displayName {
                data["actorName"] = name
            }
            guard let notification = try await notifications.create(for: user, kind: kind, actor: actor, subject: subject, data: data) else { return nil }
            deliverNotification(notification)
            await bus.publish(BusEvent(k: .notification, u: user, x: notification.id.text))
            if pushEnabled {
                let online = try await PresenceQueries.states(of: [user], now: Date(), on: database.sql)[user]?.state ?? "offline"
                if online == "offline" {
                    try await jobs.enqueue(kind: PushSender.kind, payload: PushSender.Payload(notificationId: notification.id), maxAttempts: 5, on: database.sql)
                }
            }
            return notification
        } catch {
            logger.warning("could not notify", metadata: ["kind": "\(kind.rawValue)", "error": "\(error)"])
            return nil
        }
    }

    /// "New message while offline": one notification per message for members
    /// with no open socket, unless they muted the conversation. Rooms never notify.
    func notifyOffline(of message: Message) async {
        do {
            // The common case costs no query: everyone else has a socket here.
            if try await fanOut.members(of: message.conversationId).allSatisfy({ $0 == message.senderId || hub.hasSockets($0) }) { return }
            guard let conversation = try await messaging.conversation(id: message.conversationId), conversation.kind != .room else { return }
            let members = try await messaging.members(of: message.conversationId)
                .filter { $0.userId != message.senderId && !$0.muted }
            guard !members.isEmpty else { return }
            let states = try await PresenceQueries.states(of: members.map(\.userId), now: Date(), on: database.sql)
            let preview = message.body.map { String($0.prefix(120)) } ?? "Sent an attachment"
            for member in members where states[member.userId]?.state == "offline" {
                await notify(member.userId, kind: .message, actor: message.senderId, subject: message.conversationId.text, data: [
                    "conversationId": message.conversationId.text, "seq": String(message.seq), "preview": preview,
                ])
            }
        } catch {
            logger.warning("could not notify offline members", metadata: ["error": "\(error)"])
        }
    }

    func deliverNotification(_ notification: AppNotification) {
        let sockets = hub.sockets(of: notification.userId)
        guard !sockets.isEmpty else { return }
        let frame = WireFrame(text: Frames.encode(Frames.NotificationFrame(notification: Self.body(notification))))
        for socket in sockets { socket.send(frame) }
    }

    static func body(_ notification: AppNotification) -> Frames.NotificationBody {
        .init(
            id: notification.id.text, kind: notification.kind.rawValue, actorId: notification.actorId?.text, subjectId: notification.subjectId,
            data: notification.data, createdAt: notification.createdAt, read: notification.readAt != nil
        )
    }
}
