import BasedAnalysis
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `make bench-fingerprint`'s Swift half (release build, one thread):
///
///     BasedFingerprintBench MANIFEST.json RESULTS.json
///
/// MANIFEST (written by scripts/fingerprint/make_queries.py) lists the catalogue's files,
/// the catalogue sizes to measure, the clip queries and the whole-file queries, each
/// with the catalogue index it comes from (-1 for a track not in the catalogue). The
/// catalogue is fingerprinted from its files, then for each size an index of the first
/// SIZE tracks answers every query; RESULTS holds each answer and the timings, which
/// the script's report turns into the table.
struct Manifest: Decodable {
    struct Query: Decodable {
        var file: String
        var track: Int
        var condition: String
        var offset: Double?
    }

    var catalogue: [String]
    var sizes: [Int]
    var queries: [Query]
    var wholeFiles: [Query]
}

struct Answer: Encodable {
    var file: String
    var condition: String
    var truth: Int
    var truthOffset: Double?
    var found: Int?
    var score: Int
    var runnerUp: Int
    var offset: Double?
    var confident: Bool
    var landmarks: Int
    var fingerprintMs: Double
    var queryMs: Double
}

struct SizeRun: Encodable {
    var tracks: Int
    var landmarks: Int
    var buildSeconds: Double
    var indexMB: Double
    var queryMsP50: Double
    var queryMsP95: Double
    var queryMsMax: Double
    var answers: [Answer]?
    var wholeFileAnswers: [Answer]?
}

struct Results: Encodable {
    var version: String
    var landmarksPerSecond: Double
    var peaksPerSecond: Double
    var catalogueSeconds: Double
    var fingerprintSecondsPerTrack: Double
    var rankAgreesWithIndex: Bool
    var minimumVotes: Int
    var runnerUpRatio: Double
    var runs: [SizeRun]
}

