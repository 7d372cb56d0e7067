import Foundation
import Synchronization

/// A short-lived, bounded cache of sessions known to be live, so that an
/// authenticated request does not read its session row every time. Sign-out,
/// a password change and refresh-token reuse drop the affected sessions here
/// at once and announce it on the event bus for the other processes; an entry
/// is trusted for only `validity` anyway, which bounds how long a revocation
/// another process missed (the bus is best effort) can go unseen.
final class LiveSessions: Sendable {
    private struct Entry {
        var identity: Identity
        var stored: ContinuousClock.Instant
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        /// Bumped by every drop, so a read that began before it does not store what it read.
        var generation = 0
    }

    private let state = Mutex(State())
    let capacity: Int
    let validity: Duration
    private let announce: @Sendable (_ user: UUID, _ session: UUID?) async -> Void

    init(
        capacity: Int = 10_000, validity: Duration = .seconds(5),
        announce: @escaping @Sendable (_ user: UUID, _ session: UUID?) async -> Void = { _, _ in }
    ) {
        self.capacity = capacity
        self.validity = validity
        self.announce = announce
    }

    /// The identity of a live session, and the generation to hand to `store` after a miss.
    func lookup(_ session: UUID) -> (identity: Identity?, generation: Int) {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[session] else { return (nil, state.generation) }
            guard now - entry.stored < validity else {
                state.entries[session] = nil
                return (nil, state.generation)
            }
            return (entry.identity, state.generation)
        }
    }

    /// Keeps a session just read as live, unless one was dropped since `generation`.
    func store(_ identity: Identity, generation: Int) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { now - $0.value.stored < validity }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[identity.sessionID] = Entry(identity: identity, stored: now)
        }
    }

    /// Sessions were revoked here: `session`, or every session of `user` when nil.
    func revoked(user: UUID, session: UUID?) async {
        drop(user: user, session: session)
        await announce(user, session)
    }

    /// Sessions were revoked (here or by another process).
    func drop(user: UUID, session: UUID?) {
        state.withLock { state in
            state.generation += 1
            if let session {
                state.entries[session] = nil
            } else {
                state.entries = state.entries.filter { $0.value.identity.userID != user }
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
