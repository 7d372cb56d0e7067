import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// A text frame as it goes on the wire, header and payload, unmasked as a
/// server's frames are. A fan-out encodes it once and writes the same bytes to
/// every socket, below the WebSocket frame encoder.
struct WireFrame: Sendable {
    let bytes: ByteBuffer

    init(text payload: ByteBuffer) {
        let length = payload.readableBytes
        var bytes = ByteBufferAllocator().buffer(capacity: length + 10)
        bytes.writeInteger(UInt8(0x81)) // FIN, text
        if length < 126 {
            bytes.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        } else {
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        bytes.writeImmutableBuffer(payload)
        self.bytes = bytes
    }

    init(text: String) {
        self.init(text: ByteBuffer(string: text))
    }
}

/// Counts down from `count`; true on the tick that reaches zero.
final class Countdown: Sendable {
    private let left: Atomic<Int>
    init(_ count: Int) { left = Atomic(count) }
    func tick() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// One open socket's outbound side. Frames are written straight to the
/// socket's channel from whatever thread produces them (a fan-out encodes a
/// frame once and writes the same buffer to every socket), and counted until
/// the kernel has taken them. A socket with `capacity` frames still unwritten
/// belongs to a client that stopped reading: it is closed with 4001 so it
/// never holds up anyone else.
final class SocketOutbox: Sendable {
    let id: UUID
    let userID: UUID
    let sessionID: UUID
    private let channel: any Channel
    /// The WebSocket frame encoder's place in the pipeline, found on first
    /// write: frames are written there already encoded.
    private let encoder: NIOLoopBoundBox<ChannelHandlerContext?>
    var eventLoop: any EventLoop { channel.eventLoop }
    private let capacity: Int
    private let onOverflow: @Sendable () -> Void
    private let onClose: @Sendable (_ code: Int, _ reason: String) -> Void

    private struct State {
        var pending = 0
        var open = true
        /// A close asked for behind the frames still pending.
        var closeRequest: (code: Int, reason: String)?
        var closeSent = false
        /// The last message sequence sent per conversation; older or repeated ones are dropped.
        var lastSent: [UUID: Int] = [:]
        /// While a `resume` replays history, live messages wait here.
        var held: [(conversation: UUID, seq: Int, frame: WireFrame)]?
    }

    private let state = Mutex(State())

    init(
        id: UUID, userID: UUID, sessionID: UUID, channel: any Channel, capacity: Int,
        onOverflow: @escaping @Sendable () -> Void, onClose: @escaping @Sendable (_ code: Int, _ reason: String) -> Void
    ) {
        self.id = id
        self.userID = userID
        self.sessionID = sessionID
        self.channel = channel
        encoder = .makeEmptyBox(valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
        self.capacity = capacity
        self.onOverflow = onOverflow
        self.onClose = onClose
    }

    @discardableResult
    func send(_ frame: String) -> Bool {
        send(WireFrame(text: frame))
    }

    /// Writes a text frame; false when the socket is closed or just overflowed.
    @discardableResult
    func send(_ frame: WireFrame) -> Bool {
        perform(state.withLock { Self.admit(&$0, capacity: capacity) }, frame)
    }

    private enum Admission { case write, overflow, refused }

    /// Takes one frame into the count of pending frames, or says why not.
    private static func admit(_ state: inout State, capacity: Int) -> Admission {
        guard state.open else { return .refused }
        guard state.pending < capacity else {
            state.open = false
            return .overflow
        }
        state.pending += 1
        return .write
    }

    private func perform(_ admission: Admission, _ frame: WireFrame) -> Bool {
        switch admission {
        case .write:
            if channel.eventLoop.inEventLoop {
                write(frame)
            } else {
                channel.eventLoop.execute { self.write(frame) }
            }
            return true
        case .overflow:
            onOverflow()
            return false
        case .refused:
            return false
        }
    }

    /// On the socket's event loop: hands the encoded frame to the handler
    /// before the frame encoder, and counts it written when the kernel took it.
    private func write(_ frame: WireFrame) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] result in
            if case .failure = result { state.withLock { $0.open = false } }
            written()
        }
        if encoder.value == nil {
            encoder.value = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        }
        guard let context = encoder.value else {
            // The encoder is gone with the connection.
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.writeAndFlush(NIOAny(frame.bytes), promise: promise)
    }

    private func written() {
        let close = state.withLock { state -> (Int, String)? in
            state.pending -= 1
            guard state.pending == 0, let request = state.closeRequest, !state.closeSent else { return nil }
            state.closeSent = true
            return request
        }
        if let close { onClose(close.0, close.1) }
    }

    /// Writes a conversation message unless this socket already has it (or
    /// newer). One lock round for the check and the admission: a fan-out
    /// calls this for every socket in a room.
    func sendMessage(conversation: UUID, seq: Int, frame: WireFrame) {
        let admission = state.withLock { state -> Admission? in
            if state.held != nil {
                state.held!.append((conversation, seq, frame))
                return nil
            }
            if let last = state.lastSent[conversation], seq <= last { return nil }
            state.lastSent[conversation] = seq
            return Self.admit(&state, capacity: capacity)
        }
        if let admission { _ = perform(admission, frame) }
    }

