/// One replica's copy of a collaborative playlist: a sequence CRDT whose
/// replicas, having applied the same operations in any order, any number of
/// times, show the same elements in the same order.
///
/// How it orders (RGA, the replicated growable array, with moves as in
/// Kleppmann, "Moving elements in list CRDTs", 2020):
///
/// - Every insert and every move creates a *slot* after an existing slot (or
///   the head). Slots form a tree, each hanging after its anchor; the order is
///   the tree's preorder with the slots after one anchor by descending id.
///   Since a replica's new ids exceed every id it has seen, a new slot goes
///   directly after its anchor, ahead of everything the editor saw there,
///   and concurrent slots after one anchor fall in id order on every replica.
///   Slots are never deleted, so the order of any two slots never changes.
/// - An element sits in one slot: the greatest-id one of its insert and its
///   moves (a last-writer-wins register), so concurrent moves agree on one
///   place and an element never appears twice. Its other slots are tombstones
///   that keep their place: what was inserted after an element stays where it
///   was put when that element moves away.
/// - A remove hides the element for good and wins over every move, concurrent
///   or later. A move of a removed element is still recorded, because later
///   inserts may hang after its slot, but does not bring the element back.
/// - An operation naming a slot or element not known yet is buffered and
///   applied when that arrives (`bufferedCount`), so devices may deliver in any order.
///
/// The list is kept in document order as a linked list over all slots, so an
/// operation costs a few hash look-ups and a walk past any newer slots already
/// after its anchor; reading `elements` walks the list once.
public struct CollaborativePlaylist: Sendable {
    /// The replica this copy makes its own operations as.
    public let replica: String
    /// The Lamport clock: the greatest counter seen; the next own operation uses one more.
    public internal(set) var clock = 0

    // Slots and elements are kept as parallel arrays indexed by position of
    // arrival, so walking the order touches only integers. Slot 0 is the head,
    // which is no operation's and is never shown.

    var slotIDs = [OpID(counter: 0, replica: "")]
    /// The slot each hangs after; 0 is the head.
    var slotAnchors = [0]
    /// Index of each slot's element; -1 for the head.
    var slotElements = [-1]
    /// The next slot in document order; -1 after the last.
    var slotNexts = [-1]
    /// Whether each slot shows its element (it is the element's current slot and the element is not removed).
    var slotShown = [false]
    /// Every slot's index by id; an element is found through its insert's slot.
    var slotIndex: [OpID: Int] = [:]

    var elementIDs: [OpID] = []
    var elementTracks: [String] = []
    /// Index of each element's current slot.
    var elementSlots: [Int] = []
    var elementRemoved: [Bool] = []
    var removedCount = 0
    /// Remove operations applied: their id and the element they removed.
    var removals: [OpID: OpID] = [:]

    /// Operations waiting for a slot or element, by id, and their ids by what they wait for.
    var buffered: [OpID: PlaylistOperation] = [:]
    var waiting: [OpID: [OpID]] = [:]

    /// An empty playlist. `replica` must be valid (`OpID.isValidReplica`) and
    /// unique to this device or process: two copies editing as one replica
    /// could make two different operations with the same id.
    public init(replica: String) {
        precondition(OpID.isValidReplica(replica), "invalid replica id \(replica)")
        self.replica = replica
    }

    /// What `apply` did with an operation.
    public enum ApplyResult: Hashable, Sendable {
        /// It took effect, and so did any buffered operations that waited for it.
        case applied
        /// It was applied or buffered before: nothing changed.
        case duplicate
        /// It waits for the operation `waitingFor`, and takes effect when that arrives.
        case buffered(waitingFor: OpID)
    }

    /// Applies an operation from any replica, this one included.
    ///
    /// Throws when the operation is malformed (`invalidID`,
    /// `causalityViolation`), reuses an id (`idReused`) or names an operation
    /// of the wrong kind (`invalidReference`); nothing changes then. A buffered
    /// operation found to name the wrong kind once its reference arrives is
    /// dropped: every replica drops it, so they still agree.
    @discardableResult
    public mutating func apply(_ operation: PlaylistOperation) throws(PlaylistError) -> ApplyResult {
        try Self.validate(operation)
        if let known = self.operation(operation.id) ?? (buffered.isEmpty ? nil : buffered[operation.id]) {
            guard known == operation else {
                throw PlaylistError(.idReused, "\(operation.id) already names another operation")
            }
            return .duplicate
        }
        let resolution = try resolve(operation)
        clock = max(clock, operation.id.counter)
        switch resolution {
        case .waiting(let missing):
            buffer(operation, waitingFor: missing)
            return .buffered(waitingFor: missing)
        case .ready(let anchor, let element):
            integrate(operation, anchor: anchor, element: element)
            return .applied
        }
    }

