import BasedDiscovery
import Foundation
import Testing

@Suite("Vector index")
struct VectorIndexTests {
    @Test("recall@10 is at least 0.95 against exact search on 5,000 random 32-d vectors", arguments: VectorMetric.allCases)
    func recall(metric: VectorMetric) throws {
        let data = Fixture(count: 5_000, dimension: 32, metric: metric)
        var hits = 0
        for query in data.queries {
            let truth = Set(try data.exact.search(query, k: 10).map(\.key))
            hits += try data.index.search(query, k: 10, ef: 100).filter { truth.contains($0.key) }.count
        }
        let recall = Double(hits) / Double(10 * data.queries.count)
        #expect(recall >= 0.95, "recall@10 was \(recall)")
    }

    @Test("deleted vectors are never returned")
    func deletions() throws {
        var data = Fixture(count: 1_000, dimension: 16)
        let removed = Set(data.keys.enumerated().filter { $0.offset % 3 != 0 }.map(\.element))
        for key in removed {
            let wasThere = data.index.remove(key)
            #expect(wasThere)
        }
        #expect(data.index.count == 1_000 - removed.count)
        #expect(data.index.deletedCount == removed.count)
        for query in data.queries + data.vectors.prefix(20) {
            let found = try data.index.search(query, k: 10, ef: 40)
            #expect(found.count == 10)
            #expect(found.allSatisfy { !removed.contains($0.key) })
        }
    }

    @Test("removing an unknown key changes nothing")
    func removeUnknown() throws {
        var data = Fixture(count: 10, dimension: 4)
        let wasThere = data.index.remove(UUID())
        #expect(!wasThere)
        #expect(data.index.count == 10)
    }

    @Test("every vector removed leaves an index that finds nothing")
    func everythingRemoved() throws {
        var data = Fixture(count: 50, dimension: 4)
        for key in data.keys { data.index.remove(key) }
        #expect(try data.index.search(data.queries[0], k: 5).isEmpty)
        try data.index.insert(data.vectors[0], for: data.keys[0])
        #expect(try data.index.search(data.queries[0], k: 5).map(\.key) == [data.keys[0]])
    }

    @Test("inserting a key again replaces its vector")
    func replace() throws {
        var data = Fixture(count: 200, dimension: 8)
        let key = data.keys[0]
        let far = [Float](repeating: 50, count: 8)
        try data.index.insert(far, for: key)
        #expect(data.index.count == 200)
        #expect(data.index.vector(for: key) == far)
        #expect(try data.index.search(far, k: 1).first?.key == key)
        let nearOld = try data.index.search(data.vectors[0], k: 3).map(\.key)
        #expect(!nearOld.contains(key))
    }

    @Test("compacting drops deleted nodes and gives the index a fresh build would")
    func compaction() throws {
        var data = Fixture(count: 600, dimension: 12)
        var fresh = try VectorIndex(.init(dimension: 12, metric: .euclidean, efConstruction: 64))
        for (i, key) in data.keys.enumerated() {
            if i % 4 == 0 {
                data.index.remove(key)
            } else {
                try fresh.insert(data.vectors[i], for: key)
            }
        }
        data.index.compact()
        #expect(data.index.deletedCount == 0)
        #expect(data.index.count == fresh.count)
        #expect(data.index.encoded() == fresh.encoded())
    }

    @Test("the same seed and inserts build the same index")
    func deterministic() throws {
        let a = Fixture(count: 500, dimension: 8)
        let b = Fixture(count: 500, dimension: 8)
        #expect(a.index.encoded() == b.index.encoded())
    }

    @Test("an empty index finds nothing")
    func empty() throws {
        let index = try VectorIndex(.init(dimension: 3))
        #expect(index.isEmpty)
        #expect(try index.search([1, 2, 3], k: 10).isEmpty)
    }

    @Test("asking for more neighbours than there are returns them all, nearest first")
    func kAboveCount() throws {
        let data = Fixture(count: 5, dimension: 6)
        let found = try data.index.search(data.queries[0], k: 10)
        #expect(found.count == 5)
        #expect(found.map(\.key) == (try data.exact.search(data.queries[0], k: 10)).map(\.key))
        #expect(found.map(\.distance) == found.map(\.distance).sorted())
    }

