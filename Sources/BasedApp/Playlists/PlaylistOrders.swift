import BasedCRDT
import Foundation
import Synchronization

/// Decoded playlist orders of this process, by playlist and version.
///
/// A playlist's order is stored as CRDT records (up to 20,000 lines for
/// 10,000 tracks); decoding them is most of the cost of reading or editing a
/// long playlist. A version names one order exactly (every save raises it
/// under an optimistic check), so an entry is right for as long as the row's
/// version is the same, on any process: nothing needs to invalidate it.
/// Least recently used orders go first once `capacity` entries are held.
final class PlaylistOrders: Sendable {
    struct Entry {
        var version: Int
        var order: CollaborativePlaylist
        var elements: [PlaylistElement]
        var used: UInt64
    }

    /// How many playlist entries (tracks) the cache holds at most, all playlists together.
    let capacity: Int
    private let state = Mutex(State())

    struct State {
        var entries: [UUID: Entry] = [:]
        var held = 0
        var clock: UInt64 = 0
    }

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// The order of `playlist` at `version`, if this process holds it.
    func order(of playlist: UUID, version: Int) -> (order: CollaborativePlaylist, elements: [PlaylistElement])? {
        state.withLock { state in
            guard var entry = state.entries[playlist], entry.version == version else { return nil }
            state.clock += 1
            entry.used = state.clock
            state.entries[playlist] = entry
            return (entry.order, entry.elements)
        }
    }

    /// Remembers the order of `playlist` at `version` (a later version replaces an earlier one, never the reverse).
    func store(_ order: CollaborativePlaylist, elements: [PlaylistElement], of playlist: UUID, version: Int) {
        let size = max(1, elements.count)
        guard size <= capacity else { return }
        state.withLock { state in
            if let existing = state.entries[playlist] {
                guard existing.version < version else { return }
                state.held -= max(1, existing.elements.count)
            }
            state.clock += 1
            state.entries[playlist] = Entry(version: version, order: order, elements: elements, used: state.clock)
            state.held += size
            while state.held > capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
                state.held -= max(1, oldest.value.elements.count)
            }
        }
    }

    /// How many playlists are held (for tests).
    var count: Int { state.withLock { $0.entries.count } }
}
