/// The graph algorithms: the layer search (the paper's Algorithm 2), the
/// greedy descent through the upper layers, the neighbour-selection heuristic
/// (Algorithm 4) and the insert that links a node in (Algorithm 1).
extension VectorIndex {
    /// Reads the graph through unsafe pointers for the duration of `body`:
    /// the hot loops run without bounds checks or copy-on-write checks.
    func withGraph<Result>(_ body: (GraphView) throws -> Result) rethrows -> Result {
        try vectors.withUnsafeBufferPointer { vectors in
            try bottomLinks.withUnsafeBufferPointer { bottomLinks in
                try upperLinks.withUnsafeBufferPointer { upperLinks in
                    try upperStart.withUnsafeBufferPointer { upperStart in
                        try isDeleted.withUnsafeBufferPointer { isDeleted in
                            try body(GraphView(
                                vectors: vectors, bottomLinks: bottomLinks, upperLinks: upperLinks,
                                upperStart: upperStart, isDeleted: isDeleted, stride: stride,
                                bottomDegree: bottomDegree, upperDegree: upperDegree, metric: metric,
                                nodeCount: slotCount, hasDeletions: deletedCount > 0
                            ))
                        }
                    }
                }
            }
        }
    }

    /// Where `slot`'s list on `level` starts (its count), in `bottomLinks` for
    /// level 0 and `upperLinks` above.
    func listStart(_ slot: Int32, level: Int) -> Int {
        level == 0 ? Int(slot) * (bottomDegree + 1) : Int(upperStart[Int(slot)]) + (level - 1) * (upperDegree + 1)
    }

    mutating func setNeighbours(_ slot: Int32, level: Int, _ neighbours: [Candidate]) {
        let start = listStart(slot, level: level)
        if level == 0 {
            bottomLinks[start] = Int32(neighbours.count)
            for (i, n) in neighbours.enumerated() { bottomLinks[start + 1 + i] = n.slot }
        } else {
            upperLinks[start] = Int32(neighbours.count)
            for (i, n) in neighbours.enumerated() { upperLinks[start + 1 + i] = n.slot }
        }
    }

    /// Links a node whose vector and lists were just appended into the graph.
    mutating func link(_ slot: Int32) {
        let level = Int(levels[Int(slot)])
        guard entryPoint >= 0 else {
            entryPoint = slot
            topLevel = level
            return
        }
        let efConstruction = configuration.efConstruction
        scratchPool.withScratch(nodes: slotCount) { scratch in
            var current = entryPoint
            var distance = withGraph { $0.distance($0.vector(slot), current) }
            if level < topLevel {
                withGraph { graph in
                    for layer in Swift.stride(from: topLevel, to: level, by: -1) {
                        graph.descend(graph.vector(slot), from: &current, distance: &distance, level: layer)
                    }
                }
            }
            for layer in Swift.stride(from: min(level, topLevel), through: 0, by: -1) {
                let selected = withGraph { graph -> [Candidate] in
                    graph.searchLayer(graph.vector(slot), entry: current, ef: efConstruction, level: layer, scratch: scratch)
                    var found = scratch.results.drainNearestFirst()
                    // Everything reachable was deleted: hang on to the way in, as hnswlib does.
                    if found.isEmpty { found = [Candidate(distance: graph.distance(graph.vector(slot), current), slot: current)] }
                    return graph.selectNeighbours(found, atMost: upperDegree)
                }
                setNeighbours(slot, level: layer, selected)
                for neighbour in selected { addLink(from: neighbour.slot, to: slot, level: layer) }
                current = selected[0].slot
            }
        }
        if level > topLevel {
            entryPoint = slot
            topLevel = level
        }
    }

    /// Gives `node` a link to `newcomer` on `level`; a full list is re-chosen
    /// by the heuristic among its links and the newcomer.
    mutating func addLink(from node: Int32, to newcomer: Int32, level: Int) {
        let start = listStart(node, level: level)
        let capacity = level == 0 ? bottomDegree : upperDegree
        let count = Int(level == 0 ? bottomLinks[start] : upperLinks[start])
        if count < capacity {
            if level == 0 {
                bottomLinks[start + 1 + count] = newcomer
                bottomLinks[start] = Int32(count + 1)
            } else {
                upperLinks[start + 1 + count] = newcomer
                upperLinks[start] = Int32(count + 1)
            }
            return
        }
        let chosen = withGraph { graph -> [Candidate] in
            let base = graph.vector(node)
            var candidates = [Candidate(distance: graph.distance(base, newcomer), slot: newcomer)]
            for other in graph.neighbours(of: node, level: level) {
                candidates.append(Candidate(distance: graph.distance(base, other), slot: other))
            }
            candidates.sort { ($0.distance, $0.slot) < ($1.distance, $1.slot) }
            return graph.selectNeighbours(candidates, atMost: capacity)
        }
        setNeighbours(node, level: level, chosen)
    }
}

/// The graph seen through pointers, valid only inside `withGraph`.
struct GraphView {
    let vectors: UnsafeBufferPointer<Float>
    let bottomLinks: UnsafeBufferPointer<Int32>
    let upperLinks: UnsafeBufferPointer<Int32>
    let upperStart: UnsafeBufferPointer<Int32>
    let isDeleted: UnsafeBufferPointer<Bool>
    let stride: Int
    let bottomDegree: Int
    let upperDegree: Int
    let metric: VectorMetric
    let nodeCount: Int
    let hasDeletions: Bool

