import BasedDiscovery
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `make bench-ann`'s Swift half, over the files `Benchmarks/ann/bench.py generate` writes
/// (raw little-endian float32 `base.f32` and `queries.f32`, `meta.json`):
///
///     BasedDiscoveryBench truth DIR      exact 10 nearest of each query (brute force) → DIR/truth.i32
///     BasedDiscoveryBench measure DIR    build the HNSW index, then recall@10 and queries/s per ef → JSON on stdout
///
/// Both single-threaded. Options for measure: --m 16 --ef-construction 200 --efs 10,20,40,80,160 --runs 3.
@main
struct BasedDiscoveryBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let directory = arguments.dropFirst().first.map({ URL(fileURLWithPath: $0) }) else {
            fail("usage: BasedDiscoveryBench truth|measure DIR [--m 16] [--ef-construction 200] [--efs 10,20,40,80,160] [--runs 3]")
        }
        var options: [String: String] = [:]
        var rest = arguments.dropFirst(2).makeIterator()
        while let name = rest.next() {
            guard name.hasPrefix("--"), let value = rest.next() else { fail("bad option \(name)") }
            options[String(name.dropFirst(2))] = value
        }
        let data = try BenchData(directory: directory)
        switch arguments[0] {
        case "truth":
            try writeTruth(data, to: directory.appendingPathComponent("truth.i32"))
        case "measure":
            let report = try measure(
                data,
                neighbours: Int(options["m"] ?? "16")!,
                efConstruction: Int(options["ef-construction"] ?? "200")!,
                efs: (options["efs"] ?? "10,20,40,80,160").split(separator: ",").map { Int($0)! },
                runs: Int(options["runs"] ?? "3")!,
                truth: try data.truth(directory.appendingPathComponent("truth.i32"))
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        default:
            fail("unknown mode \(arguments[0])")
        }
    }

    static func writeTruth(_ data: BenchData, to url: URL) throws {
        let start = ContinuousClock.now
        var exact = ExactVectorSearch(dimension: data.dimension, metric: .euclidean, capacity: data.count)
        for i in 0..<data.count { try exact.insert(data.base(i), for: UUID(number: i)) }
        var truth: [Int32] = []
        truth.reserveCapacity(data.queryCount * data.k)
        for q in 0..<data.queryCount {
            let found = try exact.search(data.query(q), k: data.k)
            truth += found.map { Int32($0.key.number) }
        }
        try truth.withUnsafeBytes { try Data($0).write(to: url) }
        log("exact ground truth for \(data.queryCount) queries over \(data.count) vectors in \(seconds(since: start)) s")
    }

    static func measure(_ data: BenchData, neighbours: Int, efConstruction: Int, efs: [Int], runs: Int, truth: [[Int]]) throws -> Report {
        let residentBefore = residentBytes()
        var index = try VectorIndex(
            .init(dimension: data.dimension, metric: .euclidean, neighbours: neighbours, efConstruction: efConstruction),
            capacity: data.count
        )
        let start = ContinuousClock.now
        for i in 0..<data.count {
            try index.insert(data.base(i), for: UUID(number: i))
            if (i + 1) % 100_000 == 0 { log("inserted \(i + 1) in \(seconds(since: start)) s") }
        }
        let build = seconds(since: start)
        let residentAfter = residentBytes()
        log("built \(data.count) in \(build) s")

        let queries = (0..<data.queryCount).map { data.query($0) }
        var rows: [Report.Row] = []
        for ef in efs {
            var found: [[Int]] = []
            var times: [Double] = []
            for _ in 0..<runs {
                let t = ContinuousClock.now
                found = try queries.map { try index.search($0, k: data.k, ef: ef).map(\.key.number) }
                times.append(seconds(since: t))
            }
            var hits = 0
            for (answer, exact) in zip(found, truth) { hits += Set(answer).intersection(exact).count }
            let median = times.sorted()[times.count / 2]
            rows.append(.init(ef: ef, recall: Double(hits) / Double(data.k * data.queryCount), queriesPerSecond: Double(data.queryCount) / median))
            log("ef \(ef): recall \(rows.last!.recall), \(Int(rows.last!.queriesPerSecond)) queries/s")
        }
        return Report(
            tool: "based", count: data.count, buildSeconds: build,
            residentBytesPerVector: Double(residentAfter - residentBefore) / Double(data.count),
            footprintBytesPerVector: Double(index.memoryFootprint) / Double(data.count),
            rows: rows
        )
    }

    struct Report: Encodable {
        struct Row: Encodable {
            var ef: Int
            var recall: Double
            var queriesPerSecond: Double
        }

        var tool: String
        var count: Int
        var buildSeconds: Double
        var residentBytesPerVector: Double
        var footprintBytesPerVector: Double
        var rows: [Row]
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("BasedDiscoveryBench: \(message)\n".utf8))
    }

    static func fail(_ message: String) -> Never {
        log(message)
        exit(2)
    }
}

/// The vectors `bench.py generate` wrote.
struct BenchData {
    var dimension: Int
    var count: Int
    var queryCount: Int
    var k: Int
    var vectors: [Float]
    var queries: [Float]

    struct Meta: Decodable {
        var n: Int
        var dimension: Int
        var queries: Int
        var k: Int
    }

    init(directory: URL) throws {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: directory.appendingPathComponent("meta.json")))
        dimension = meta.dimension
        count = meta.n
        queryCount = meta.queries
        k = meta.k
        vectors = try Self.floats(directory.appendingPathComponent("base.f32"), count: count * dimension)
        queries = try Self.floats(directory.appendingPathComponent("queries.f32"), count: queryCount * dimension)
    }

    func base(_ i: Int) -> [Float] { Array(vectors[i * dimension..<(i + 1) * dimension]) }
    func query(_ i: Int) -> [Float] { Array(queries[i * dimension..<(i + 1) * dimension]) }

    func truth(_ url: URL) throws -> [[Int]] {
        let data = try Data(contentsOf: url)
        precondition(data.count == queryCount * k * 4, "truth.i32 does not match meta.json: run truth again")
        let flat = data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        return (0..<queryCount).map { q in flat[q * k..<(q + 1) * k].map(Int.init) }
    }

    static func floats(_ url: URL, count: Int) throws -> [Float] {
        let data = try Data(contentsOf: url)
        precondition(data.count == count * 4, "\(url.lastPathComponent) holds \(data.count) bytes, expected \(count * 4)")
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

extension UUID {
    /// The bench's vector number as a key (in the last eight bytes), and back.
    init(number: Int) {
        var bytes = uuid_t(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { $0.storeBytes(of: UInt64(number).bigEndian, toByteOffset: 8, as: UInt64.self) }
        self.init(uuid: bytes)
    }

    var number: Int {
        withUnsafeBytes(of: uuid) { Int(UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
    }
}
