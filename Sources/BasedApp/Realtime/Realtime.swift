import Foundation
import Logging
import NIOCore
import SQLKit
import Synchronization

/// Live delivery: everything that changes a conversation, presence or an
/// inbox goes through here, from REST handlers and sockets alike. It stores
/// through the services, delivers to this process's sockets, and announces the
/// change on the bus for the other processes.
public final class Realtime: Sendable {
    public struct Limits: Sendable {
        public var outboundQueue = 1024
        public var framesPerSecond = 30
        public var burst = 60
        public var maxFrameBytes = 64 * 1024
        public var typingInterval: Duration = .seconds(2)
        public var heartbeat: Duration = .seconds(15)

        public init() {}
    }

    let database: Database
    let messaging: MessagingService
    let notifications: NotificationService
    let jobs: JobQueue
    let hub = RealtimeHub()
    let bus: any EventBus
    /// Other listeners of the bus (caches).
    let hooks = BusHooks()
    let processID: UUID
    let limits: Limits
    let pushEnabled: Bool
    let metrics: AppMetrics?
    let logger: Logger

    private struct Order {
        /// The next sequence this process will deliver, once it has seen one.
        var next: Int
        var pending: [Int: Message] = [:]
        var fillScheduled = false
    }

    private let order = Mutex<[UUID: Order]>([:])

    /// Work that outlives the call that started it (offline notices, gap
    /// fills, open sockets), counted so shutdown can wait for it before the
    /// database closes under it.
    private struct Background {
        var running = 0
        var accepting = true
    }

    private let background = Mutex(Background())
    private let typing = Mutex<[String: ContinuousClock.Instant]>([:])

    init(database: Database, messaging: MessagingService, notifications: NotificationService, jobs: JobQueue, limits: Limits, pushEnabled: Bool, metrics: AppMetrics? = nil, logger: Logger) {
        let processID = UUID.v7()
        self.database = database
        self.messaging = messaging
        self.notifications = notifications
        self.jobs = jobs
        self.processID = processID
        self.limits = limits
        self.pushEnabled = pushEnabled
        self.metrics = metrics
        self.logger = logger
        if database.dialect == .postgres, let configuration = database.postgres {
            bus = PostgresEventBus(database: database, configuration: configuration, processID: processID, logger: logger)
        } else {
            bus = LocalEventBus()
        }
    }

    /// Sockets open on this process.
    public var socketCount: Int { hub.connectionCount }

    /// Sockets of one user open on this process.
    public func socketCount(of user: UUID) -> Int { hub.sockets(of: user).count }

    /// Runs `work` in the background unless shutdown has begun.
    func inBackground(_ work: @escaping @Sendable () async -> Void) {
        let start = background.withLock { state -> Bool in
            guard state.accepting else { return false }
            state.running += 1
            return true
        }
        guard start else { return }
        Task {
            await work()
            self.background.withLock { $0.running -= 1 }
        }
    }

    /// Counts `body` as running work for as long as it runs (a socket's life).
    func counted<T: Sendable>(_ body: () async -> T) async -> T {
        background.withLock { $0.running += 1 }
        let result = await body()
        background.withLock { $0.running -= 1 }
        return result
    }

