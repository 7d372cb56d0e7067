import Synchronization

/// At most `limit` holders at once; the others wait in the order they came.
///
/// SQLite has one writer. Left to itself, a connection that finds the write
/// lock taken sleeps and polls (up to 100 ms between tries, five seconds in
/// all), so a job committing batch after batch can keep every other writer
/// of the process out until it gives up with "database is locked". Writers
/// of one process queue here instead (`Database.transaction`), first come
/// first served, and SQLite's own wait is left for other processes.
public final class FairGate: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    public init(limit: Int) {
        state = Mutex(State(free: max(1, limit)))
    }

    /// Waits for a place. Not cancellable: a holder always gets one, and must `leave`.
    public func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if entered { continuation.resume() }
        }
    }

    /// Hands the place to the longest waiting, or frees it.
    public func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }

    /// Runs `body` holding a place.
    public func withPlace<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }
}
