import BasedRealtime
import Foundation

/// What other processes announce on the bus, delivered to this process's
/// sockets; receivers read the details from the database.
extension Realtime {
    func receive(_ event: BusEvent) async {
        hooks.run(event)
        switch event.k {
        case .track, .session, .changed:
            break // for the hooks only
        case .message:
            guard let conversation = event.c, let seq = event.s,
                  let message = try? await messaging.message(conversation: conversation, seq: seq) else { return }
            await fanOut.deliver(message)
        case .updated:
            guard let conversation = event.c, let seq = event.s,
                  let message = try? await messaging.message(conversation: conversation, seq: seq) else { return }
            await deliverUpdate(message)
        case .receipt:
            guard let conversation = event.c, let seq = event.s, let user = event.u else { return }
            await deliverReceipt(conversation: conversation, user: user, seq: seq)
        case .typing:
            guard let conversation = event.c, let user = event.u else { return }
            await deliverTyping(conversation: conversation, user: user)
        case .presence:
            guard let user = event.u else { return }
            await deliverPresence(of: user)
        case .direct:
            guard let user = event.u, let frame = event.x else { return }
            deliverDirect(WireFrame(text: frame), to: user)
        case .nowPlaying:
            guard let user = event.u else { return }
            await deliverNowPlaying(user: user, track: event.x.flatMap(UUID.init(uuidString:)))
        case .notification:
            guard let id = event.x.flatMap(UUID.init(uuidString:)), let notification = try? await notifications.notification(id) else { return }
            deliverNotification(notification)
        case .conversation:
            guard let conversation = event.c else { return }
            if let user = event.u, event.x == "room_joined" || event.x == "room_left" {
                hub.updateMembers(conversation, user: user, joined: event.x == "room_joined")
                return
            }
            let parts = (event.x ?? "").split(separator: ",").map(String.init)
            await deliverConversationEvent(
                conversation, event: parts.first ?? "changed", user: event.u, alsoTell: parts.dropFirst().compactMap(UUID.init(uuidString:))
            )
        }
    }
}
