import Synchronization

/// A node met during a search, and how far it is from the query.
struct Candidate {
    var distance: Float
    var slot: Int32
}

/// Which candidate a heap keeps on top.
protocol HeapOrder {
    static func above(_ a: Candidate, _ b: Candidate) -> Bool
}

/// The furthest on top: the results found so far, whose worst is the bound.
enum FurthestFirst: HeapOrder {
    @inline(__always) static func above(_ a: Candidate, _ b: Candidate) -> Bool { a.distance > b.distance }
}

/// The nearest on top: the candidates still to expand.
enum NearestFirst: HeapOrder {
    @inline(__always) static func above(_ a: Candidate, _ b: Candidate) -> Bool { a.distance < b.distance }
}

/// A binary heap of candidates whose storage is kept between searches.
struct CandidateHeap<Order: HeapOrder> {
    private(set) var items: ContiguousArray<Candidate> = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: Candidate { items[0] }

    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func push(_ candidate: Candidate) {
        items.append(candidate)
        items.withUnsafeMutableBufferPointer { heap in
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) >> 1
                if !Order.above(candidate, heap[parent]) { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = candidate
        }
    }

    @inline(__always)
    @discardableResult
    mutating func pop() -> Candidate {
        let first = items[0]
        let last = items.removeLast()
        if items.isEmpty { return first }
        items.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var parent = 0
            while true {
                var child = 2 * parent + 1
                if child >= count { break }
                if child + 1 < count, Order.above(heap[child + 1], heap[child]) { child += 1 }
                if !Order.above(heap[child], last) { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
        }
        return first
    }

    /// Empties the heap into an array, nearest first.
    mutating func drainNearestFirst() -> [Candidate] {
        var result = Array(items)
        result.sort { ($0.distance, $0.slot) < ($1.distance, $1.slot) }
        items.removeAll(keepingCapacity: true)
        return result
    }
}

/// What one search needs besides the graph: a visited mark per node, stamped
/// with a generation so starting a search costs nothing (cleared only when the
/// 16-bit generation wraps), the two heaps, room for the padded query, and for
/// the unvisited neighbours of the node being expanded and their distances.
///
/// `@unchecked Sendable` is safe because a scratch is only ever used by one
/// search at a time: `ScratchPool` hands it out under its lock, the search
/// keeps it to itself, and gives it back under the lock when done; it is never
/// reachable from two threads at once.
final class SearchScratch: @unchecked Sendable {
    private(set) var marks: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private var generation: UInt16 = 0
    var candidates = CandidateHeap<NearestFirst>()
    var results = CandidateHeap<FurthestFirst>()
    let query: UnsafeMutablePointer<Float>
    let pending: UnsafeMutablePointer<Int32>
    let pendingDistances: UnsafeMutablePointer<Float>

    init(nodes: Int, queryCapacity: Int, maximumDegree: Int) {
        capacity = max(nodes, 1024)
        marks = .allocate(capacity: capacity)
        marks.initialize(repeating: 0, count: capacity)
        query = .allocate(capacity: queryCapacity)
        query.initialize(repeating: 0, count: queryCapacity)
        pending = .allocate(capacity: maximumDegree)
        pending.initialize(repeating: 0, count: maximumDegree)
        pendingDistances = .allocate(capacity: maximumDegree)
        pendingDistances.initialize(repeating: 0, count: maximumDegree)
    }

    deinit {
        marks.deallocate()
        query.deallocate()
        pending.deallocate()
        pendingDistances.deallocate()
    }

    /// Starts a visit over `nodes` nodes; a node is visited when its mark equals the tag returned.
    func beginVisit(nodes: Int) -> UInt16 {
        if nodes > capacity {
            let grown = max(nodes, capacity * 2)
            marks.deallocate()
            marks = .allocate(capacity: grown)
            marks.initialize(repeating: 0, count: grown)
            capacity = grown
            generation = 0
        }
        generation &+= 1
        if generation == 0 {
            marks.update(repeating: 0, count: capacity)
            generation = 1
        }
        return generation
    }
}

/// Scratches kept for reuse, so a search allocates nothing proportional to
/// the index. Shared by copies of an index; safe from any thread.
final class ScratchPool: Sendable {
    private let free = Mutex<[SearchScratch]>([])
    private let queryCapacity: Int
    private let maximumDegree: Int
    private static let kept = 16

    init(queryCapacity: Int, maximumDegree: Int) {
        self.queryCapacity = queryCapacity
        self.maximumDegree = maximumDegree
    }

    func withScratch<Result>(nodes: Int, _ body: (SearchScratch) throws -> Result) rethrows -> Result {
        let scratch = free.withLock { $0.popLast() }
            ?? SearchScratch(nodes: nodes, queryCapacity: queryCapacity, maximumDegree: maximumDegree)
        defer {
            free.withLock { pool in
                if pool.count < Self.kept { pool.append(scratch) }
            }
        }
        return try body(scratch)
    }
}