    @inline(__always)
    func vector(_ slot: Int32) -> UnsafePointer<Float> {
        vectors.baseAddress! + Int(slot) &* stride
    }

    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ slot: Int32) -> Float {
        Distance.ordering(metric, query, vector(slot), stride)
    }

    @inline(__always)
    func neighbours(of slot: Int32, level: Int) -> UnsafeBufferPointer<Int32> {
        let base = listAddress(of: slot, level: level)
        return UnsafeBufferPointer(start: base + 1, count: Int(base.pointee))
    }

    /// Where `slot`'s list on `level` starts: its count, then its nodes.
    @inline(__always)
    func listAddress(of slot: Int32, level: Int) -> UnsafePointer<Int32> {
        if level == 0 {
            let offset: Int = Int(slot) &* (bottomDegree &+ 1)
            return bottomLinks.baseAddress! + offset
        }
        let offset: Int = Int(upperStart[Int(slot)]) &+ (level &- 1) &* (upperDegree &+ 1)
        return upperLinks.baseAddress! + offset
    }

    /// Moves `current` greedily towards `query` on an upper layer until no
    /// neighbour is closer (the search with ef = 1).
    func descend(_ query: UnsafePointer<Float>, from current: inout Int32, distance: inout Float, level: Int) {
        let vectorBytes = stride &* 4
        var moved = true
        while moved {
            moved = false
            let list = neighbours(of: current, level: level)
            for neighbour in list {
                let start = UnsafeRawPointer(vector(neighbour))
                var line = 0
                while line < vectorBytes {
                    prefetch(start + line)
                    line &+= 64
                }
            }
            for neighbour in list {
                let d = self.distance(query, neighbour)
                if d < distance {
                    distance = d
                    current = neighbour
                    moved = true
                }
            }
        }
    }

    /// The `ef` nearest live nodes to `query` reachable on `level` from
    /// `entry`, left in `scratch.results` (furthest on top). Deleted nodes are
    /// walked through but never kept.
    func searchLayer(_ query: UnsafePointer<Float>, entry: Int32, ef: Int, level: Int, scratch: SearchScratch) {
        let tag = scratch.beginVisit(nodes: nodeCount)
        let marks = scratch.marks
        // The heaps live in locals for the loop (no class-property access per push).
        var candidates = CandidateHeap<NearestFirst>()
        var results = CandidateHeap<FurthestFirst>()
        swap(&candidates, &scratch.candidates)
        swap(&results, &scratch.results)
        defer {
            swap(&candidates, &scratch.candidates)
            swap(&results, &scratch.results)
        }
        candidates.removeAll()
        results.removeAll()

        let entryDistance = distance(query, entry)
        marks[Int(entry)] = tag
        var bound = Float.infinity
        if !isDeleted[Int(entry)] {
            results.push(Candidate(distance: entryDistance, slot: entry))
            bound = entryDistance
        }
        candidates.push(Candidate(distance: entryDistance, slot: entry))

        let pending = scratch.pending
        let pendingDistances = scratch.pendingDistances
        let vectorBytes = stride &* 4
        while !candidates.isEmpty {
            let nearest = candidates.top
            // Without deletions an unfilled result set has seen every candidate,
            // so the bound alone decides; with them, only a full set may stop.
            if nearest.distance > bound, results.count >= ef || !hasDeletions { break }
            candidates.pop()
            // Three passes instead of one: gather the unvisited neighbours
            // (branch-free) and ask for all their vectors at once, so the cache
            // misses overlap instead of following one another; measure them;
            // then update the heaps.
            var fresh = 0
            for neighbour in neighbours(of: nearest.slot, level: level) {
                let n = Int(neighbour)
                pending[fresh] = neighbour
                fresh &+= marks[n] == tag ? 0 : 1
                marks[n] = tag
            }
            for j in 0..<fresh {
                let start = UnsafeRawPointer(vector(pending[j]))
                var line = 0
                while line < vectorBytes {
                    prefetch(start + line)
                    line &+= 64
                }
            }
            measure(query, pending, fresh, into: pendingDistances)
            for j in 0..<fresh {
                let d = pendingDistances[j]
                if results.count < ef || d < bound {
                    let neighbour = pending[j]
                    // It may be expanded soon: fetch its list meanwhile.
                    prefetch(listAddress(of: neighbour, level: level))
                    candidates.push(Candidate(distance: d, slot: neighbour))
                    if !isDeleted[Int(neighbour)] {
                        results.push(Candidate(distance: d, slot: neighbour))
                        if results.count > ef { results.pop() }
                        bound = results.top.distance
                    }
                }
            }
        }
    }

    /// The distances from `query` to `count` nodes, the metric chosen once outside the loop.
    @inline(__always)
    func measure(_ query: UnsafePointer<Float>, _ slots: UnsafeMutablePointer<Int32>, _ count: Int, into distances: UnsafeMutablePointer<Float>) {
        switch metric {
        case .euclidean:
            for j in 0..<count { distances[j] = Distance.squaredEuclidean(query, vector(slots[j]), stride) }
        case .cosine:
            for j in 0..<count { distances[j] = 1 - Distance.dot(query, vector(slots[j]), stride) }
        }
    }

    /// The paper's heuristic (Algorithm 4, without extending or keeping
    /// pruned candidates, as hnswlib does): walking the candidates nearest
    /// first, keep one only if it is closer to the base than to every one
    /// kept so far, so the links spread in different directions.
    /// `candidates` must be sorted nearest first.
    func selectNeighbours(_ candidates: [Candidate], atMost limit: Int) -> [Candidate] {
        if candidates.count < limit { return candidates }
        var chosen: [Candidate] = []
        chosen.reserveCapacity(limit)
        for candidate in candidates {
            if chosen.count >= limit { break }
            let point = vector(candidate.slot)
            var diverse = true
            for kept in chosen where distance(point, kept.slot) < candidate.distance {
                diverse = false
                break
            }
            if diverse { chosen.append(candidate) }
        }
        return chosen
    }
}
