import Foundation
import Synchronization

/// What playback needs to know of a track: who may hear it and where its audio is.
public struct PlayableTrack: Sendable, Equatable {
    public var id: UUID
    public var artistId: UUID
    public var visibility: Visibility
    public var state: TrackState
    public var originalHash: String
    public var originalFormat: String
    public var durationSeconds: Double?

    init(id: UUID, artistId: UUID, visibility: Visibility, state: TrackState, originalHash: String, originalFormat: String, durationSeconds: Double?) {
        self.id = id
        self.artistId = artistId
        self.visibility = visibility
        self.state = state
        self.originalHash = originalHash
        self.originalFormat = originalFormat
        self.durationSeconds = durationSeconds
    }

    init(_ track: Track) {
        id = track.id
        artistId = track.artistId
        visibility = track.visibility
        state = track.state
        originalHash = track.originalHash
        originalFormat = track.originalFormat
        durationSeconds = track.durationSeconds
    }

    public func isVisible(to viewer: UUID?) -> Bool {
        visibility != .private || viewer == artistId
    }
}

/// A small, bounded cache of ready tracks' playback facts, so that the range
/// requests a player sends for one stream cost no database round trip. Only
/// ready tracks are kept; whatever changes a track (an edit, reprocessing,
/// deletion, a takedown) calls `changed`, which drops it here and announces it
/// on the event bus so every other process drops it too. Entries also expire
/// after `validity`, in case an announcement was lost (the bus is best effort).
final class ReadyTracks: Sendable {
    private struct Entry {
        var track: PlayableTrack
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
    private let announce: @Sendable (UUID) async -> Void

    init(capacity: Int = 4096, validity: Duration = .seconds(60), announce: @escaping @Sendable (UUID) async -> Void = { _ in }) {
        self.capacity = capacity
        self.validity = validity
        self.announce = announce
    }

    /// The cached facts of a ready track, and the generation to hand to `store` after a miss.
    func lookup(_ id: UUID) -> (track: PlayableTrack?, generation: Int) {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[id] else { return (nil, state.generation) }
            guard now - entry.stored < validity else {
                state.entries[id] = nil
                return (nil, state.generation)
            }
            return (entry.track, state.generation)
        }
    }

    /// Keeps a ready track read from the database, unless something changed since `generation`.
    func store(_ track: PlayableTrack, generation: Int) {
        guard track.state == .ready else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity, state.entries[track.id] == nil {
                // Past the cap, drop the oldest few; a full scan is rare and the map is small.
                let oldest = state.entries.sorted { $0.value.stored < $1.value.stored }.prefix(max(1, capacity / 16)).map(\.key)
                for id in oldest { state.entries[id] = nil }
            }
            state.entries[track.id] = Entry(track: track, stored: now)
        }
    }

    /// A track changed here: forget it, and tell the other processes.
    func changed(_ id: UUID) async {
        drop(id)
        await announce(id)
    }

    /// Another process changed a track.
    func drop(_ id: UUID) {
        state.withLock { state in
            state.entries[id] = nil
            state.generation += 1
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
