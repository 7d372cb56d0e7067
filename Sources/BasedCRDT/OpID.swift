/// The identity of one playlist operation, unique across every device: a
/// Lamport counter and the replica (device or server process) that made it.
///
/// Ids are totally ordered, counter first and replica second, so every
/// replica breaks ties the same way. A replica makes its operations with
/// counters above every counter it has seen (`CollaborativePlaylist.clock`),
/// so an operation's id is greater than the id of anything it refers to; the
/// order of slots relies on that, and `apply` rejects an operation that breaks it.
///
/// An id also names what its operation created: an insert's id names the new
/// element and its first slot, a move's id names the element's new slot.
///
/// JSON: `{"counter": 3, "replica": "a"}`.
public struct OpID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The Lamport clock reading: 1 or more, at most `OpID.maximumCounter`.
    public var counter: Int
    /// Who made the operation: 1 to 64 of `A-Z a-z 0-9 . _ : -` (a UUID string fits).
    ///
    /// Plain ASCII because ties between counters are broken by comparing
    /// replicas, and byte order is the one order every client language agrees on.
    public var replica: String

    /// The largest counter accepted: 2⁵³ − 1, the largest integer a JavaScript
    /// client reads from JSON exactly.
    public static let maximumCounter = (1 << 53) - 1

    public init(counter: Int, replica: String) {
        self.counter = counter
        self.replica = replica
    }

    public static func < (lhs: OpID, rhs: OpID) -> Bool {
        if lhs.counter != rhs.counter { return lhs.counter < rhs.counter }
        return lhs.replica.utf8.lexicographicallyPrecedes(rhs.replica.utf8)
    }

    public var description: String { "\(counter)@\(replica)" }

    /// Whether `replica` may name a replica (see `replica`).
    public static func isValidReplica(_ replica: String) -> Bool {
        var replica = replica
        return replica.withUTF8 { bytes in
            (1...64).contains(bytes.count) && bytes.allSatisfy(isReplicaByte)
        }
    }

    private static func isReplicaByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    var isValid: Bool {
        (1...Self.maximumCounter).contains(counter) && Self.isValidReplica(replica)
    }
}
