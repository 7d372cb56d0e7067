import BasedCRDT
import PropertyBased
import Testing

/// One step of a random edit history: replica `replica` (modulo the number of
/// replicas) inserts, removes, moves or syncs, with `first` and `second`
/// choosing indices, tracks and partners.
struct Step: Sendable, CustomStringConvertible {
    var replica: Int
    var action: Int
    var first: Int
    var second: Int

    var description: String { "(\(replica) \(action) \(first) \(second))" }
}

/// Generators of edit histories: 2–4 replicas, up to 60 steps, and a seed
/// for which operations each sync carries and for the final delivery order.
enum Histories {
    static let replicaCount = Gen.int(in: 2...4)
    static let steps = zip(Gen.int(in: 0...3), Gen.int(in: 0...9), Gen.int(in: 0...1_000), Gen.int(in: 0...1_000))
        .map { Step(replica: $0.0, action: $0.1, first: $0.2, second: $0.3) }
        .array(of: 1...60)
    static let seed = Gen.uint64(in: 0...UInt64.max)
}

/// A local edit as the editing replica saw it: the operation and the
/// elements it showed just before and just after.
struct LocalEdit {
    var replica: Int
    var operation: PlaylistOperation
    /// The index asked for: where an insert or a move should show the element, or what a remove took.
    var index: Int
    var source: Int?
    var before: [PlaylistElement]
    var after: [PlaylistElement]
}

/// Plays an edit history: each replica edits from its own partial view,
/// syncs carry a random part of another replica's operations in a random
/// order, and at the end every replica, and a new one (the server rebuilding
/// from nothing), receives every operation shuffled and with repeats.
struct EditHistory {
    private(set) var replicas: [CollaborativePlaylist]
    /// Every operation made, in the order made.
    private(set) var log: [PlaylistOperation] = []
    private(set) var edits: [LocalEdit] = []
    /// The replicas as they were before the final delivery, some with operations waiting.
    private(set) var beforeDelivery: [CollaborativePlaylist] = []
    /// Operations each replica has received (its own included).
    private var received: [[PlaylistOperation]]
    private var random: SplitMix64

    init(replicaCount: Int, steps: [Step], seed: UInt64) throws {
        replicas = (0..<replicaCount).map { CollaborativePlaylist(replica: "r\($0)") }
        received = Array(repeating: [], count: replicaCount)
        random = SplitMix64(seed: seed)
        for step in steps {
            try play(step)
        }
        try deliverEverything()
    }

    private mutating func play(_ step: Step) throws {
        let r = step.replica % replicas.count
        let before = replicas[r].elements
        let count = before.count
        var source: Int?
        let index: Int
        let operation: PlaylistOperation
        switch step.action {
        case 0...3:
            index = step.first % (count + 1)
            operation = try replicas[r].insert("t\(step.second % 5)", at: index)
        case 4 where count > 0:
            index = step.first % count
            operation = try replicas[r].remove(at: index)
        case 5...6 where count > 0:
            source = step.first % count
            index = step.second % count
            operation = try replicas[r].move(from: source!, to: index)
        case 4...6:
            return
        default:
            let partner = (r + 1 + step.second % (replicas.count - 1)) % replicas.count
            let carried = received[partner].filter { _ in random.next() % 4 != 0 }.shuffled(using: &random)
            for operation in carried {
                try replicas[r].apply(operation)
                received[r].append(operation)
            }
            return
        }
        log.append(operation)
        received[r].append(operation)
        edits.append(LocalEdit(replica: r, operation: operation, index: index, source: source, before: before, after: replicas[r].elements))
    }

    private mutating func deliverEverything() throws {
        beforeDelivery = replicas
        replicas.append(CollaborativePlaylist(replica: "server"))
        for r in replicas.indices {
            let repeats = (0..<log.count / 3).map { _ in log[Int(random.next() % UInt64(log.count))] }
            for operation in (log + repeats).shuffled(using: &random) {
                try replicas[r].apply(operation)
            }
        }
    }

    /// Which element each slot-creating operation placed.
    var elementOfSlot: [OpID: OpID] {
        var owners: [OpID: OpID] = [:]
        for operation in log {
            switch operation {
            case .insert(let id, _, _): owners[id] = id
            case .move(let id, let element, _): owners[id] = element
            case .remove: break
            }
        }
        return owners
    }
}

/// A small seeded generator, so a failing history replays from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
