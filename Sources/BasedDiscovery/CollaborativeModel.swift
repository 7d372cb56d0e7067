import CBLAS
import Foundation

/// What similar listeners did, as an item-to-item model: EASE (Steck, "Embarrassingly
/// Shallow Autoencoders for Sparse Data", WWW 2019). Training solves one ridge
/// regression of every item on all the others in closed form,
/// `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹` and a zero diagonal,
/// by a Cholesky factorisation and inverse from LAPACK. A listener's scores are
/// their interactions times `B` (BLAS `saxpy` over the rows they touched), so a
/// play made a second ago counts at once: folding in new interactions needs no
/// retraining, only the items themselves must be in the model.
///
/// The model is dense in the number of items (4 bytes × items²), so training
/// keeps the `maxItems` items most users touched; the rest are left to the
/// audio side of discovery.
public struct CollaborativeModel<Item: Hashable & Sendable>: Sendable {
    public struct Settings: Sendable, Equatable {
        /// The ridge penalty; larger favours popular items less.
        public var lambda: Double
        /// The most items kept (the most-touched ones).
        public var maxItems: Int
        /// Items touched by fewer users are left out.
        public var minUsers: Int

        public init(lambda: Double = 200, maxItems: Int = 4_096, minUsers: Int = 1) {
            self.lambda = lambda
            self.maxItems = maxItems
            self.minUsers = minUsers
        }
    }

    /// The model's items, in the order of `weights`' rows and columns.
    public let items: [Item]
    private let positions: [Item: Int]
    /// `B`, row-major: row `i` is what interacting with item `i` adds to every item's score.
    private let weights: [Float]

    public var count: Int { items.count }

    public func contains(_ item: Item) -> Bool { positions[item] != nil }

    /// Trains on each user's interactions (an item at most once per user, with
    /// its weight). Users are anonymous here: only their co-occurrences matter.
    public init(training users: [[(item: Item, weight: Float)]], settings: Settings = .init()) throws(DiscoveryError) {
        guard settings.lambda > 0, settings.lambda.isFinite else { throw .invalidSetting("lambda must be positive") }
        guard settings.maxItems > 0 else { throw .invalidSetting("maxItems must be positive") }
        // Items by how many users touched them, most first; first appearance breaks ties.
        var userCounts: [Item: (count: Int, first: Int)] = [:]
        var order = 0
        for user in users {
            for (item, _) in user {
                userCounts[item, default: (0, order)].count += 1
                order += 1
            }
        }
        let kept = userCounts.filter { $0.value.count >= settings.minUsers }
            .sorted { ($0.value.count, -$0.value.first) > ($1.value.count, -$1.value.first) }
            .prefix(settings.maxItems)
            .map(\.key)
        items = kept
        positions = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element, $0.offset) })
        let n = kept.count
        guard n > 0 else {
            weights = []
            return
        }
        // XᵀX from the sparse rows: each user adds the products of their items'
        // weights; only the upper triangle (column-major, for LAPACK) is filled.
        var gram = [Double](repeating: 0, count: n * n)
        var row: [(position: Int, weight: Double)] = []
        for user in users {
            row.removeAll(keepingCapacity: true)
            for (item, weight) in user {
                if let position = positions[item] { row.append((position, Double(weight))) }
            }
            row.sort { $0.position < $1.position }
            gram.withUnsafeMutableBufferPointer { gram in
                for a in row.indices {
                    let (i, wi) = row[a]
                    for b in a..<row.count {
                        let (j, wj) = row[b]
                        gram[j * n + i] += wi * wj   // column j, row i ≤ j
                    }
                }
            }
        }
        for i in 0..<n { gram[i * n + i] += settings.lambda }
        // P = (XᵀX + λI)⁻¹ by Cholesky: symmetric positive definite for any λ > 0.
        let info = gram.withUnsafeMutableBufferPointer { matrix -> Int32 in
            let factorised = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), matrix.baseAddress, Int32(n))
            guard factorised == 0 else { return factorised }
            return LAPACKE_dpotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), matrix.baseAddress, Int32(n))
        }
        guard info == 0 else { throw .numerical("the Cholesky inverse failed (LAPACK info \(info))") }
        // B[i][j] = −P[i][j] / P[j][j], zero diagonal; P's upper triangle holds
        // P[i][j] for i ≤ j at column j, row i.
        var b = [Float](repeating: 0, count: n * n)
        gram.withUnsafeBufferPointer { p in
            b.withUnsafeMutableBufferPointer { b in
                for j in 0..<n {
                    let scale = -1 / p[j * n + j]
                    for i in 0..<n where i != j {
                        let pij = i <= j ? p[j * n + i] : p[i * n + j]
                        b[i * n + j] = Float(pij * scale)
                    }
                }
            }
        }
        weights = b
    }

    /// Every model item's score for a listener with these interactions (items
    /// outside the model are ignored).
    public func scores(for history: some Sequence<(item: Item, weight: Float)>) -> [Float] {
        let n = items.count
        var scores = [Float](repeating: 0, count: n)
        guard n > 0 else { return scores }
        weights.withUnsafeBufferPointer { b in
            scores.withUnsafeMutableBufferPointer { s in
                for (item, weight) in history {
                    guard let i = positions[item], weight != 0 else { continue }
                    cblas_saxpy(Int32(n), weight, b.baseAddress! + i * n, 1, s.baseAddress, 1)
                }
            }
        }
        return scores
    }

    /// The `count` best items for the history, best first, leaving out what it
    /// already holds and anything `excluded` says. Items scoring zero or less
    /// (nothing links them to the history) come only when `positiveOnly` is false.
    public func recommend(
        for history: [(item: Item, weight: Float)], count: Int, positiveOnly: Bool = true, excluding excluded: (Item) -> Bool = { _ in false }
    ) -> [(item: Item, score: Float)] {
        guard count > 0 else { return [] }
        let scores = scores(for: history)
        var best = BestOf<Int>(count)
        var held = [Bool](repeating: false, count: items.count)
        for (item, _) in history {
            if let position = positions[item] { held[position] = true }
        }
        for (position, score) in scores.enumerated() where (score > 0 || !positiveOnly) && !held[position] && !excluded(items[position]) {
            best.offer(position, score: Double(score))
        }
        // Equal scores by position, so the same history ranks the same.
        return best.sorted().sorted { $0.score != $1.score ? $0.score > $1.score : $0.element < $1.element }
            .map { (items[$0.element], Float($0.score)) }
    }

    /// How much each of a history's interactions counts, oldest first: the
    /// newest counts 1 and the weight halves every `halfLife` interactions back,
    /// down to `floor`. Recent listening says more about what comes next.
    public static func recencyWeights(count: Int, halfLife: Double, floor: Double) -> [Float] {
        (0..<count).map { index in
            let age = Double(count - 1 - index)
            return Float(floor + (1 - floor) * exp2(-age / halfLife))
        }
    }
}
