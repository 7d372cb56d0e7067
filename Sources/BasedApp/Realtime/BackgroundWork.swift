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
