import BasedDiscovery
import Foundation
import Testing

@Suite("Vector index files")
struct VectorIndexFileTests {
    static func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("based-ann-\(UUID().uuidString).bin")
    }

    @Test("an index saved and loaded gives identical results", arguments: VectorMetric.allCases)
    func roundTrip(metric: VectorMetric) throws {
        var data = Fixture(count: 800, dimension: 10, metric: metric)
        for key in data.keys.prefix(40) { data.index.remove(key) }
        let url = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try data.index.save(to: url)
        let loaded = try VectorIndex.load(from: url)
        #expect(loaded.count == data.index.count)
        #expect(loaded.deletedCount == 40)
        #expect(loaded.configuration == data.index.configuration)
        for query in data.queries {
            #expect(try loaded.search(query, k: 10, ef: 30) == data.index.search(query, k: 10, ef: 30))
        }
    }

    @Test("inserting after a load continues exactly as without the save")
    func insertAfterLoad() throws {
        var original = Fixture(count: 300, dimension: 6)
        var loaded = try VectorIndex(decoding: original.index.encoded())
        for (i, query) in original.queries.enumerated() {
            try original.index.insert(query, for: UUID(number: 10_000 + i))
            try loaded.insert(query, for: UUID(number: 10_000 + i))
        }
        #expect(loaded.encoded() == original.index.encoded())
    }

    @Test("an empty index survives a round trip")
    func emptyRoundTrip() throws {
        let index = try VectorIndex(.init(dimension: 5, metric: .euclidean))
        let loaded = try VectorIndex(decoding: index.encoded())
        #expect(loaded.isEmpty)
        #expect(loaded.configuration == index.configuration)
    }

    @Test("a truncated file is refused")
    func truncated() throws {
        let bytes = Fixture(count: 100, dimension: 4).index.encoded()
        for length in [20, 60, bytes.count / 2, bytes.count - 1] {
            #expect(errorCode { _ = try VectorIndex(decoding: bytes.prefix(length)) } == .truncated, "cut at \(length)")
        }
    }

    @Test("a damaged byte is refused")
    func damaged() throws {
        let bytes = Fixture(count: 100, dimension: 4).index.encoded()
        for position in [200, bytes.count / 2, bytes.count - 3] {
            var damaged = bytes
            damaged[position] ^= 0x10
            let result = errorCode { _ = try VectorIndex(decoding: damaged) }
            #expect(result == .corrupt || result == .truncated, "byte \(position): \(String(describing: result))")
        }
    }

    @Test("extra bytes after the index are refused")
    func trailing() throws {
        let bytes = Fixture(count: 20, dimension: 4).index.encoded()
        #expect(errorCode { _ = try VectorIndex(decoding: bytes + [0]) } == .corrupt)
    }

    @Test("a file that is not an index is refused")
    func notAnIndex() throws {
        #expect(errorCode { _ = try VectorIndex(decoding: Data("hello, world".utf8)) } == .notAnIndex)
        #expect(errorCode { _ = try VectorIndex(decoding: Data()) } == .notAnIndex)
    }

    @Test("a file from another format version is refused")
    func otherVersion() throws {
        var bytes = Fixture(count: 10, dimension: 4).index.encoded()
        bytes[8] = 2
        #expect(errorCode { _ = try VectorIndex(decoding: bytes) } == .unsupportedVersion)
    }

    @Test("a missing file is an error, not a crash")
    func missingFile() throws {
        #expect(errorCode { _ = try VectorIndex.load(from: Self.temporaryFile()) } == .fileUnreadable)
    }
}

@Suite("Exact vector search")
struct ExactVectorSearchTests {
    @Test("returns the k nearest by brute force, nearest first, ties to the earlier insert")
    func nearest() throws {
        var exact = ExactVectorSearch(dimension: 1, metric: .euclidean)
        for value in [5, 1, 9, 3, 7] as [Float] { try exact.insert([value], for: UUID(number: Int(value))) }
        let found = try exact.search([4], k: 3)
        #expect(found.map(\.key) == [UUID(number: 5), UUID(number: 3), UUID(number: 1)])
        #expect(found.map(\.distance) == [1, 1, 3])
    }

    @Test("a query of the wrong dimension is an error")
    func dimension() throws {
        let exact = ExactVectorSearch(dimension: 3, metric: .cosine)
        #expect(errorCode { _ = try exact.search([1], k: 1) } == .dimensionMismatch)
    }
}
