/// Edits by index, as a client or the server makes them ("insert at 3"):
/// each applies a new operation of this replica to this copy and returns it,
/// to be sent to the other replicas or stored. Indices are positions in
/// `elements` as this copy shows them now.
extension CollaborativePlaylist {
    /// Inserts `track` so that it is shown at `index` (0...count; count appends).
    public mutating func insert(_ track: String, at index: Int) throws(PlaylistError) -> PlaylistOperation {
        let visible = visibleSlots()
        guard (0...visible.count).contains(index) else {
            throw PlaylistError(.indexOutOfRange, "insert at \(index) in a playlist of \(visible.count)")
        }
        let after = index == 0 ? nil : slotIDs[visible[index - 1]]
        return try make { .insert(id: $0, track: track, after: after) }
    }

    /// Removes the element shown at `index` (0..<count).
    public mutating func remove(at index: Int) throws(PlaylistError) -> PlaylistOperation {
        let visible = visibleSlots()
        guard visible.indices.contains(index) else {
            throw PlaylistError(.indexOutOfRange, "remove at \(index) in a playlist of \(visible.count)")
        }
        let element = elementIDs[slotElements[visible[index]]]
        return try make { .remove(id: $0, element: element) }
    }

    /// Moves the element shown at `source` so that it is shown at
    /// `destination` (both 0..<count), the others keeping their order, as
    /// `Array`'s remove-then-insert would.
    public mutating func move(from source: Int, to destination: Int) throws(PlaylistError) -> PlaylistOperation {
        var visible = visibleSlots()
        guard visible.indices.contains(source), visible.indices.contains(destination) else {
            throw PlaylistError(.indexOutOfRange, "move from \(source) to \(destination) in a playlist of \(visible.count)")
        }
        let element = elementIDs[slotElements[visible.remove(at: source)]]
        let after = destination == 0 ? nil : slotIDs[visible[destination - 1]]
        return try make { .move(id: $0, element: element, after: after) }
    }

    /// Makes an operation with the next id of this replica and applies it.
    private mutating func make(_ operation: (OpID) -> PlaylistOperation) throws(PlaylistError) -> PlaylistOperation {
        guard clock < OpID.maximumCounter else {
            throw PlaylistError(.clockExhausted, "replica \(replica) has no counter left")
        }
        let made = operation(OpID(counter: clock + 1, replica: replica))
        let result = try apply(made)
        assert(result == .applied, "a local edit names only what this copy shows")
        return made
    }
}
