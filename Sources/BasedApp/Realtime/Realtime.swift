import BasedRealtime
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
    let accounts: AccountService
    let follows: FollowService
    let blocks: BlockService
    let tracks: TrackService
    let notifications: NotificationService
    let jobs: JobQueue
    let hub = RealtimeHub()
    /// Who plays what now, for Subsonic's getNowPlaying.
    let nowPlayingBoard = NowPlayingBoard()
    let bus: any EventBus
    let fanOut: MessageFanOut
    /// Offline notices and gap fills: run by the application's service group.
    public let background = BackgroundWork()
    /// Open sockets, so shutdown waits for their last writes.
    let socketLives = ActivityCount()
    /// Other listeners of the bus (caches).
    let hooks = BusHooks()
    let processID: UUID
    let limits: Limits
    let pushEnabled: Bool
    let metrics: AppMetrics?
    let logger: Logger

    private let typing = Mutex<[String: ContinuousClock.Instant]>([:])

    init(
        database: Database, messaging: MessagingService, accounts: AccountService, follows: FollowService, blocks: BlockService, tracks: TrackService,
        notifications: NotificationService, jobs: JobQueue, limits: Limits, pushEnabled: Bool, metrics: AppMetrics? = nil, logger: Logger
    ) {
        let processID = UUID.v7()
        self.database = database
        self.messaging = messaging
        self.accounts = accounts
        self.follows = follows
        self.blocks = blocks
        self.tracks = tracks
        self.notifications = notifications
        self.jobs = jobs
        self.processID = processID
        self.limits = limits
        self.pushEnabled = pushEnabled
        self.metrics = metrics
        self.logger = logger
        fanOut = MessageFanOut(hub: hub, messaging: messaging, background: background, metrics: metrics, logger: logger)
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
        background.submit(work)
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
        await fanOut.deliver(message)
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
        guard try await fanOut.members(of: conversation).contains(user) else {
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

    // MARK: Frames for one user's devices

    /// Sends a small frame (a few hundred bytes: the bus carries it) to every
    /// open socket of the user, on every process. For device handoff and the like.
    public func tell(_ user: UUID, _ frame: some Encodable) async {
        let text = Frames.encode(frame)
        deliverDirect(WireFrame(text: text), to: user)
        await bus.publish(BusEvent(k: .direct, u: user, x: text))
    }

    func deliverDirect(_ frame: WireFrame, to user: UUID) {
        for socket in hub.sockets(of: user) { socket.send(frame) }
    }

    // MARK: Presence and now playing

    public func presenceChanged(of user: UUID) async {
        await deliverPresence(of: user)
        await bus.publish(BusEvent(k: .presence, u: user))
    }

    public func nowPlaying(by user: UUID, track trackID: UUID?) async throws {
        if let trackID {
            guard let track = try await tracks.track(id: trackID), track.visibility == .public else {
                throw AppError.notFound("The track \(trackID.text)")
            }
        }
        guard try await notifications.settings(of: user).shareNowPlaying else { return }
        await deliverNowPlaying(user: user, track: trackID)
        await bus.publish(BusEvent(k: .nowPlaying, u: user, x: trackID?.text))
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
        let people = try await audience(of: socket.userID, followers: false)
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

    // MARK: Who sees whom

    /// Who may see `user`'s presence (`followers`: their followers), or whom
    /// `user` may see (their followees), and in both cases their partners in
    /// direct and group conversations; never anyone either side blocked.
    func audience(of user: UUID, followers: Bool) async throws -> Set<UUID> {
        async let follows = followers ? self.follows.followerIDs(of: user) : self.follows.followeeIDs(of: user)
        async let partners = messaging.partnerIDs(of: user)
        async let blocked = blocks.blockedEitherWay(user)
        return Set(try await follows).union(try await partners).subtracting(try await blocked)
    }
}
