import Foundation

/// Exact nearest neighbours by comparing the query with every vector: the
/// ground truth the approximate index is measured against, and fine on its own
/// for a few thousand vectors.
public struct ExactVectorSearch: Sendable {
    public let dimension: Int
    public let metric: VectorMetric
    let stride: Int
    var vectors: [Float] = []
    var keys: [UUID] = []

    public init(dimension: Int, metric: VectorMetric, capacity: Int = 0) {
        precondition(dimension > 0, "a vector has at least one number")
        self.dimension = dimension
        self.metric = metric
        stride = Distance.stride(forDimension: dimension)
        vectors.reserveCapacity(capacity * stride)
        keys.reserveCapacity(capacity)
    }

    public var count: Int { keys.count }

    /// Adds a vector (stored as the index stores it: padded, and unit length for cosine).
    public mutating func insert(_ vector: [Float], for key: UUID) throws {
        guard vector.count == dimension else {
            throw VectorIndexError(.dimensionMismatch, "the search holds vectors of \(dimension) numbers; this one has \(vector.count)")
        }
        let start = vectors.count
        let stride = stride, metric = metric
        vectors.append(contentsOf: repeatElement(0, count: stride))
        vector.withUnsafeBufferPointer { source in
            vectors.withUnsafeMutableBufferPointer { all in
                Distance.store(source, metric: metric, into: all.baseAddress! + start, stride: stride)
            }
        }
        keys.append(key)
    }

    /// The `k` nearest vectors, nearest first; ties go to the earlier insert.
    public func search(_ query: [Float], k: Int) throws -> [VectorMatch] {
        guard query.count == dimension else {
            throw VectorIndexError(.dimensionMismatch, "the search holds vectors of \(dimension) numbers; this query has \(query.count)")
        }
        guard k > 0, !keys.isEmpty else { return [] }
        var padded = [Float](repeating: 0, count: stride)
        query.withUnsafeBufferPointer { source in
            padded.withUnsafeMutableBufferPointer { Distance.store(source, metric: metric, into: $0.baseAddress!, stride: stride) }
        }
        var best = CandidateHeap<FurthestFirst>()
        padded.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { all in
                for slot in 0..<keys.count {
                    let d = Distance.ordering(metric, q.baseAddress!, all.baseAddress! + slot * stride, stride)
                    if best.count < k {
                        best.push(Candidate(distance: d, slot: Int32(slot)))
                    } else if d < best.top.distance {
                        best.pop()
                        best.push(Candidate(distance: d, slot: Int32(slot)))
                    }
                }
            }
        }
        return best.drainNearestFirst().map { VectorMatch(key: keys[Int($0.slot)], distance: Distance.reported(metric, $0.distance)) }
    }
}
