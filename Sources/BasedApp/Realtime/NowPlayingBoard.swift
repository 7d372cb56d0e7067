import Foundation
import Synchronization

/// Who shares what they are playing now, in every process: fed by the same
/// announcements that reach followers' sockets (here and through the bus).
/// An entry lapses after `lifetime` without news, or when the player stops.
final class NowPlayingBoard: Sendable {
    struct Entry: Sendable, Equatable {
        var user: UUID
        var track: UUID
        var since: Date
    }

    static let lifetime: TimeInterval = 15 * 60
    static let capacity = 10_000
    private let entries = Mutex<[UUID: Entry]>([:])

    func record(user: UUID, track: UUID?, at now: Date = Date()) {
        entries.withLock { entries in
            guard let track else {
                entries[user] = nil
                return
            }
            if entries[user]?.track != track { entries[user] = Entry(user: user, track: track, since: now) }
            if entries.count > Self.capacity { entries = entries.filter { now.timeIntervalSince($0.value.since) < Self.lifetime } }
        }
    }

    func current(of users: Set<UUID>, at now: Date = Date()) -> [Entry] {
        entries.withLock { entries in
            users.compactMap { entries[$0] }.filter { now.timeIntervalSince($0.since) < Self.lifetime }
        }.sorted { $0.since > $1.since }
    }
}

extension Realtime {
    /// What the viewer may see played now: their own, and that of those they
    /// follow who share it, without anyone blocked either way.
    public func nowPlaying(visibleTo viewer: UUID) async throws -> [(user: UUID, track: UUID, since: Date)] {
        let followed = Set(try await follows.followeeIDs(of: viewer)).union([viewer])
        let hidden = try await blocks.blockedEitherWay(viewer)
        return nowPlayingBoard.current(of: followed.subtracting(hidden)).map { ($0.user, $0.track, $0.since) }
    }
}
