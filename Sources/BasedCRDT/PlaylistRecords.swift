/// A playlist's state as the rows the server stores: its elements, its slots
/// (current and tombstones), its removals and the operations still waiting
/// for something. The visible order is not stored; it follows from the slots.
///
/// `CollaborativePlaylist.records` lists each kind by ascending id, so two
/// replicas that applied the same operations have equal records, and
/// `init(replica:records:)` followed by `records` gives back the same value.
public struct PlaylistRecords: Hashable, Codable, Sendable {
    /// An element: the id of its insert and its track.
    public struct Element: Hashable, Codable, Sendable {
        public var id: OpID
        public var track: String

        public init(id: OpID, track: String) {
            self.id = id
            self.track = track
        }
    }

    /// A slot: the id of the insert or move that created it (an insert's slot
    /// has the element's id), its element and the slot it hangs after (nil: the head).
    public struct Slot: Hashable, Codable, Sendable {
        public var id: OpID
        public var element: OpID
        public var after: OpID?

        public init(id: OpID, element: OpID, after: OpID?) {
            self.id = id
            self.element = element
            self.after = after
        }
    }

    /// A remove operation: its id and the element it removed.
    public struct Removal: Hashable, Codable, Sendable {
        public var id: OpID
        public var element: OpID

        public init(id: OpID, element: OpID) {
            self.id = id
            self.element = element
        }
    }

    public var elements: [Element]
    public var slots: [Slot]
    public var removals: [Removal]
    /// Operations received whose slot or element has not arrived.
    public var buffered: [PlaylistOperation]

    public init(elements: [Element] = [], slots: [Slot] = [], removals: [Removal] = [], buffered: [PlaylistOperation] = []) {
        self.elements = elements
        self.slots = slots
        self.removals = removals
        self.buffered = buffered
    }
}

extension CollaborativePlaylist {
    /// The state as records to store (see `PlaylistRecords`).
    public var records: PlaylistRecords {
        PlaylistRecords(
            elements: zip(elementIDs, elementTracks).map { PlaylistRecords.Element(id: $0, track: $1) }.sortedByID(\.id),
            slots: slotIDs.indices.dropFirst().map { slot in
                PlaylistRecords.Slot(
                    id: slotIDs[slot],
                    element: elementIDs[slotElements[slot]],
                    after: slotAnchors[slot] == 0 ? nil : slotIDs[slotAnchors[slot]]
                )
            }.sortedByID(\.id),
            removals: removals.map { PlaylistRecords.Removal(id: $0.key, element: $0.value) }.sortedByID(\.id),
            buffered: Array(buffered.values).sortedByID(\.id)
        )
    }

    /// Rebuilds a copy from stored records, in any row order, for `replica`
    /// to edit as. Throws `invalidRecords` when they do not describe a
    /// playlist (or `invalidID`, `causalityViolation`, `invalidReference` for
    /// a malformed row).
    ///
    /// Slots are linked by ascending id, which is a causal order (every id is
    /// above those it names); each new slot is then the newest, so it goes
    /// straight after its anchor. This is the same state that applying the
    /// operations would give, built without them: no look-up for duplicates
    /// or waiting operations, and no `PlaylistOperation` per row.
    public init(replica: String, records: PlaylistRecords) throws(PlaylistError) {
        self.init(replica: replica)
        reserveCapacity(slots: records.slots.count, elements: records.elements.count)
        func invalid(_ message: String) -> PlaylistError { PlaylistError(.invalidRecords, message) }

        // Elements and their inserts' slots both come in id order, so each
        // insert slot meets its element at `nextElement`.
        let elements = records.elements.sortedByID(\.id)
        var nextElement = 0
        for slot in records.slots.sortedByID(\.id) {
            let isInsert = slot.id == slot.element
            try Self.validate(slot.id, naming: slot.after, isInsert ? nil : slot.element)
            var anchor = 0
            if let after = slot.after {
                guard let index = slotIndex[after] else { throw invalid("slot \(slot.id) hangs after \(after), no slot before it") }
                anchor = index
            }
            if isInsert {
                guard nextElement < elements.count, elements[nextElement].id == slot.id else {
                    throw invalid("slot \(slot.id) is the insert of no listed element")
                }
                insertElement(slot.id, track: elements[nextElement].track, anchor: anchor)
                nextElement += 1
            } else {
                guard let index = slotIndex[slot.element] else { throw invalid("slot \(slot.id) moves \(slot.element), no element") }
                moveElement(try element(insertedBy: slot.element, slot: index), to: slot.id, anchor: anchor)
            }
        }
        guard slotIndex.count == records.slots.count else { throw invalid("a slot is listed twice") }
        guard nextElement == elements.count else { throw invalid("an element is listed twice or without its insert's slot") }

        for removal in records.removals {
            try Self.validate(removal.id, naming: removal.element)
            guard let index = slotIndex[removal.element], slotIndex[removal.id] == nil else {
                throw invalid("removal \(removal.id) names no element or reuses a slot's id")
            }
            removeElement(try element(insertedBy: removal.element, slot: index), id: removal.element, by: removal.id)
        }
        guard removals.count == records.removals.count else { throw invalid("a removal is listed twice") }

        clock = max(slotIDs.last?.counter ?? 0, removals.keys.lazy.map(\.counter).max() ?? 0)
        for operation in records.buffered {
            try apply(operation)
        }
    }
}

extension Array {
    /// Sorted by ascending id, comparing counters as plain integers and
    /// replicas (strings) only on ties, which are rare.
    func sortedByID(_ id: (Element) -> OpID) -> [Element] {
        let ids = map(id)
        let counters = ids.map(\.counter)
        return indices.sorted { a, b in
            counters[a] != counters[b] ? counters[a] < counters[b] : ids[a] < ids[b]
        }.map { self[$0] }
    }
}
