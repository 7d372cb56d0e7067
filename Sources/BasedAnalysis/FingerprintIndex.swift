/// A catalogue track that a query's landmarks line up with.
public struct FingerprintMatch: Sendable, Equatable {
    public var track: Int64
    /// Seconds into the track where the query starts (0 when the query starts before it).
    public var offset: Double
    /// Query landmarks found in the track at one time offset (±1 frame): the aligned votes.
    public var score: Int
    /// Whether this is an identification to act on (see `FingerprintMatcher.isConfident`).
    public var confident: Bool

    public init(track: Int64, offset: Double, score: Int, confident: Bool) {
        self.track = track
        self.offset = offset
        self.score = score
        self.confident = confident
    }
}

/// Matching a query against catalogue postings (track, hash, time), Wang's way: every
/// posting whose hash the query holds votes for its track at the time difference
/// between the two, and a true match piles its votes on one difference while chance
/// spreads them. The query is tried at nine speeds (see `speeds`), so a recording
/// played 2 % fast or slow, resampled (pitch and tempo) or time-stretched (tempo
/// only), still lines up.
public enum FingerprintMatcher {
    /// A match is confident with at least this many aligned votes…
    public static let minimumVotes = 20
    /// …and at least this many times the votes of the best other track. Chance lines up
    /// a few landmarks of any query with some track; how many grows slowly with the
    /// catalogue (more tracks to be lucky with) and the query's length. On a held-out
    /// set (400 clips of 200 tracks not in a catalogue of 100, under every condition of
    /// the benchmark) the best chance alignment had 15 votes and never more than 2.0
    /// times the next track's, while a true 5 s clip at 0 dB SNR has a median of about 40
    /// and is at least 3 times its runner-up in 99 % of cases: so 20 votes (room for
    /// a catalogue ten times larger) and 3 times the runner-up. Two copies of one
    /// recording in a catalogue are each other's runner-up, so a caller matches against
    /// one copy per recording.
    public static let runnerUpRatio = 3.0

    /// The speed hypotheses: as recorded, then resampled (pitch and tempo) and
    /// time-stretched (tempo only) by ±1 % and ±2 %. Each covers ±0.5 %: a frame drifts
    /// by less than one in a 10 s query, a bin by less than a third.
    static let speeds: [SpeedHypothesis] = [.identity]
        + [0.98, 0.99, 1.01, 1.02].map { SpeedHypothesis(pitch: $0, tempo: $0) }
        + [0.98, 0.99, 1.01, 1.02].map { SpeedHypothesis(pitch: 1, tempo: $0) }

    /// Whether the best of ranked candidates is an identification.
    public static func isConfident(score: Int, runnerUp: Int) -> Bool {
        score >= minimumVotes && Double(score) >= runnerUpRatio * Double(runnerUp)
    }

    /// Votes on (track, time difference) for the postings whose hash occurs in the
    /// query's `queryHashes`; the best `limit` tracks, best first. Only the first can be
    /// `confident`. The same decision as `FingerprintIndex.query` over the same postings.
    public static func rank(
        query: AudioFingerprint, postings: [(track: Int64, hash: UInt32, time: UInt32)], limit: Int
    ) -> [FingerprintMatch] {
        let probes = QueryProbes(query)
        var slots: [Int64: UInt32] = [:]
        var tracks: [Int64] = []
        var votes = VoteCounter()
        for posting in postings {
            let matching = probes.range(of: posting.hash)
            guard !matching.isEmpty else { continue }
            let slot: UInt32
            if let known = slots[posting.track] {
                slot = known
            } else {
                slot = UInt32(tracks.count)
                slots[posting.track] = slot
                tracks.append(posting.track)
            }
            votes.add(slot: slot, time: posting.time, probes: probes.probes[matching])
        }
        return votes.ranked(limit: limit) { tracks[Int($0)] }
    }
}

/// A query's landmarks under every speed hypothesis, sorted by hash.
struct QueryProbes {
    struct Probe {
        var hash: UInt32
        var hypothesis: UInt8
        var time: Int32
    }

    let probes: [Probe]

