import BasedRealtime
import Foundation
import ServiceLifecycle
import Synchronization

/// Says that something other features derive data from (the search index,
/// lists) was created, changed or deleted. Listeners in this process hear it
/// before `announce` returns, so a writer reads its own write; the other
/// processes hear it through the event bus. A listener re-reads the thing
/// through its owner's service, so an announcement carries only its kind and id.
public final class ChangeFeed: Sendable {
    public enum Thing: String, Sendable, CaseIterable {
        case track, release, user, event, playlist
    }

    public typealias Listener = @Sendable (Thing, UUID) async -> Void

    private let listeners = Mutex<[Listener]>([])
    private let publish: @Sendable (BusEvent) async -> Void
    private let remote: AsyncStream<(Thing, UUID)>
    private let remoteInput: AsyncStream<(Thing, UUID)>.Continuation

    /// `publish` sends an event to the other processes (nothing when there are none).
    init(publish: @escaping @Sendable (BusEvent) async -> Void) {
        self.publish = publish
        (remote, remoteInput) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100_000))
    }

    public func listen(_ listener: @escaping Listener) {
        listeners.withLock { $0.append(listener) }
    }

    /// Tells this process's listeners, then the other processes.
    public func announce(_ thing: Thing, _ id: UUID) async {
        await deliver(thing, id)
        await publish(BusEvent(k: .changed, c: id, x: thing.rawValue))
    }

    /// Announces each of the things.
    public func announce(_ thing: Thing, _ ids: some Sequence<UUID>) async {
        for id in ids { await announce(thing, id) }
    }

    /// An event from another process (called on the bus listener's task, so it only queues).
    func received(_ event: BusEvent) {
        guard event.k == .changed, let id = event.c, let thing = event.x.flatMap(Thing.init(rawValue:)) else { return }
        remoteInput.yield((thing, id))
    }

    private func deliver(_ thing: Thing, _ id: UUID) async {
        for listener in listeners.withLock({ $0 }) { await listener(thing, id) }
    }

    /// Delivers other processes' announcements to this process's listeners until shutdown.
    struct RemoteDelivery: Service {
        let feed: ChangeFeed

        func run() async throws {
            await withGracefulShutdownHandler {
                for await (thing, id) in feed.remote {
                    await feed.deliver(thing, id)
                }
            } onGracefulShutdown: {
                feed.remoteInput.finish()
            }
        }
    }
}
