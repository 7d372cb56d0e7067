import BasedRealtime
import Foundation
import Logging
import Synchronization

/// Delivers a conversation's new messages to this process's sockets, each
/// socket every sequence once and in order.
///
/// Two layers keep the order. This process puts messages back in sequence
/// order (`MessageOrdering`) and queues each one's writes on the sockets'
/// event loops while it holds the conversation's lock, so two sends that
/// finish together cannot overtake each other on the way to a socket. Each
/// socket then checks again (`MessageSequencer`): a gap it sees is held back
/// and filled from the database, never skipped.
final class MessageFanOut: Sendable {
    private let hub: RealtimeHub
    private let messaging: MessagingService
    private let background: BackgroundWork
    private let metrics: AppMetrics?
    private let logger: Logger
    /// Conversations spread over shards, so unrelated conversations rarely wait for each other.
    private let shards: [Shard]
    /// How long a gap may stay open before it is read from the database.
    static let gapWait: Duration = .milliseconds(100)

    init(hub: RealtimeHub, messaging: MessagingService, background: BackgroundWork, metrics: AppMetrics?, logger: Logger) {
        self.hub = hub
        self.messaging = messaging
        self.background = background
        self.metrics = metrics
        self.logger = logger
        shards = (0..<16).map { _ in Shard() }
    }

    private final class Shard: Sendable {
        let ordering = Mutex(MessageOrdering<Message>(limit: 10_000))
    }

    private func shard(_ conversation: UUID) -> Shard {
        shards[Int(conversation.uuid.15 % 16)]
    }

    /// Members of a conversation, cached (dropped on membership changes).
    func members(of conversation: UUID) async throws -> Set<UUID> {
        if let cached = hub.cachedMembers(conversation) { return cached }
        let members = Set(try await messaging.memberIDs(of: conversation))
        hub.cacheMembers(conversation, members)
        return members
    }

    /// How far back a conversation's order starts when this process first
    /// delivers it: messages stored this recently may still be on their way here (under load a fan-out has lagged its send by more than five seconds).
    static let inFlight: TimeInterval = 60

    /// Delivers a new message, and any that waited behind it, in sequence order.
    func deliver(_ message: Message) async {
        let conversation = message.conversationId
        let members: Set<UUID>
        do {
            members = try await retrying { try await self.members(of: conversation) }
        } catch {
            logger.error("could not read a conversation's members; its sockets will fill the gap", metadata: ["conversation": "\(conversation)", "error": "\(error)"])
            return
        }
        // The first message this process delivers for a conversation may have
        // overtaken older ones still on their way: start at the first stored recently.
        var first: Int?
        if message.seq > 1, !shard(conversation).ordering.withLock({ $0.isKnown(conversation) }) {
            first = try? await retrying {
                try await self.messaging.firstSequence(of: conversation, storedSince: message.createdAt.addingTimeInterval(-Self.inFlight))
            }
        }
        let gap = shard(conversation).ordering.withLock { ordering -> ClosedRange<Int>? in
            for ready in ordering.accept(message, seq: message.seq, in: conversation, startingAt: first) {
                // Queued on the sockets' loops under the lock: the next
                // message of this conversation is queued behind it.
                queue(ready, to: members)
            }
            return ordering.gapToFill(in: conversation)
        }
        if let gap { fillLater(conversation, gap, attempt: 1) }
    }

    private func queue(_ message: Message, to members: Set<UUID>) {
        let frames = Frames.message(message)
        // Encoded once; every socket writes the same bytes.
        let others = WireFrame(text: frames.others)
        let sender = WireFrame(text: frames.sender)
        let (conversation, seq, from) = (message.conversationId, message.seq, message.senderId)
        let sockets = hub.sockets(of: members)
        let started = ContinuousClock.now
        let (metrics, count) = (metrics, sockets.count)
        RealtimeHub.onTheirLoops(sockets, done: { metrics?.recordFanOut(sockets: count, duration: ContinuousClock.now - started) }) { socket in
            socket.sendMessage(conversation: conversation, seq: seq, frame: socket.userID == from ? sender : others)
        }
    }

    /// Reads a gap's messages from the database after `gapWait` (sequences
    /// are taken in the storing transaction, so by then they are stored).
    private func fillLater(_ conversation: UUID, _ gap: ClosedRange<Int>, attempt: Int) {
        background.submit {
            try? await Task.sleep(for: Self.gapWait)
            let found = (try? await self.messaging.messages(conversation, after: gap.lowerBound - 1, through: gap.upperBound)) ?? []
            for message in found { await self.deliver(message) }
            let next = self.shard(conversation).ordering.withLock { ordering -> ClosedRange<Int>? in
                ordering.fillEnded(in: conversation)
                return ordering.gapToFill(in: conversation)
            }
            guard let next else { return }
            if attempt < 50 {
                self.fillLater(conversation, next, attempt: next == gap ? attempt + 1 : 1)
            } else {
                // The database did not give the gap for five seconds: stop
                // waiting here. Each socket sees the gap and fills it itself,
                // or asks its client to resume.
                self.logger.error("a message gap stayed open", metadata: ["conversation": "\(conversation)", "gap": "\(gap)"])
            }
        }
    }

    /// A socket saw a gap: reads the missing messages and writes them in their
    /// place; if they cannot be read, the client is asked to resume.
    func fill(_ gap: MessageSequencer<WireFrame>.Gap, for socket: SocketOutbox, limit: Int) {
        let missing = gap.before - gap.after - 1
        guard missing <= limit else {
            socket.closeAfterPending(code: 4001, reason: "resume_required")
            return
        }
        background.submit {
            do {
                let found = try await self.messaging.messages(gap.conversation, after: gap.after, through: gap.before - 1)
                for message in found {
                    let frames = Frames.message(message)
                    socket.sendMessage(
                        conversation: message.conversationId, seq: message.seq,
                        frame: WireFrame(text: message.senderId == socket.userID ? frames.sender : frames.others)
                    )
                }
                guard found.count == missing else { throw GapError() }
                socket.fillEnded(conversation: gap.conversation)
            } catch {
                self.logger.warning("could not fill a socket's gap", metadata: ["conversation": "\(gap.conversation)", "error": "\(error)"])
                socket.closeAfterPending(code: 4001, reason: "resume_required")
            }
        }
    }

    private struct GapError: Error {}

    /// Tries `body` up to three times, 50 then 200 ms apart: a busy database
    /// must not cost a live message.
    private func retrying<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        for pause in [Duration.milliseconds(50), .milliseconds(200)] {
            if let value = try? await body() { return value }
            try await Task.sleep(for: pause)
        }
        return try await body()
    }
}
