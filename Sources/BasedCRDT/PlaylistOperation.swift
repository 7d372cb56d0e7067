/// One edit of a collaborative playlist, as replicas exchange and the server
/// stores it. Every operation carries its own `OpID`.
///
/// Positions are slots: an insert or a move creates a slot after an existing
/// slot (`after`, named by the id of the operation that created it) or at the
/// head (`after: nil`). An element has one current slot, the one with the
/// greatest id among its insert and its moves; its other slots stay as
/// tombstones that still anchor what was inserted after them.
///
/// JSON, with these field names and nothing else (`after: null` or absent is
/// the head):
///
/// ```json
/// {"kind": "insert", "id": {"counter": 7, "replica": "a"}, "track": "t-42", "after": {"counter": 5, "replica": "b"}}
/// {"kind": "move", "id": {"counter": 8, "replica": "a"}, "element": {"counter": 7, "replica": "a"}, "after": null}
/// {"kind": "remove", "id": {"counter": 9, "replica": "b"}, "element": {"counter": 7, "replica": "a"}}
/// ```
public enum PlaylistOperation: Hashable, Codable, Sendable {
    /// Adds a new element playing `track` in a new slot after `after`. The
    /// element and its first slot are both named `id`; the same track may be
    /// inserted any number of times, each time as another element.
    case insert(id: OpID, track: String, after: OpID?)
    /// Removes `element` (an insert's id) for good: no move brings it back.
    case remove(id: OpID, element: OpID)
    /// Gives `element` (an insert's id) a new slot, named `id`, after `after`.
    /// Among concurrent moves of one element the greatest id wins.
    case move(id: OpID, element: OpID, after: OpID?)

    /// The operation's own id.
    public var id: OpID {
        switch self {
        case .insert(let id, _, _), .remove(let id, _), .move(let id, _, _): id
        }
    }

    /// The slot the operation places something after, if any.
    public var after: OpID? {
        switch self {
        case .insert(_, _, let after), .move(_, _, let after): after
        case .remove: nil
        }
    }

    /// The element a remove or a move acts on.
    public var element: OpID? {
        switch self {
        case .insert: nil
        case .remove(_, let element), .move(_, let element, _): element
        }
    }

    /// Whether the operation creates a slot (inserts and moves do).
    var createsSlot: Bool {
        if case .remove = self { false } else { true }
    }

    private enum Kind: String, Codable {
        case insert, remove, move
    }

    private enum CodingKeys: String, CodingKey {
        case kind, id, track, element, after
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(OpID.self, forKey: .id)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .insert:
            self = .insert(
                id: id,
                track: try container.decode(String.self, forKey: .track),
                after: try container.decodeIfPresent(OpID.self, forKey: .after)
            )
        case .remove:
            self = .remove(id: id, element: try container.decode(OpID.self, forKey: .element))
        case .move:
            self = .move(
                id: id,
                element: try container.decode(OpID.self, forKey: .element),
                after: try container.decodeIfPresent(OpID.self, forKey: .after)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        switch self {
        case .insert(_, let track, let after):
            try container.encode(Kind.insert, forKey: .kind)
            try container.encode(track, forKey: .track)
            try container.encode(after, forKey: .after)
        case .remove(_, let element):
            try container.encode(Kind.remove, forKey: .kind)
            try container.encode(element, forKey: .element)
        case .move(_, let element, let after):
            try container.encode(Kind.move, forKey: .kind)
            try container.encode(element, forKey: .element)
            try container.encode(after, forKey: .after)
        }
    }
}
