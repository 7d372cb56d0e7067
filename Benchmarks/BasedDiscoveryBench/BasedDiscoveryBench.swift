import BasedDiscovery
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `make bench-ann`'s Swift half, over the files `Benchmarks/ann/bench.py generate` writes
/// (raw little-endian float32 `base.f32` and `queries.f32`, `meta.json`):
///
///     BasedDiscoveryBench truth DIR                 exact 10 nearest of each query (brute force) → DIR/truth.i32
///     BasedDiscoveryBench build DIR --index FILE    builds the HNSW index, saves it → JSON: build time, memory
///     BasedDiscoveryBench query DIR --index FILE --ef 40 [--runs 3]
///                                                   loads it, answers every query RUNS times → JSON: recall@10, times
///
/// All single-threaded. build takes --m 16 --ef-construction 200. Building and
/// querying are separate runs so the script can alternate the two tools' query
/// runs, which spreads a busy machine's noise evenly over both.
@main
struct BasedDiscoveryBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2, let directory = arguments.dropFirst().first.map({ URL(fileURLWithPath: $0) }) else {
            fail("usage: BasedDiscoveryBench truth|build|query DIR [--index FILE] [--m 16] [--ef-construction 200] [--ef 40] [--runs 3]")
        }
        var options: [String: String] = [:]
        var rest = arguments.dropFirst(2).makeIterator()
        while let name = rest.next() {
            guard name.hasPrefix("--"), let value = rest.next() else { fail("bad option \(name)") }
            options[String(name.dropFirst(2))] = value
        }
        let data = try BenchData(directory: directory)
        let indexFile = URL(fileURLWithPath: options["index"] ?? directory.appendingPathComponent("based.index").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch arguments[0] {
        case "truth":
            try writeTruth(data, to: directory.appendingPathComponent("truth.i32"))
        case "build":
            let report = try build(data, neighbours: Int(options["m"] ?? "16")!, efConstruction: Int(options["ef-construction"] ?? "200")!, to: indexFile)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case "query":
            let report = try query(
                data, indexFile: indexFile, ef: Int(options["ef"] ?? "40")!, runs: Int(options["runs"] ?? "3")!,
                truth: try data.truth(directory.appendingPathComponent("truth.i32"))
            )
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

    static func build(_ data: BenchData, neighbours: Int, efConstruction: Int, to indexFile: URL) throws -> BuildReport {
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
        try index.save(to: indexFile)
        return BuildReport(
            tool: "based", count: data.count, buildSeconds: build,
            residentBytesPerVector: Double(residentAfter - residentBefore) / Double(data.count),
            footprintBytesPerVector: Double(index.memoryFootprint) / Double(data.count)
        )
    }

    static func query(_ data: BenchData, indexFile: URL, ef: Int, runs: Int, truth: [[Int]]) throws -> QueryReport {
        let index = try VectorIndex.load(from: indexFile)
        let queries = (0..<data.queryCount).map { data.query($0) }
        var found: [[Int]] = []
        var wall: [Double] = []
        var cpu: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let cpuStart = cpuSeconds()
            found = try queries.map { try index.search($0, k: data.k, ef: ef).map(\.key.number) }
            cpu.append(cpuSeconds() - cpuStart)
            wall.append(seconds(since: start))
        }
        var hits = 0
        for (answer, exact) in zip(found, truth) { hits += Set(answer).intersection(exact).count }
        let report = QueryReport(tool: "based", ef: ef, queries: data.queryCount, recall: Double(hits) / Double(data.k * data.queryCount), wallSeconds: wall, cpuSeconds: cpu)
        log("ef \(ef): recall \(report.recall), \(Int(Double(data.queryCount) / wall.min()!)) queries/s at best")
        return report
    }

    struct BuildReport: Encodable {
        var tool: String
        var count: Int
        var buildSeconds: Double
        var residentBytesPerVector: Double
        var footprintBytesPerVector: Double
    }

    struct QueryReport: Encodable {
        var tool: String
        var ef: Int
        var queries: Int
        var recall: Double
        var wallSeconds: [Double]
        var cpuSeconds: [Double]
    }

    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
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