    /// Elements shown, in order.
    public var elements: [PlaylistElement] {
        visibleSlots().map { slot in
            let element = slotElements[slot]
            return PlaylistElement(id: elementIDs[element], track: elementTracks[element], slot: slotIDs[slot])
        }
    }

    /// The tracks shown, in order.
    public var tracks: [String] {
        visibleSlots().map { elementTracks[slotElements[$0]] }
    }

    /// How many elements are shown.
    public var count: Int { elementIDs.count - removedCount }

    /// Operations waiting for a slot or element that has not arrived.
    public var bufferedCount: Int { buffered.count }

    /// The applied operation `id`, rebuilt from the state (nil when not applied).
    public func operation(_ id: OpID) -> PlaylistOperation? {
        if let slot = slotIndex[id] {
            let element = elementIDs[slotElements[slot]]
            let after = slotAnchors[slot] == 0 ? nil : slotIDs[slotAnchors[slot]]
            return element == id
                ? .insert(id: id, track: elementTracks[slotElements[slot]], after: after)
                : .move(id: id, element: element, after: after)
        }
        // (Empty dictionaries are skipped: a look-up hashes the id even then.)
        guard !removals.isEmpty else { return nil }
        return removals[id].map { .remove(id: id, element: $0) }
    }

    // MARK: Applying

    private static func validate(_ operation: PlaylistOperation) throws(PlaylistError) {
        try validate(operation.id, naming: operation.after, operation.element)
    }

    /// Checks that the ids are well formed and that `id` comes after what it names.
    static func validate(_ id: OpID, naming first: OpID?, _ second: OpID? = nil) throws(PlaylistError) {
        func check(_ reference: OpID?) throws(PlaylistError) {
            guard let reference else { return }
            guard reference.isValid else {
                throw PlaylistError(.invalidID, "\(reference) is not a valid operation id")
            }
            guard reference.counter < id.counter else {
                throw PlaylistError(.causalityViolation, "\(id) names \(reference), which it cannot have seen")
            }
        }
        guard id.isValid else {
            throw PlaylistError(.invalidID, "\(id) is not a valid operation id")
        }
        try check(first)
        try check(second)
    }

    /// Where an operation's references are, or the first one not known yet.
    private enum Resolution {
        case waiting(for: OpID)
        /// `anchor`: index of the `after` slot (0, the head, for none or a
        /// remove); `element`: index of the element a move or remove names.
        case ready(anchor: Int, element: Int?)
    }

    /// Finds an operation's references; throws if one names the wrong kind.
    private func resolve(_ operation: PlaylistOperation) throws(PlaylistError) -> Resolution {
        var element: Int?
        if let elementID = operation.element {
            guard let slot = slotIndex[elementID] else {
                guard removals.isEmpty || removals[elementID] == nil else {
                    throw PlaylistError(.invalidReference, "\(operation.id) names \(elementID) as an element, which is a remove")
                }
                return .waiting(for: elementID)
            }
            element = try self.element(insertedBy: elementID, slot: slot)
        }
        var anchor = 0
        if let after = operation.after {
            guard let slot = slotIndex[after] else {
                guard removals.isEmpty || removals[after] == nil else {
                    throw PlaylistError(.invalidReference, "\(operation.id) names \(after) as a slot, which is a remove")
                }
                return .waiting(for: after)
            }
            anchor = slot
        }
        return .ready(anchor: anchor, element: element)
    }

    /// The element whose insert made `slot` (named `id`); throws if a move made it.
    func element(insertedBy id: OpID, slot: Int) throws(PlaylistError) -> Int {
        let element = slotElements[slot]
        guard elementIDs[element] == id else {
            throw PlaylistError(.invalidReference, "\(id) is a move, not an element")
        }
        return element
    }

    private mutating func buffer(_ operation: PlaylistOperation, waitingFor missing: OpID) {
        buffered[operation.id] = operation
        waiting[missing, default: []].append(operation.id)
    }

