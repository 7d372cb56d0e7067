import Foundation

/// An approximate nearest-neighbour index over vectors keyed by id: a
/// hierarchical navigable small world graph (Malkov & Yashunin, 2016/2018)
/// with the neighbour-selection heuristic, deletions, and a binary file format.
///
/// A value: copies are independent (copy on write), and a shared `let` index
/// answers searches from any number of tasks at once. Inserting and removing
/// need a `var` and one writer, as for any value.
///
/// Building is deterministic: the same configuration (seed included) and the
/// same inserts in the same order give the same graph and the same answers.
public struct VectorIndex: Sendable {
    /// How an index is shaped; fixed when it is created.
    public struct Configuration: Sendable, Equatable {
        /// How many numbers each vector has.
        public var dimension: Int
        public var metric: VectorMetric
        /// Links a node keeps on the upper layers (M); the bottom layer keeps twice as many.
        public var neighbours: Int
        /// How many candidates an insert considers (efConstruction).
        public var efConstruction: Int
        /// Seeds the random layer of each node.
        public var seed: UInt64

        public init(dimension: Int, metric: VectorMetric = .cosine, neighbours: Int = 16, efConstruction: Int = 200, seed: UInt64 = 0x5EED) {
            self.dimension = dimension
            self.metric = metric
            self.neighbours = neighbours
            self.efConstruction = efConstruction
            self.seed = seed
        }
    }

    public let configuration: Configuration

    // Layout: node n's vector is vectors[n*stride ..< (n+1)*stride] (zero-padded);
    // its bottom-layer list is bottomLinks[n*(bottomDegree+1)]: a count, then
    // up to bottomDegree node numbers. A node on layers 1…L has L lists of
    // upperDegree+1 in upperLinks from upperStart[n] (-1 for a bottom-only node).
    let stride: Int
    let bottomDegree: Int
    let upperDegree: Int
    var vectors: [Float] = []
    var bottomLinks: [Int32] = []
    var upperLinks: [Int32] = []
    var upperStart: [Int32] = []
    var levels: [UInt8] = []
    var isDeleted: [Bool] = []
    var keys: [UUID] = []
    var slots: [UUID: Int32] = [:]
    var entryPoint: Int32 = -1
    var topLevel = 0
    var random: SplitMix64
    let scratchPool: ScratchPool

    static let maximumLevel = 30

    /// An empty index; `capacity` reserves room for that many vectors up front.
    public init(_ configuration: Configuration, capacity: Int = 0) throws {
        guard (1...65_536).contains(configuration.dimension) else {
            throw VectorIndexError(.invalidParameter, "the dimension must be between 1 and 65,536, not \(configuration.dimension)")
        }
        guard (2...1_024).contains(configuration.neighbours) else {
            throw VectorIndexError(.invalidParameter, "neighbours (M) must be between 2 and 1,024, not \(configuration.neighbours)")
        }
        guard configuration.efConstruction >= 1 else {
            throw VectorIndexError(.invalidParameter, "efConstruction must be at least 1, not \(configuration.efConstruction)")
        }
        self.configuration = configuration
        stride = Distance.stride(forDimension: configuration.dimension)
        upperDegree = configuration.neighbours
        bottomDegree = 2 * configuration.neighbours
        random = SplitMix64(seed: configuration.seed)
        scratchPool = ScratchPool(queryCapacity: stride, maximumDegree: bottomDegree)
        if capacity > 0 {
            vectors.reserveCapacity(capacity * stride)
            bottomLinks.reserveCapacity(capacity * (bottomDegree + 1))
            upperStart.reserveCapacity(capacity)
            levels.reserveCapacity(capacity)
            isDeleted.reserveCapacity(capacity)
            keys.reserveCapacity(capacity)
            slots.reserveCapacity(capacity)
        }
    }