    @Test("k of zero returns nothing")
    func kZero() throws {
        let data = Fixture(count: 5, dimension: 6)
        #expect(try data.index.search(data.queries[0], k: 0).isEmpty)
    }

    @Test("a vector or query of the wrong dimension is an error")
    func dimensionMismatch() throws {
        var data = Fixture(count: 5, dimension: 6)
        let insertion = errorCode { try data.index.insert([1, 2], for: UUID()) }
        #expect(insertion == .dimensionMismatch)
        #expect(errorCode { _ = try data.index.search([1, 2, 3, 4, 5, 6, 7], k: 3) } == .dimensionMismatch)
        #expect(data.index.count == 5)
    }

    @Test("a vector holding NaN is refused")
    func notANumber() throws {
        var index = try VectorIndex(.init(dimension: 2))
        let notANumber = errorCode { try index.insert([1, .nan], for: UUID()) }
        let infinite = errorCode { try index.insert([1, .infinity], for: UUID()) }
        #expect(notANumber == .invalidVector)
        #expect(infinite == .invalidVector)
        #expect(index.isEmpty)
    }

    @Test("an impossible configuration is refused")
    func badConfiguration() throws {
        #expect(errorCode { _ = try VectorIndex(.init(dimension: 0)) } == .invalidParameter)
        #expect(errorCode { _ = try VectorIndex(.init(dimension: 8, neighbours: 1)) } == .invalidParameter)
    }

    @Test("cosine ignores length: a scaled copy is at distance zero")
    func cosine() throws {
        var index = try VectorIndex(.init(dimension: 3, metric: .cosine))
        let a = UUID(), b = UUID()
        try index.insert([1, 0, 0], for: a)
        try index.insert([0, 1, 0], for: b)
        let found = try index.search([7, 0, 0], k: 2)
        #expect(found.map(\.key) == [a, b])
        #expect(abs(found[0].distance) < 1e-6)
        #expect(abs(found[1].distance - 1) < 1e-6)
    }

    @Test("Euclidean distances are reported unsquared")
    func euclidean() throws {
        var index = try VectorIndex(.init(dimension: 2, metric: .euclidean))
        try index.insert([3, 4], for: UUID())
        #expect(try index.search([0, 0], k: 1).first?.distance == 5)
    }

    @Test("a shared index answers searches from many tasks at once")
    func concurrentSearches() async throws {
        let data = Fixture(count: 500, dimension: 8)
        let index = data.index
        let expected = try data.queries.map { try index.search($0, k: 5).map(\.key) }
        let answers = try await withThrowingTaskGroup(of: (Int, [UUID]).self) { group in
            for (i, query) in data.queries.enumerated() {
                group.addTask { (i, try index.search(query, k: 5).map(\.key)) }
            }
            var answers = [[UUID]](repeating: [], count: data.queries.count)
            for try await (i, keys) in group { answers[i] = keys }
            return answers
        }
        #expect(answers == expected)
    }
}

/// The code of the `VectorIndexError` that `body` throws, or nil.
func errorCode(_ body: () throws -> Void) -> VectorIndexError.Code? {
    do {
        try body()
        return nil
    } catch let error as VectorIndexError {
        return error.code
    } catch {
        return nil
    }
}

/// Random vectors from a fixed seed, indexed both ways.
struct Fixture {
    var keys: [UUID] = []
    var vectors: [[Float]] = []
    var queries: [[Float]] = []
    var index: VectorIndex
    var exact: ExactVectorSearch

    init(count: Int, dimension: Int, metric: VectorMetric = .euclidean, seed: UInt64 = 7) {
        var random = TestRandom(seed: seed)
        index = try! VectorIndex(.init(dimension: dimension, metric: metric, efConstruction: 64), capacity: count)
        exact = ExactVectorSearch(dimension: dimension, metric: metric)
        for i in 0..<count {
            let vector = (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) }
            let key = UUID(number: i)
            keys.append(key)
            vectors.append(vector)
            try! index.insert(vector, for: key)
            try! exact.insert(vector, for: key)
        }
        queries = (0..<100).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) } }
    }
}

extension UUID {
    init(number: Int) {
        var bytes = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(number).bigEndian) { bytes.replaceSubrange(8..<16, with: $0) }
        self.init(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                         bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// xorshift64*, so the fixtures are the same on every run and platform.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