    /// Marks the start of a replay: live messages are held until `endReplay`.
    func beginReplay() {
        state.withLock { if $0.held == nil { $0.held = [] } }
    }

    /// Records what the replay sent, then releases the held live messages that are newer.
    func endReplay(sent: [UUID: Int]) {
        let release = state.withLock { state -> [WireFrame] in
            for (conversation, seq) in sent where seq > state.lastSent[conversation, default: 0] {
                state.lastSent[conversation] = seq
            }
            var out: [WireFrame] = []
            for entry in state.held ?? [] where entry.seq > state.lastSent[entry.conversation, default: 0] {
                state.lastSent[entry.conversation] = entry.seq
                out.append(entry.frame)
            }
            state.held = nil
            return out
        }
        for frame in release { send(frame) }
    }

    func close() {
        state.withLock { $0.open = false }
    }

    /// Closes with `code` once every frame written before is out; nothing more is accepted.
    func closeAfterPending(code: Int, reason: String) {
        let now = state.withLock { state -> Bool in
            guard state.open else { return false }
            state.open = false
            state.closeRequest = (code, reason)
            guard state.pending == 0 else { return false }
            state.closeSent = true
            return true
        }
        if now { onClose(code, reason) }
    }
}

/// The sockets of this process, by user, and the members of the
/// conversations they are in (cached; invalidated on membership changes).
final class RealtimeHub: Sendable {
    private struct State {
        var sockets: [UUID: [UUID: SocketOutbox]] = [:]
        var members: [UUID: Set<UUID>] = [:]
        var count = 0
    }

    private let state = Mutex(State())

    func add(_ socket: SocketOutbox) -> Int {
        state.withLock { state in
            state.sockets[socket.userID, default: [:]][socket.id] = socket
            state.count += 1
            return state.sockets[socket.userID]!.count
        }
    }

    /// Removes a socket; returns how many this user still has here.
    func remove(_ socket: SocketOutbox) -> Int {
        state.withLock { state in
            guard state.sockets[socket.userID]?.removeValue(forKey: socket.id) != nil else {
                return state.sockets[socket.userID]?.count ?? 0
            }
            state.count -= 1
            let left = state.sockets[socket.userID]!.count
            if left == 0 { state.sockets[socket.userID] = nil }
            return left
        }
    }

    var connectionCount: Int { state.withLock { $0.count } }

    func sockets(of user: UUID) -> [SocketOutbox] {
        state.withLock { state in state.sockets[user].map { Array($0.values) } ?? [] }
    }

    func sockets(of users: some Sequence<UUID>) -> [SocketOutbox] {
        state.withLock { state in
            var out: [SocketOutbox] = []
            for user in users {
                if let mine = state.sockets[user] { out.append(contentsOf: mine.values) }
            }
            return out
        }
    }

    /// Runs `body` for each socket on the socket's own event loop, one task
    /// per loop rather than one per socket: a fan-out to thousands of sockets
    /// crosses threads twice (2 cores), not thousands of times. `done` runs
    /// once, on the loop that finishes last.
    static func onTheirLoops(
        _ sockets: [SocketOutbox], done: (@Sendable () -> Void)? = nil, _ body: @escaping @Sendable (SocketOutbox) -> Void
    ) {
        var groups: [ObjectIdentifier: (loop: any EventLoop, sockets: [SocketOutbox])] = [:]
        for socket in sockets {
            let loop = socket.eventLoop
            groups[ObjectIdentifier(loop), default: (loop, [])].sockets.append(socket)
        }
        guard !groups.isEmpty else {
            done?()
            return
        }
        let remaining = Countdown(groups.count)
        for group in groups.values {
            let members = group.sockets
            group.loop.execute {
                for socket in members { body(socket) }
                if remaining.tick() { done?() }
            }
        }
    }

    /// Every socket of this process, for shutting down.
    func allSockets() -> [SocketOutbox] {
        state.withLock { $0.sockets.values.flatMap(\.values) }
    }

    func hasSockets(_ user: UUID) -> Bool {
        state.withLock { $0.sockets[user] != nil }
    }

    func cachedMembers(_ conversation: UUID) -> Set<UUID>? {
        state.withLock { $0.members[conversation] }
    }

    func cacheMembers(_ conversation: UUID, _ members: Set<UUID>) {
        state.withLock { state in
            // A crude bound: drop the cache rather than grow without limit.
            if state.members.count > 100_000 { state.members.removeAll(keepingCapacity: true) }
            state.members[conversation] = members
        }
    }

    /// Adds or removes one member in a cached set (rooms change one at a time, and are large).
    func updateMembers(_ conversation: UUID, user: UUID, joined: Bool) {
        state.withLock { state in
            guard state.members[conversation] != nil else { return }
            if joined { state.members[conversation]!.insert(user) } else { state.members[conversation]!.remove(user) }
        }
    }

    func forgetMembers(_ conversation: UUID) {
        _ = state.withLock { $0.members.removeValue(forKey: conversation) }
    }
}
