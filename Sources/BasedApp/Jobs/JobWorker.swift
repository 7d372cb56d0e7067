import Foundation
import Logging
import ServiceLifecycle
import Tracing

/// Does the work of one kind of job. Handlers must be idempotent: a job can
/// run again after a crash, part-way through.
public protocol JobHandler: Sendable {
    var kind: String { get }
    func run(_ job: Job) async throws
    /// Called once when the job has failed for the last time.
    func gaveUp(_ job: Job, reason: String) async
}

/// Runs jobs from the queue: in-process inside `based serve`, or alone as `based worker`.
public struct JobWorker: Service {
    let queue: JobQueue
    let handlers: [String: any JobHandler]
    let concurrency: Int
    let lease: Duration
    let pollInterval: Duration
    let name: String
    let logger: Logger
    /// Queues work the handlers need once the database is up (the fingerprint backfill).
    let atStart: @Sendable () async throws -> Void

    public init(queue: JobQueue, handlers: [any JobHandler], concurrency: Int, lease: Duration = .seconds(60),
                pollInterval: Duration = .milliseconds(250), logger: Logger, atStart: @escaping @Sendable () async throws -> Void = {}) {
        self.queue = queue
        self.handlers = Dictionary(uniqueKeysWithValues: handlers.map { ($0.kind, $0) })
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.pollInterval = pollInterval
        self.name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        self.logger = logger
        self.atStart = atStart
    }

    public func run() async throws {
        do {
            try await atStart()
        } catch {
            logger.error("a job worker's start-up work failed", metadata: ["error": "\(error)"])
        }
        // Shutdown cancels the loops; a job cut short keeps its lease until it lapses, then runs again.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for slot in 0..<concurrency {
                    group.addTask { await loop(worker: "\(name)/\(slot)") }
                }
            }
        }
    }

    func loop(worker: String) async {
        while !Task.isCancelled {
            do {
                // The claim runs in a task of its own, which shutdown does not
                // cancel: a claim is short, and a connection lease cancelled at
                // the wrong moment can wait forever in postgres-nio's pool.
                let claimed = try await Task { [queue, lease] in try await queue.claim(worker: worker, lease: lease) }.value
                if let job = claimed {
                    await execute(job, worker: worker)
                    continue
                }
            } catch {
                logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// Runs one job once, renewing its lease while it works, as one span named after its kind.
    public func execute(_ job: Job, worker: String) async {
        await withSpan("job \(job.kind)", ofKind: .consumer) { span in
            span.attributes["job.kind"] = job.kind
            span.attributes["job.id"] = job.id.uuidString.lowercased()
            span.attributes["job.attempt"] = job.attempts
            await perform(job, worker: worker, span: span)
        }
    }

    private func perform(_ job: Job, worker: String, span: any Span) async {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(job.kind) \(job.id)"
        guard let handler = handlers[job.kind] else {
            _ = try? await queue.fail(job, worker: worker, error: "no handler for \(job.kind)")
            return
        }
        if job.attempts > job.maxAttempts {
            // A job whose worker died on its last attempt.
            _ = try? await queue.fail(job, worker: worker, error: job.lastError ?? "the worker stopped")
            await handler.gaveUp(job, reason: job.lastError ?? "processing was interrupted too often")
            return
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [logger] in
                    var renewed = ContinuousClock.now
                    while true {
                        try await Task.sleep(for: lease / 3)
                        let lost: Bool
                        do {
                            lost = try await !queue.renew(job, worker: worker, lease: lease)
                            renewed = .now
                        } catch {
                            // A busy database is no reason to stop the job: the lease
                            // outlasts two more tries. Only a lease that lapsed ends it.
                            if Task.isCancelled || ContinuousClock.now - renewed >= lease { throw error }
                            logger.warning("could not renew a job's lease; trying again", metadata: ["error": "\(error)"])
                            continue
                        }
                        if lost { throw CancellationError() }
                    }
                }
                group.addTask { try await handler.run(job) }
                // The handler finishing (or failing) ends the renewals.
                try await group.next()
                group.cancelAll()
            }
            try await queue.complete(job, worker: worker)
            logger.info("job done", metadata: ["attempt": "\(job.attempts)"])
        } catch is CancellationError where Task.isCancelled {
            logger.info("job interrupted by shutdown; it will run again")
        } catch {
            let reason = (error as? JobFailure)?.reason ?? "\(error)"
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: reason))
            logger.warning("job failed", metadata: ["attempt": "\(job.attempts)", "error": "\(reason)"])
            var attempt = job
            // A permanent failure (a file that will never decode) uses up the attempts at once.
            if (error as? JobFailure)?.permanent == true { attempt.attempts = attempt.maxAttempts }
            if (try? await queue.fail(attempt, worker: worker, error: reason)) == true {
                await handler.gaveUp(job, reason: reason)
            }
        }
    }
}

/// A failure a handler reports with a reason for people; `permanent` ones are not retried.
public struct JobFailure: Error, Sendable {
    public var reason: String
    public var permanent: Bool

    public init(_ reason: String, permanent: Bool = false) {
        self.reason = reason
        self.permanent = permanent
    }
}