    /// Applies an operation whose references are known, then whatever waited for it.
    private mutating func integrate(_ operation: PlaylistOperation, anchor: Int, element: Int?) {
        integrateOne(operation, anchor: anchor, element: element)
        guard !waiting.isEmpty else { return }
        var arrived = [operation.id]
        while let id = arrived.popLast() {
            for waiterID in waiting.removeValue(forKey: id) ?? [] {
                guard let waiter = buffered.removeValue(forKey: waiterID) else { continue }
                switch try? resolve(waiter) {
                case .waiting(let missing):
                    buffer(waiter, waitingFor: missing)
                case .ready(let anchor, let element):
                    integrateOne(waiter, anchor: anchor, element: element)
                    arrived.append(waiter.id)
                case nil:
                    break  // Names the wrong kind of operation: dropped, as on every replica.
                }
            }
        }
    }

    private mutating func integrateOne(_ operation: PlaylistOperation, anchor: Int, element: Int?) {
        switch operation {
        case .insert(let id, let track, _):
            insertElement(id, track: track, anchor: anchor)
        case .move(let id, _, _):
            moveElement(element!, to: id, anchor: anchor)
        case .remove(let id, let elementID):
            removeElement(element!, id: elementID, by: id)
        }
    }

    mutating func insertElement(_ id: OpID, track: String, anchor: Int) {
        let element = elementIDs.count
        let slot = link(id, after: anchor, element: element)
        elementIDs.append(id)
        elementTracks.append(track)
        elementSlots.append(slot)
        elementRemoved.append(false)
        slotShown[slot] = true
    }

    /// Gives the element a new slot, which becomes its place if its id is the greatest.
    mutating func moveElement(_ element: Int, to id: OpID, anchor: Int) {
        let slot = link(id, after: anchor, element: element)
        let current = elementSlots[element]
        if id > slotIDs[current] {
            elementSlots[element] = slot
            slotShown[current] = false
            slotShown[slot] = !elementRemoved[element]
        }
    }

    mutating func removeElement(_ element: Int, id elementID: OpID, by removal: OpID) {
        removals[removal] = elementID
        if !elementRemoved[element] {
            elementRemoved[element] = true
            slotShown[elementSlots[element]] = false
            removedCount += 1
        }
    }

    /// Adds slot `id` in document order: after its anchor, past the newer
    /// slots already there. Every slot is newer than its anchor, so those
    /// newer slots are exactly the subtrees of the anchor's newer children.
    private mutating func link(_ id: OpID, after anchor: Int, element: Int) -> Int {
        var previous = anchor
        while case let next = slotNexts[previous], next >= 0, slotIDs[next] > id {
            previous = next
        }
        let slot = slotIDs.count
        slotIDs.append(id)
        slotAnchors.append(anchor)
        slotElements.append(element)
        slotNexts.append(slotNexts[previous])
        slotShown.append(false)
        slotNexts[previous] = slot
        slotIndex[id] = slot
        return slot
    }

    mutating func reserveCapacity(slots: Int, elements: Int) {
        slotIDs.reserveCapacity(slots + 1)
        slotAnchors.reserveCapacity(slots + 1)
        slotElements.reserveCapacity(slots + 1)
        slotNexts.reserveCapacity(slots + 1)
        slotShown.reserveCapacity(slots + 1)
        slotIndex.reserveCapacity(slots)
        elementIDs.reserveCapacity(elements)
        elementTracks.reserveCapacity(elements)
        elementSlots.reserveCapacity(elements)
        elementRemoved.reserveCapacity(elements)
    }

    /// Indices of the slots that show an element, in order.
    func visibleSlots() -> [Int] {
        var visible: [Int] = []
        visible.reserveCapacity(count)
        var slot = slotNexts[0]
        while slot >= 0 {
            if slotShown[slot] { visible.append(slot) }
            slot = slotNexts[slot]
        }
        return visible
    }
}

/// An element of the playlist as shown: which track, which element (the id
/// of its insert; the same track may be in the playlist as several elements)
/// and the slot it is in now (what an insert right after it names as `after`).
public struct PlaylistElement: Hashable, Codable, Sendable {
    public var id: OpID
    public var track: String
    public var slot: OpID

    public init(id: OpID, track: String, slot: OpID) {
        self.id = id
        self.track = track
        self.slot = slot
    }
}
