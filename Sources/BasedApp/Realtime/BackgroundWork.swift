import ServiceLifecycle
import Synchronization

/// Work that outlives the call that started it (offline notices, gap fills),
/// run as child tasks of one `Service`: on shutdown it takes no more and
/// returns once what runs has ended, before the database closes under it.
public final class BackgroundWork: Service, Sendable {
    typealias Work = @Sendable () async -> Void

    private let work: AsyncStream<Work>
    private let submissions: AsyncStream<Work>.Continuation

    init() {
        (work, submissions) = AsyncStream.makeStream(of: Work.self)
    }

    /// Runs `work` soon, unless shutdown has begun.
    func submit(_ work: @escaping Work) {
        submissions.yield(work)
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                self.submissions.finish()
            }
            for await work in self.work {
                group.addTask { await work() }
            }
            // The stream ended (shutdown): the group waits for what still runs.
        }
    }
}

/// Counts work that runs elsewhere (a socket's life, inside the HTTP server)
/// so shutdown can wait for it: `drained` returns when the count reaches
/// zero, woken by the last one to end, not by polling.
final class ActivityCount: Sendable {
    private struct State {
        var running = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    func run<T: Sendable>(_ body: () async -> T) async -> T {
        state.withLock { $0.running += 1 }
        let result = await body()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        return result
    }

    /// Waits until nothing runs, or `timeout` has passed.
    func drained(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.untilIdle() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when nothing runs, or when cancelled.
    private func untilIdle() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    guard state.running > 0, !Task.isCancelled else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
