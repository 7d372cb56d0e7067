import BasedRealtime
import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

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
