import BasedRealtime
import Foundation
import Logging

/// Everything but new messages, to this process's sockets: edits, receipts,
/// typing, conversation changes, presence and now playing. None of these
/// carry a sequence; the latest one is what counts.
extension Realtime {
    func deliverUpdate(_ message: Message) async {
        guard let members = try? await fanOut.members(of: message.conversationId) else { return }
        let frames = Frames.message(message, type: "message_updated")
        let (others, sender) = (WireFrame(text: frames.others), WireFrame(text: frames.sender))
        for socket in hub.sockets(of: members) {
            socket.send(socket.userID == message.senderId ? sender : others)
        }
    }

    func deliverReceipt(conversation: UUID, user: UUID, seq: Int) async {
        guard let members = try? await fanOut.members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.Receipt(conversationId: conversation.text, userId: user.text, seq: seq)))
        for socket in hub.sockets(of: members) { socket.send(frame) }
    }

    func deliverTyping(conversation: UUID, user: UUID) async {
        guard let members = try? await fanOut.members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.Typing(conversationId: conversation.text, userId: user.text)))
        for socket in hub.sockets(of: members.subtracting([user])) { socket.send(frame) }
    }

    func deliverConversationEvent(_ conversation: UUID, event: String, user: UUID?, alsoTell extra: [UUID]) async {
        hub.forgetMembers(conversation)
        guard let members = try? await fanOut.members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.ConversationEvent(conversationId: conversation.text, event: event, userId: user?.text)))
        for socket in hub.sockets(of: members.union(extra)) { socket.send(frame) }
    }

    func deliverPresence(of user: UUID) async {
        guard hub.connectionCount > 0 else { return }
        do {
            let audience = try await audience(of: user, followers: true)
            let sockets = hub.sockets(of: audience)
            guard !sockets.isEmpty else { return }
            let state = try await PresenceQueries.states(of: [user], now: Date(), on: database.sql)[user] ?? .init(state: "offline")
            let frame = WireFrame(text: Frames.encode(Frames.Presence(userId: user.text, state: state.state, lastSeenAt: state.lastSeenAt)))
            for socket in sockets { socket.send(frame) }
        } catch {
            logger.debug("presence delivery failed", metadata: ["error": "\(error)"])
        }
    }

    func deliverNowPlaying(user: UUID, track trackID: UUID?) async {
        nowPlayingBoard.record(user: user, track: trackID)
        guard hub.connectionCount > 0 else { return }
        do {
            async let blocked = blocks.blockedEitherWay(user)
            let sockets = hub.sockets(of: Set(try await follows.followerIDs(of: user)).subtracting(try await blocked))
            guard !sockets.isEmpty else { return }
            var body: Frames.NowPlaying.Track?
            if let trackID, let track = try await tracks.track(id: trackID) {
                let artist = try await accounts.user(id: track.artistId)
                body = .init(id: track.id.text, title: track.title, artist: artist?.displayName ?? "")
            }
            let frame = WireFrame(text: Frames.encode(Frames.NowPlaying(userId: user.text, track: body)))
            for socket in sockets { socket.send(frame) }
        } catch {
            logger.debug("now playing delivery failed", metadata: ["error": "\(error)"])
        }
    }
}