    /// Stops taking background work and waits (up to `timeout`) for what runs.
    func drain(timeout: Duration) async {
        background.withLock { $0.accepting = false }
        let deadline = ContinuousClock.now + timeout
        while background.withLock({ $0.running }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: Messages

    public func send(
        from sender: UUID, to target: MessagingService.Target, clientMessageId: String, text: String?, attachmentId: UUID?, replyToSeq: Int?
    ) async throws -> MessagingService.Sent {
        let sent = try await messaging.send(
            from: sender, to: target, clientMessageId: clientMessageId, text: text, attachmentId: attachmentId, replyToSeq: replyToSeq
        )
        guard !sent.duplicate else { return sent }
        let message = sent.message
        if sent.created != nil, case .user(let other) = target {
            // A new direct conversation: its members are known, no need to read them back.
            hub.cacheMembers(message.conversationId, [sender, other])
        }
        await deliver(message)
        await bus.publish(BusEvent(k: .message, c: message.conversationId, s: message.seq))
        inBackground { await self.notifyOffline(of: message) }
        return sent
    }

    public func edit(by user: UUID, conversation: UUID, seq: Int, text: String) async throws -> Message {
        try await announceUpdate(try await messaging.edit(by: user, conversation: conversation, seq: seq, text: text))
    }

    public func delete(by user: UUID, conversation: UUID, seq: Int) async throws -> Message {
        try await announceUpdate(try await messaging.delete(by: user, conversation: conversation, seq: seq))
    }

    public func react(by user: UUID, conversation: UUID, seq: Int, emoji: String, remove: Bool) async throws -> Message {
        try await announceUpdate(try await messaging.react(by: user, conversation: conversation, seq: seq, emoji: emoji, remove: remove))
    }

    private func announceUpdate(_ message: Message) async throws -> Message {
        await deliverUpdate(message)
        await bus.publish(BusEvent(k: .updated, c: message.conversationId, s: message.seq))
        return message
    }

    public func markRead(by user: UUID, conversation: UUID, seq: Int) async throws {
        let seq = try await messaging.mark(.read, by: user, conversation: conversation, seq: seq)
        await deliverReceipt(conversation: conversation, user: user, seq: seq)
        await bus.publish(BusEvent(k: .receipt, c: conversation, s: seq, u: user))
    }

    /// Forwards a typing indicator unless this user did so in this conversation
    /// less than `typingInterval` ago; returns whether it was forwarded.
    public func typing(by user: UUID, conversation: UUID) async throws -> Bool {
        guard try await members(of: conversation).contains(user) else {
            throw AppError.forbidden("You are not in this conversation.", code: "not_a_member")
        }
        let key = "\(user.text)|\(conversation.text)"
        let now = ContinuousClock.now
        let interval = limits.typingInterval
        let forward = typing.withLock { last -> Bool in
            if let previous = last[key], now - previous < interval { return false }
            if last.count > 50_000 { last = last.filter { now - $0.value < interval } }
            last[key] = now
            return true
        }
        guard forward else { return false }
        await deliverTyping(conversation: conversation, user: user)
        await bus.publish(BusEvent(k: .typing, c: conversation, u: user))
        return true
    }

    // MARK: Conversations and rooms

    /// Tells members (old and new) that a conversation changed, and drops cached membership.
    public func conversationChanged(_ conversation: UUID, event: String, user: UUID?, alsoTell extra: [UUID] = []) async {
        await deliverConversationEvent(conversation, event: event, user: user, alsoTell: extra)
        await bus.publish(BusEvent(k: .conversation, c: conversation, u: user, x: ([event] + extra.map(\.text)).joined(separator: ",")))
    }

    /// Someone joined or left a room. Rooms are large, so members are not
    /// told one by one; each process updates its cached member set.
    public func roomMembership(_ room: UUID, user: UUID, joined: Bool) async {
        hub.updateMembers(room, user: user, joined: joined)
        await bus.publish(BusEvent(k: .conversation, c: room, u: user, x: joined ? "room_joined" : "room_left"))
    }

    // MARK: Presence and now playing

    public func presenceChanged(of user: UUID) async {
        await deliverPresence(of: user)
        await bus.publish(BusEvent(k: .presence, u: user))
    }

    public func nowPlaying(by user: UUID, track trackID: UUID?) async throws {
        if let trackID {
            guard let track = try await CatalogQueries.track(id: trackID, on: database.sql), track.visibility == .public else {
                throw AppError.notFound("The track \(trackID.text)")
            }
        }
        guard try await notifications.settings(of: user).shareNowPlaying else { return }
        await deliverNowPlaying(user: user, track: trackID)
        await bus.publish(BusEvent(k: .nowPlaying, u: user, x: trackID?.text))
    }

    // MARK: Notifications

    /// Stores a notification under the user's rules, shows it on their open
    /// sockets, and pushes it when none is open anywhere.
    @discardableResult
    public func notify(_ user: UUID, kind: AppNotification.Kind, actor: UUID?, subject: String?, data: [String: String]) async -> AppNotification? {
        do {
            var data = data
            if let actor, data["actorName"] == nil, let name = try await AccountQueries.user(id: actor, on: database.sql)?.displayName {
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
    private func notifyOffline(of message: Message) async {
        do {
            // The common case costs no query: everyone else has a socket here.
            if try await members(of: message.conversationId).allSatisfy({ $0 == message.senderId || hub.hasSockets($0) }) { return }
            guard let conversation = try await MessagingQueries.conversation(message.conversationId, on: database.sql), conversation.kind != .room else { return }
            let members = try await MessagingQueries.members(message.conversationId, on: database.sql)
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

    // MARK: Delivery to this process's sockets

    func members(of conversation: UUID) async throws -> Set<UUID> {
        if let cached = hub.cachedMembers(conversation) { return cached }
        let members = Set(try await messaging.memberIDs(of: conversation))
        hub.cacheMembers(conversation, members)
        return members
    }

    /// Delivers new messages of a conversation in sequence order: one that
    /// arrives ahead of a gap waits, and a gap still open after 100 ms is
    /// filled from the database.
    func deliver(_ message: Message) async {
        let ready = order.withLock { orders -> [Message] in
            var entry = orders[message.conversationId] ?? Order(next: message.seq)
            defer { orders[message.conversationId] = entry }
            guard message.seq >= entry.next else { return [] }
            entry.pending[message.seq] = message
            var out: [Message] = []
            while let next = entry.pending.removeValue(forKey: entry.next) {
                out.append(next)
                entry.next += 1
            }
            return out
        }
        for message in ready { await fanOut(message) }
        let fill = order.withLock { orders -> Bool in
            guard var entry = orders[message.conversationId], !entry.pending.isEmpty, !entry.fillScheduled else { return false }
            entry.fillScheduled = true
            orders[message.conversationId] = entry
            return true
        }
        if fill {
            inBackground {
                try? await Task.sleep(for: .milliseconds(100))
                await self.fillGap(message.conversationId)
            }
        }
    }

    private func fillGap(_ conversation: UUID) async {
        let range = order.withLock { orders -> (Int, Int)? in
            guard var entry = orders[conversation] else { return nil }
            entry.fillScheduled = false
            orders[conversation] = entry
            guard let high = entry.pending.keys.max() else { return nil }
            return (entry.next, high)
        }
        guard let (low, high) = range else { return }
        let missing = (try? await MessagingQueries.messages(conversation, after: low - 1, before: high, limit: high - low, ascending: true, on: database.sql)) ?? []
        // Sequences are dense (taken in the transaction that stores the
        // message), so everything in the gap is in the database by now.
        for message in missing { await deliver(message) }
    }

    private func fanOut(_ message: Message) async {
        guard let members = try? await members(of: message.conversationId) else { return }
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

    private func deliverUpdate(_ message: Message) async {
        guard let members = try? await members(of: message.conversationId) else { return }
        let frames = Frames.message(message, type: "message_updated")
        let (others, sender) = (WireFrame(text: frames.others), WireFrame(text: frames.sender))
        for socket in hub.sockets(of: members) {
            socket.send(socket.userID == message.senderId ? sender : others)
        }
    }

    private func deliverReceipt(conversation: UUID, user: UUID, seq: Int) async {
        guard let members = try? await members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.Receipt(conversationId: conversation.text, userId: user.text, seq: seq)))
        for socket in hub.sockets(of: members) { socket.send(frame) }
    }

    private func deliverTyping(conversation: UUID, user: UUID) async {
        guard let members = try? await members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.Typing(conversationId: conversation.text, userId: user.text)))
        for socket in hub.sockets(of: members.subtracting([user])) { socket.send(frame) }
    }

    private func deliverConversationEvent(_ conversation: UUID, event: String, user: UUID?, alsoTell extra: [UUID]) async {
        hub.forgetMembers(conversation)
        guard let members = try? await members(of: conversation) else { return }
        let frame = WireFrame(text: Frames.encode(Frames.ConversationEvent(conversationId: conversation.text, event: event, userId: user?.text)))
        for socket in hub.sockets(of: members.union(extra)) { socket.send(frame) }
    }

    private func deliverPresence(of user: UUID) async {
        guard hub.connectionCount > 0 else { return }
        do {
            let audience = try await PresenceQueries.audience(of: user, followers: true, on: database.sql)
            let sockets = hub.sockets(of: audience)
            guard !sockets.isEmpty else { return }
            let state = try await PresenceQueries.states(of: [user], now: Date(), on: database.sql)[user] ?? .init(state: "offline")
            let frame = WireFrame(text: Frames.encode(Frames.Presence(userId: user.text, state: state.state, lastSeenAt: state.lastSeenAt)))
            for socket in sockets { socket.send(frame) }
        } catch {
            logger.debug("presence delivery failed", metadata: ["error": "\(error)"])
        }
    }

    private func deliverNowPlaying(user: UUID, track trackID: UUID?) async {
        guard hub.connectionCount > 0 else { return }
        do {
            let blocked = try await MessagingQueries.blockedEitherWay(user, on: database.sql)
            let sockets = hub.sockets(of: Set(try await PresenceQueries.followers(of: user, on: database.sql)).subtracting(blocked))
            guard !sockets.isEmpty else { return }
            var body: Frames.NowPlaying.Track?
            if let trackID, let track = try await CatalogQueries.track(id: trackID, on: database.sql) {
                let artist = try await AccountQueries.user(id: track.artistId, on: database.sql)
                body = .init(id: track.id.text, title: track.title, artist: artist?.displayName ?? "")
            }
            let frame = WireFrame(text: Frames.encode(Frames.NowPlaying(userId: user.text, track: body)))
            for socket in sockets { socket.send(frame) }
        } catch {
            logger.debug("now playing delivery failed", metadata: ["error": "\(error)"])
        }
    }

    private func deliverNotification(_ notification: AppNotification) {
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

    // MARK: Events from other processes

    func receive(_ event: BusEvent) async {
        hooks.run(event)
        switch event.k {
        case .message:
            guard let conversation = event.c, let seq = event.s,
                  let message = try? await MessagingQueries.message(conversation, seq: seq, on: database.sql) else { return }
            await deliver(message)
        case .updated:
            guard let conversation = event.c, let seq = event.s,
                  let message = try? await MessagingQueries.message(conversation, seq: seq, on: database.sql) else { return }
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
        case .track, .session:
            break  // for the hooks only
        }
    }

    // MARK: Sockets

    /// Records a new socket and tells those who may see it when the user came online.
    func connected(_ socket: SocketOutbox) async throws {
        let here = hub.add(socket)
        let now = Date()
        let before = try await PresenceQueries.states(of: [socket.userID], now: now, on: database.sql)[socket.userID]?.state
        try await PresenceQueries.addSocket(socket.id, process: processID, user: socket.userID, now: now, on: database.sql)
        if here == 1, before != "online" { await presenceChanged(of: socket.userID) }
        // And this device learns who of its people is around.
        let people = try await PresenceQueries.audience(of: socket.userID, followers: false, on: database.sql)
        let states = try await PresenceQueries.states(of: Array(people.prefix(1000)), now: now, on: database.sql)
        for (user, state) in states where state.state != "offline" {
            socket.send(Frames.encode(Frames.Presence(userId: user.text, state: state.state, lastSeenAt: nil)))
        }
    }

    func disconnected(_ socket: SocketOutbox) async {
        socket.close()
        _ = hub.remove(socket)
        do {
            try await PresenceQueries.removeSocket(socket.id, user: socket.userID, now: Date(), on: database.sql)
        } catch {
            logger.warning("could not record a closed socket", metadata: ["error": "\(error)"])
        }
        await presenceChanged(of: socket.userID)
    }

    func setAway(_ socket: SocketOutbox, away: Bool) async throws {
        try await PresenceQueries.setAway(socket.id, away: away, on: database.sql)
        await presenceChanged(of: socket.userID)
    }
}