    public var dimension: Int { configuration.dimension }
    public var metric: VectorMetric { configuration.metric }
    /// How many vectors can be found.
    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.isEmpty }
    /// Removed or replaced vectors still held as waypoints until `compact()`.
    public var deletedCount: Int { keys.count - slots.count }
    var slotCount: Int { keys.count }

    public func contains(_ key: UUID) -> Bool { slots[key] != nil }

    /// The stored vector for `key` (unit length under the cosine metric).
    public func vector(for key: UUID) -> [Float]? {
        guard let slot = slots[key] else { return nil }
        let start = Int(slot) * stride
        return Array(vectors[start..<start + dimension])
    }

    /// Roughly how many bytes the index holds (its arrays' capacities and the key table).
    public var memoryFootprint: Int {
        vectors.capacity * 4 + bottomLinks.capacity * 4 + upperLinks.capacity * 4 + upperStart.capacity * 4
            + levels.capacity + isDeleted.capacity + keys.capacity * 16 + slots.capacity * 21
    }

    /// Adds `vector` under `key`, or replaces the vector `key` had (the old
    /// one is then deleted). Throws for a wrong dimension or a non-finite value.
    public mutating func insert(_ vector: [Float], for key: UUID) throws {
        try check(vector)
        guard slotCount < Int(Int32.max) else {
            throw VectorIndexError(.invalidParameter, "the index holds \(slotCount) slots, the most it can; compact() it")
        }
        if let old = slots[key] { isDeleted[Int(old)] = true }
        let slot = Int32(slotCount)
        let stride = stride, metric = metric
        vectors.append(contentsOf: repeatElement(0, count: stride))
        vector.withUnsafeBufferPointer { source in
            vectors.withUnsafeMutableBufferPointer { all in
                Distance.store(source, metric: metric, into: all.baseAddress! + Int(slot) * stride, stride: stride)
            }
        }
        appendNode(key: key)
        link(slot)
    }

    /// Removes `key`: it is never returned again. Its node stays in the graph as
    /// a waypoint until `compact()`. Returns whether the key was there.
    @discardableResult
    public mutating func remove(_ key: UUID) -> Bool {
        guard let slot = slots.removeValue(forKey: key) else { return false }
        isDeleted[Int(slot)] = true
        return true
    }

    /// Rebuilds the graph from the vectors still present, in the order they
    /// were inserted, dropping the deleted ones: the same index as building
    /// afresh from those vectors.
    public mutating func compact() {
        guard deletedCount > 0 else { return }
        // The configuration was validated when this index was made.
        var rebuilt = try! VectorIndex(configuration, capacity: count)
        for slot in 0..<slotCount where !isDeleted[slot] {
            let start = slot * stride
            rebuilt.vectors.append(contentsOf: vectors[start..<start + stride])
            rebuilt.appendNode(key: keys[slot])
            rebuilt.link(Int32(rebuilt.slotCount - 1))
        }
        self = rebuilt
    }

    /// The `k` nearest vectors to `query`, nearest first. `ef` (at least `k`)
    /// is how many candidates the search keeps: higher finds more of the true
    /// nearest, slower. Fewer than `k` come back when the index holds fewer.
    public func search(_ query: [Float], k: Int, ef: Int = 64) throws -> [VectorMatch] {
        try check(query)
        guard k > 0, entryPoint >= 0, !slots.isEmpty else { return [] }
        let ef = max(ef, k)
        return scratchPool.withScratch(nodes: slotCount) { scratch in
            query.withUnsafeBufferPointer { source in
                Distance.store(source, metric: metric, into: scratch.query, stride: stride)
            }
            return withGraph { graph in
                var current = entryPoint
                var distance = graph.distance(scratch.query, current)
                for level in Swift.stride(from: topLevel, to: 0, by: -1) {
                    graph.descend(scratch.query, from: &current, distance: &distance, level: level)
                }
                graph.searchLayer(scratch.query, entry: current, ef: ef, level: 0, scratch: scratch)
                while scratch.results.count > k { scratch.results.pop() }
                return scratch.results.drainNearestFirst().map {
                    VectorMatch(key: keys[Int($0.slot)], distance: Distance.reported(metric, $0.distance))
                }
            }
        }
    }

    func check(_ vector: [Float]) throws {
        guard vector.count == dimension else {
            throw VectorIndexError(.dimensionMismatch, "the index holds vectors of \(dimension) numbers; this one has \(vector.count)")
        }
        guard vector.allSatisfy(\.isFinite) else {
            throw VectorIndexError(.invalidVector, "a vector must hold finite numbers only (no NaN or infinity)")
        }
    }

    /// Records a node whose vector was just appended: its random layer, its
    /// empty lists and its key.
    mutating func appendNode(key: UUID) {
        let slot = Int32(slotCount)
        let level = randomLevel()
        bottomLinks.append(contentsOf: repeatElement(0, count: bottomDegree + 1))
        if level > 0 {
            upperStart.append(Int32(upperLinks.count))
            upperLinks.append(contentsOf: repeatElement(0, count: level * (upperDegree + 1)))
        } else {
            upperStart.append(-1)
        }
        levels.append(UInt8(level))
        isDeleted.append(false)
        keys.append(key)
        slots[key] = slot
    }

    /// A layer drawn from an exponential distribution with mean 1/ln(M), the paper's choice.
    mutating func randomLevel() -> Int {
        let uniform = random.nextUnitInterval()
        let level = Int(-log(uniform) / log(Double(configuration.neighbours)))
        return min(level, Self.maximumLevel)
    }
}

/// One search result.
public struct VectorMatch: Sendable, Equatable, Hashable {
    public var key: UUID
    /// Euclidean distance, or one minus the cosine similarity.
    public var distance: Float

    public init(key: UUID, distance: Float) {
        self.key = key
        self.distance = distance
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same sequence
/// on every platform for a seed, which the deterministic build relies on.
struct SplitMix64: Sendable, Equatable {
    var state: UInt64

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

    /// A uniform number in (0, 1], never zero, so its logarithm is finite.
    mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }
}