    init(_ query: AudioFingerprint) {
        var probes: [Probe] = []
        if query.peaks.isEmpty {
            // A fingerprint without its peaks (decoded from stored landmarks) is matched as heard.
            probes = query.landmarks.map { Probe(hash: $0.hash, hypothesis: 0, time: Int32($0.time)) }
        } else {
            for (index, speed) in FingerprintMatcher.speeds.enumerated() {
                for landmark in Landmarks.make(from: query.peaks, speed: speed, fanout: query.fanout) {
                    probes.append(Probe(hash: landmark.hash, hypothesis: UInt8(index), time: Int32(landmark.time)))
                }
            }
        }
        probes.sort { ($0.hash, $0.hypothesis, $0.time) < ($1.hash, $1.hypothesis, $1.time) }
        // A repeated (hash, speed, time) would vote twice for the same alignment.
        var unique: [Probe] = []
        unique.reserveCapacity(probes.count)
        for probe in probes {
            if let last = unique.last, last.hash == probe.hash, last.hypothesis == probe.hypothesis, last.time == probe.time {
                continue
            }
            unique.append(probe)
        }
        self.probes = unique
    }

    /// The probes with `hash`, by binary search.
    func range(of hash: UInt32) -> Range<Int> {
        var low = 0, high = probes.count
        while low < high {
            let middle = (low + high) / 2
            if probes[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < probes.count && probes[end].hash == hash { end += 1 }
        return low..<end
    }

    /// Each distinct hash with its probes.
    func forEachHash(_ body: (UInt32, ArraySlice<Probe>) -> Void) {
        var start = 0
        while start < probes.count {
            var end = start + 1
            while end < probes.count && probes[end].hash == probes[start].hash { end += 1 }
            body(probes[start].hash, probes[start..<end])
            start = end
        }
    }
}

/// Votes as packed keys (track slot, speed hypothesis, time difference), counted by sorting.
struct VoteCounter {
    /// A time difference is stored with this bias; differences beyond ±2²⁶ frames (430 h) are dropped.
    private static let bias = 1 << 26
    /// Votes within this many frames of each other count as aligned.
    static let tolerance = 1
    private var votes: [(key: UInt64, hash: UInt32)] = []

    mutating func add(slot: UInt32, time: UInt32, probes: ArraySlice<QueryProbes.Probe>) {
        for probe in probes {
            let difference = Int(time) - Int(probe.time) + Self.bias
            guard difference >= 0 && difference < 2 * Self.bias else { continue }
            votes.append((UInt64(slot) << 32 | UInt64(probe.hypothesis) << 27 | UInt64(difference), probe.hash))
        }
    }

    /// The best window of aligned votes per track, the best `limit` tracks first (ties by
    /// track id, so the order never depends on slot numbers), the first one judged.
    mutating func ranked(limit: Int, track: (UInt32) -> Int64) -> [FingerprintMatch] {
        guard limit > 0 else { return [] }
        votes.sort { $0.key != $1.key ? $0.key < $1.key : $0.hash < $1.hash }
        var best: [(track: Int64, score: Int, difference: Int)] = []
        var runs: [(difference: Int, count: Int)] = []
        var index = 0
        while index < votes.count {
            // One group: the votes of one track at one speed.
            let group = votes[index].key >> 27
            runs.removeAll(keepingCapacity: true)
            while index < votes.count && votes[index].key >> 27 == group {
                let difference = Int(votes[index].key & (1 << 27 - 1)) - Self.bias
                if let last = runs.last, last.difference == difference {
                    // One vote per hash at one difference: a held, wavering note repeats one
                    // hash many times, and would line up with any other such note.
                    if votes[index].hash != votes[index - 1].hash { runs[runs.count - 1].count += 1 }
                } else {
                    runs.append((difference, 1))
                }
                index += 1
            }
            // The window of ±tolerance around each difference; the first one wins ties.
            var score = 0, centre = 0, low = 0, high = 0, sum = 0
            for run in runs {
                while high < runs.count && runs[high].difference <= run.difference + Self.tolerance {
                    sum += runs[high].count
                    high += 1
                }
                while runs[low].difference < run.difference - Self.tolerance {
                    sum -= runs[low].count
                    low += 1
                }
                if sum > score { (score, centre) = (sum, run.difference) }
            }
            let id = track(UInt32(group >> 5))
            if let last = best.last, last.track == id {
                if score > last.score { best[best.count - 1] = (id, score, centre) }
            } else {
                best.append((id, score, centre))
            }
        }
        best.sort { $0.score != $1.score ? $0.score > $1.score : $0.track < $1.track }
        let runnerUp = best.count > 1 ? best[1].score : 0
        return best.prefix(limit).enumerated().map { rank, entry in
            FingerprintMatch(
                track: entry.track,
                offset: max(0, Double(entry.difference) * AudioFingerprint.frameSeconds),
                score: entry.score,
                confident: rank == 0 && FingerprintMatcher.isConfident(score: entry.score, runnerUp: runnerUp)
            )
        }
    }
}

/// An in-memory catalogue of fingerprints, hash → postings, for a server process or a
/// benchmark: a table over every 20-bit hash of where its postings start in one flat
/// array (8 bytes a posting), with recent additions in a small side table merged in
/// when it grows. Its answers are `FingerprintMatcher.rank`'s over the same postings.
public struct FingerprintIndex: Sendable {
    struct Posting: Sendable {
        var slot: UInt32
        var time: UInt32
    }

    private static let tableSize = 1 << Landmarks.hashBits
    /// `postings[offsets[h]..<offsets[h + 1]]` hold hash `h`.
    private var offsets: [UInt32]
    private var postings: [Posting] = []
    private var pending: [UInt32: [Posting]] = [:]
    private var pendingCount = 0
    private var tracks: [Int64] = []
    private var slots: [Int64: UInt32] = [:]

    public init() {
        offsets = [UInt32](repeating: 0, count: Self.tableSize + 1)
    }

    /// Tracks in the index.
    public var trackCount: Int { slots.count }
    /// Landmarks (postings) in the index.
    public var landmarkCount: Int { postings.count + pendingCount }
    /// Bytes held by the table and the postings (the side table counted at 8 bytes a posting).
    public var approximateBytes: Int {
        offsets.count * MemoryLayout<UInt32>.stride + (postings.capacity + pendingCount) * MemoryLayout<Posting>.stride
            + tracks.capacity * 8 + slots.count * 16
    }

    /// Adds a track's landmarks, replacing any it had.
    public mutating func add(track: Int64, _ fingerprint: AudioFingerprint) {
        if slots[track] != nil { remove(track: track) }
        let slot = UInt32(tracks.count)
        tracks.append(track)
        slots[track] = slot
        for landmark in fingerprint.landmarks where Int(landmark.hash) < Self.tableSize {
            pending[landmark.hash, default: []].append(Posting(slot: slot, time: landmark.time))
        }
        pendingCount += fingerprint.landmarks.count
        if pendingCount > max(1 << 16, postings.count / 2) { merge() }
    }

    public mutating func remove(track: Int64) {
        guard let slot = slots.removeValue(forKey: track) else { return }
        merge(dropping: slot)
    }

    /// The best `limit` tracks for a query, best first (only the first can be confident).
    public func query(_ fingerprint: AudioFingerprint, limit: Int) -> [FingerprintMatch] {
        let probes = QueryProbes(fingerprint)
        var votes = VoteCounter()
        probes.forEachHash { hash, matching in
            guard Int(hash) < Self.tableSize else { return }
            for posting in postings[Int(offsets[Int(hash)])..<Int(offsets[Int(hash) + 1])] {
                votes.add(slot: posting.slot, time: posting.time, probes: matching)
            }
            for posting in pending[hash] ?? [] {
                votes.add(slot: posting.slot, time: posting.time, probes: matching)
            }
        }
        return votes.ranked(limit: limit) { tracks[Int($0)] }
    }

    /// Rebuilds the flat table from it and the side table by counting sort, leaving out `slot`.
    private mutating func merge(dropping slot: UInt32? = nil) {
        var counts = [UInt32](repeating: 0, count: Self.tableSize + 1)
        for hash in 0..<Self.tableSize {
            var count = 0
            for posting in postings[Int(offsets[hash])..<Int(offsets[hash + 1])] where posting.slot != slot { count += 1 }
            for posting in pending[UInt32(hash)] ?? [] where posting.slot != slot { count += 1 }
            counts[hash + 1] = counts[hash] + UInt32(count)
        }
        var merged = [Posting]()
        merged.reserveCapacity(Int(counts[Self.tableSize]))
        for hash in 0..<Self.tableSize {
            for posting in postings[Int(offsets[hash])..<Int(offsets[hash + 1])] where posting.slot != slot {
                merged.append(posting)
            }
            for posting in pending[UInt32(hash)] ?? [] where posting.slot != slot { merged.append(posting) }
        }
        offsets = counts
        postings = merged
        pending = [:]
        pendingCount = 0
    }
}
