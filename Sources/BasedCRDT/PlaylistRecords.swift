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
    /// playlist, or the error of an operation they describe.
    ///
    /// The operations are applied by ascending id, which is a causal order
    /// (every operation's id is above those it names), and each new slot is
    /// then the newest, so it goes straight after its anchor.
    public init(replica: String, records: PlaylistRecords) throws(PlaylistError) {
        self.init(replica: replica)
        var tracks: [OpID: String] = [:]
        tracks.reserveCapacity(records.elements.count)
        for element in records.elements {
            guard tracks.updateValue(element.track, forKey: element.id) == nil else {
                throw PlaylistError(.invalidRecords, "element \(element.id) is listed twice")
            }
        }
        var operations: [PlaylistOperation] = []
        operations.reserveCapacity(records.slots.count + records.removals.count)
        for slot in records.slots {
            if slot.id == slot.element {
                guard let track = tracks[slot.id] else {
                    throw PlaylistError(.invalidRecords, "slot \(slot.id) is an insert of no listed element")
                }
                operations.append(.insert(id: slot.id, track: track, after: slot.after))
            } else {
                operations.append(.move(id: slot.id, element: slot.element, after: slot.after))
            }
        }
        operations += records.removals.map { .remove(id: $0.id, element: $0.element) }
        operations = operations.sortedByID(\.id)

        reserveCapacity(slots: records.slots.count, elements: records.elements.count)
        for operation in operations {
            guard try apply(operation) == .applied else {
                throw PlaylistError(.invalidRecords, "\(operation.id) is listed twice or names what is not listed")
            }
        }
        guard elementIDs.count == records.elements.count else {
            throw PlaylistError(.invalidRecords, "an element is listed without its insert's slot")
        }
        for operation in records.buffered {
            try apply(operation)
        }
    }
}

extension Array {
    /// Sorted by ascending id. Compares counters as plain integers first and
    /// replicas only on ties: an order of a few thousand ids comes several
    /// times faster than by comparing `OpID`s, which copies strings.
    func sortedByID(_ id: (Element) -> OpID) -> [Element] {
        let ids = map(id)
        let counters = ids.map(\.counter)
        return indices.sorted { a, b in
            counters[a] != counters[b] ? counters[a] < counters[b] : ids[a] < ids[b]
        }.map { self[$0] }
    }
}
