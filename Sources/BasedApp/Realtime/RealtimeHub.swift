import Foundation
import Synchronization

/// One open socket's outbound side: a bounded queue drained by the socket's
/// writer task. Any thread may enqueue; a full queue closes the socket with
/// 4001 so a stuck client never holds up anyone else.
final class SocketOutbox: Sendable {
    enum Outbound: Sendable {
        case text(String)
        /// Close the socket after everything queued before it.
        case close(code: Int, reason: String)
    }

    let id: UUID
    let userID: UUID
    let sessionID: UUID
    let frames: AsyncStream<Outbound>
    private let continuation: AsyncStream<Outbound>.Continuation
    private let capacity: Int
    private let onOverflow: @Sendable () -> Void

    private struct State {
        var pending = 0
        var open = true
        /// The last message sequence sent per conversation; older or repeated ones are dropped.
        var lastSent: [UUID: Int] = [:]
        /// While a `resume` replays history, live messages wait here.
        var held: [(conversation: UUID, seq: Int, frame: String)]?
    }

    private let state = Mutex(State())

    init(id: UUID, userID: UUID, sessionID: UUID, capacity: Int, onOverflow: @escaping @Sendable () -> Void) {
        self.id = id
        self.userID = userID
        self.sessionID = sessionID
        self.capacity = capacity
        self.onOverflow = onOverflow
        (frames, continuation) = AsyncStream.makeStream(of: Outbound.self, bufferingPolicy: .unbounded)
    }

    /// Queues a frame; false when the socket is closed or just overflowed.
    @discardableResult
    func send(_ frame: String) -> Bool {
        let accepted = state.withLock { state -> Bool? in
            guard state.open else { return false }
            guard state.pending < capacity else {
                state.open = false
                return nil
            }
            state.pending += 1
            return true
        }
        switch accepted {
        case true?:
            continuation.yield(.text(frame))
            return true
        case nil:
            continuation.finish()
            onOverflow()
            return false
        case false?:
            return false
        }
    }

    /// Queues a conversation message unless this socket already has it (or newer).
    func sendMessage(conversation: UUID, seq: Int, frame: String) {
        let go = state.withLock { state -> Bool in
            if state.held != nil {
                state.held!.append((conversation, seq, frame))
                return false
            }
            if let last = state.lastSent[conversation], seq <= last { return false }
            state.lastSent[conversation] = seq
            return true
        }
        if go { send(frame) }
    }

    /// Marks the start of a replay: live messages are held until `endReplay`.
    func beginReplay() {
        state.withLock { if $0.held == nil { $0.held = [] } }
    }

    /// Records what the replay sent, then releases the held live messages that are newer.
    func endReplay(sent: [UUID: Int]) {
        let release = state.withLock { state -> [String] in
            for (conversation, seq) in sent where seq > state.lastSent[conversation, default: 0] {
                state.lastSent[conversation] = seq
            }
            var out: [String] = []
            for entry in state.held ?? [] where entry.seq > state.lastSent[entry.conversation, default: 0] {
                state.lastSent[entry.conversation] = entry.seq
                out.append(entry.frame)
            }
            state.held = nil
            return out
        }
        for frame in release { send(frame) }
    }

    /// Called by the writer after each frame it wrote.
    func wrote() {
        state.withLock { $0.pending -= 1 }
    }

    func close() {
        state.withLock { $0.open = false }
        continuation.finish()
    }

    /// Queues a close frame behind what is already queued; nothing more is accepted.
    func closeAfterPending(code: Int, reason: String) {
        let first = state.withLock { state -> Bool in
            defer { state.open = false }
            return state.open
        }
        guard first else { return }
        continuation.yield(.close(code: code, reason: reason))
        continuation.finish()
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