enum BasedFingerprintBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2 else { fail("usage: BasedFingerprintBench MANIFEST.json RESULTS.json") }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[0])))

        // The catalogue.
        var catalogue: [AudioFingerprint] = []
        let start = ContinuousClock.now
        for (number, path) in manifest.catalogue.enumerated() {
            catalogue.append(try await AudioAnalysis.fingerprint(fileAt: path))
            if (number + 1) % 200 == 0 { log("fingerprinted \(number + 1) tracks in \(seconds(since: start)) s") }
        }
        let fingerprinting = seconds(since: start)
        let audio = catalogue.reduce(0) { $0 + $1.duration }
        let landmarks = catalogue.reduce(0) { $0 + $1.landmarks.count }
        let peaks = catalogue.reduce(0) { $0 + $1.peaks.count }
        log("catalogue: \(catalogue.count) tracks, \(Int(audio)) s of audio, \(landmarks) landmarks in \(fingerprinting) s")

        // The queries, fingerprinted once (timed each).
        // Clips as `POST /identify` hashes them (denser); whole files as an upload's check does.
        let queries = try await fingerprints(of: manifest.queries, density: .query)
        let wholeFiles = try await fingerprints(of: manifest.wholeFiles, density: .catalogue)

        var runs: [SizeRun] = []
        var agrees = true
        for size in manifest.sizes.sorted() where size <= catalogue.count {
            var index = FingerprintIndex()
            let building = ContinuousClock.now
            for track in 0..<size { index.add(track: Int64(track), catalogue[track]) }
            let buildSeconds = seconds(since: building)
            let last = size == manifest.sizes.max()
            var answers: [Answer] = []
            // Two passes over the clips, the first to warm caches; the second is timed.
            for _ in 0..<2 {
                answers = []
                for (query, fingerprint) in zip(manifest.queries, queries) {
                    answers.append(answer(query, fingerprint, index: index, catalogueSize: size))
                }
            }
            let times = answers.map(\.queryMs).sorted()
            var run = SizeRun(
                tracks: size, landmarks: index.landmarkCount, buildSeconds: buildSeconds,
                indexMB: Double(index.approximateBytes) / 1_048_576,
                queryMsP50: percentile(times, 0.5), queryMsP95: percentile(times, 0.95), queryMsMax: times.last ?? 0
            )
            log("\(size) tracks: built in \(buildSeconds) s, query p50 \(run.queryMsP50) ms p95 \(run.queryMsP95) ms")
            if last {
                run.answers = answers
                run.wholeFileAnswers = zip(manifest.wholeFiles, wholeFiles).map {
                    answer($0, $1, index: index, catalogueSize: size)
                }
                agrees = rankAgrees(queries.prefix(100).map(\.fingerprint), catalogue: Array(catalogue.prefix(size)), index: index)
            }
            runs.append(run)
        }
        let results = Results(
            version: AudioFingerprint.version, landmarksPerSecond: Double(landmarks) / audio, peaksPerSecond: Double(peaks) / audio,
            catalogueSeconds: audio, fingerprintSecondsPerTrack: fingerprinting / Double(max(1, catalogue.count)),
            rankAgreesWithIndex: agrees, minimumVotes: FingerprintMatcher.minimumVotes,
            runnerUpRatio: FingerprintMatcher.runnerUpRatio, runs: runs
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: arguments[1]))
    }

    /// Two at a time (ffmpeg's start-up overlaps), each timed from the start of its decode.
    static func fingerprints(of queries: [Manifest.Query], density: FingerprintDensity) async throws -> [(fingerprint: AudioFingerprint, ms: Double)] {
        try await withThrowingTaskGroup(of: (Int, AudioFingerprint, Double).self) { group in
            var result = [(fingerprint: AudioFingerprint, ms: Double)?](repeating: nil, count: queries.count)
            var next = 0
            func start() {
                guard next < queries.count else { return }
                let number = next, path = queries[number].file
                next += 1
                group.addTask {
                    let start = ContinuousClock.now
                    let fingerprint = try await AudioAnalysis.fingerprint(fileAt: path, density: density)
                    return (number, fingerprint, seconds(since: start) * 1000)
                }
            }
            start()
            start()
            while let (number, fingerprint, ms) = try await group.next() {
                result[number] = (fingerprint, ms)
                start()
            }
            return result.map { $0! }
        }
    }

    static func answer(
        _ query: Manifest.Query, _ fingerprint: (fingerprint: AudioFingerprint, ms: Double), index: FingerprintIndex, catalogueSize: Int
    ) -> Answer {
        let start = ContinuousClock.now
        let matches = index.query(fingerprint.fingerprint, limit: 2)
        let ms = seconds(since: start) * 1000
        let best = matches.first
        return Answer(
            file: query.file, condition: query.condition, truth: query.track < catalogueSize ? query.track : -1,
            truthOffset: query.offset, found: best.map { Int($0.track) }, score: best?.score ?? 0,
            runnerUp: matches.count > 1 ? matches[1].score : 0, offset: best?.offset, confident: best?.confident ?? false,
            landmarks: fingerprint.fingerprint.landmarks.count, fingerprintMs: fingerprint.ms, queryMs: ms
        )
    }

    /// `FingerprintMatcher.rank` over the postings a database would return gives the index's answers.
    static func rankAgrees(_ queries: [AudioFingerprint], catalogue: [AudioFingerprint], index: FingerprintIndex) -> Bool {
        var postings: [UInt32: [(track: Int64, hash: UInt32, time: UInt32)]] = [:]
        for (track, fingerprint) in catalogue.enumerated() {
            for landmark in fingerprint.landmarks {
                postings[landmark.hash, default: []].append((Int64(track), landmark.hash, landmark.time))
            }
        }
        for query in queries {
            let fetched = query.queryHashes.flatMap { postings[$0] ?? [] }
            if FingerprintMatcher.rank(query: query, postings: fetched, limit: 5) != index.query(query, limit: 5) { return false }
        }
        return true
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("bench-fingerprint: \(message)\n".utf8))
    }

    static func fail(_ message: String) -> Never {
        log(message)
        exit(2)
    }
}

try await BasedFingerprintBench.main()
