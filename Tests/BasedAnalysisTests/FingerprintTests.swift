@testable import BasedAnalysis
import Foundation
import Testing

/// Landmark fingerprints of synthetic melodies: a clip finds its track and where in it
/// it starts, through noise, MP3 and a change of speed, and nothing else is claimed.
@Suite("Audio fingerprints")
struct FingerprintTests {
    static let rate = 22_050.0

    /// A melody of `seed`'s own: notes of 0.12–0.4 s on a pentatonic scale over four
    /// octaves, each with three harmonics and a decaying envelope, over a bass line at
    /// a tempo of its own, all in a tuning of its own (as two recordings would differ).
    static func melody(seed: UInt64) -> (Double) -> Double {
        let random = NoiseState(seed: seed &* 7919 &+ 3)
        let tonic = 200 + 60 * abs(random.next())
        let period = 0.55 + 0.4 * abs(random.next())
        var notes: [(start: Double, length: Double, hz: Double)] = []
        var time = 0.0
        let scale = [0, 2, 4, 7, 9]
        while time < 120 {
            let length = 0.12 + 0.28 * abs(random.next())
            let step = Int(abs(random.next()) * 20)
            let semitones = Double(12 * (step / 5) + scale[step % 5])
            notes.append((time, length, tonic * pow(2, semitones / 12)))
            time += length
        }
        let bass = (0..<300).map { _ in tonic / 4 * pow(2, Double(Int(abs(random.next()) * 12)) / 12) }
        return { t in
            // Notes are in time order and back to back: find this one by binary search.
            var low = 0, high = notes.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if notes[middle].start <= t { low = middle } else { high = middle - 1 }
            }
            let note = notes[low]
            let since = t - note.start
            let envelope = exp(-since * 6) * min(1, since * 200)
            var value = 0.0
            for harmonic in 1...3 {
                value += sin(2 * .pi * note.hz * Double(harmonic) * t) / Double(harmonic)
            }
            let beat = Int(t / period)
            let bassValue = 0.3 * sin(2 * .pi * bass[beat % bass.count] * t) * exp(-(t - Double(beat) * period) * 3)
            return 0.3 * envelope * value + bassValue
        }
    }

    static func render(_ signal: (Double) -> Double, from start: Double = 0, seconds: Double, speed: Double = 1) -> [Float] {
        let count = Int(seconds * rate)
        return (0..<count).map { Float(signal(start + Double($0) / rate * speed)) }
    }

    static func fingerprint(_ samples: [Float]) -> AudioFingerprint {
        AudioFingerprint(samples: samples, sampleRate: Int(rate))
    }

    /// An index of five 30-second melodies, tracks 1…5 (seeds 1…5).
    static let catalogue: [AudioFingerprint] = (1...5).map { fingerprint(render(melody(seed: UInt64($0)), seconds: 30)) }

    static var index: FingerprintIndex {
        var index = FingerprintIndex()
        for (number, fingerprint) in catalogue.enumerated() { index.add(track: Int64(number + 1), fingerprint) }
        return index
    }

    static func addNoise(_ samples: [Float], snr: Double, seed: UInt64 = 11) -> [Float] {
        let state = NoiseState(seed: seed)
        let noise = samples.map { _ in Float(state.next()) }
        let signalPower = samples.reduce(0) { $0 + Double($1) * Double($1) }
        let noisePower = noise.reduce(0) { $0 + Double($1) * Double($1) }
        let gain = Float((signalPower / noisePower / pow(10, snr / 10)).squareRoot())
        return zip(samples, noise).map { $0 + gain * $1 }
    }

    @Test("a track matches itself at offset zero, confidently")
    func itself() throws {
        let matches = Self.index.query(Self.catalogue[2], limit: 3)
        let best = try #require(matches.first)
        #expect(best.track == 3)
        #expect(best.offset < 0.05)
        #expect(best.confident)
        #expect(best.score > 10 * (matches.count > 1 ? matches[1].score : 1))
    }

    @Test("a clip cut from the middle matches at the offset it was cut from")
    func clipOffset() throws {
        let clip = Self.fingerprint(Self.render(Self.melody(seed: 4), from: 12.345, seconds: 6))
        let best = try #require(Self.index.query(clip, limit: 1).first)
        #expect(best.track == 4)
        #expect(abs(best.offset - 12.345) < 0.05)
        #expect(best.confident)
    }

    @Test("a clip under white noise at 0 dB SNR still matches", arguments: [10.0, 0.0])
    func noisy(snr: Double) throws {
        let clip = Self.addNoise(Self.render(Self.melody(seed: 2), from: 20, seconds: 6), snr: snr)
        let best = try #require(Self.index.query(Self.fingerprint(clip), limit: 1).first)
        #expect(best.track == 2)
        #expect(abs(best.offset - 20) < 0.05)
        #expect(best.confident)
    }

    @Test("a clip played 2 % fast or slow (pitch and tempo) still matches", arguments: [1.02, 0.98])
    func speed(factor: Double) throws {
        let clip = Self.render(Self.melody(seed: 5), from: 8, seconds: 6, speed: factor)
        let best = try #require(Self.index.query(Self.fingerprint(clip), limit: 1).first)
        #expect(best.track == 5)
        #expect(abs(best.offset - 8) < 0.1)
        #expect(best.confident)
    }

    @Test("a melody not in the catalogue is not matched confidently")
    func stranger() {
        for seed in [41, 42, 43] as [UInt64] {
            let clip = Self.fingerprint(Self.render(Self.melody(seed: seed), from: 3, seconds: 8))
            #expect(clip.landmarks.count >= AudioFingerprint.minimumQueryLandmarks)
            #expect(Self.index.query(clip, limit: 1).first?.confident != true)
        }
    }

    @Test("a clip hashed at query density keeps more peaks, finds more aligned votes under noise, and still leaves a stranger unmatched")
    func queryDensity() throws {
        let clean = Self.render(Self.melody(seed: 3), from: 10, seconds: 6)
        let noisy = Self.addNoise(clean, snr: 0, seed: 5)
        let sparse = AudioFingerprint(samples: noisy, sampleRate: Int(Self.rate))
        let dense = AudioFingerprint(samples: noisy, sampleRate: Int(Self.rate), density: .query)
        #expect(dense.peaks.count > sparse.peaks.count)
        #expect(dense.fanout == FingerprintDensity.query.fanout && sparse.fanout == FingerprintDensity.catalogue.fanout)
        // The catalogue's peaks are a subset of the denser clip's.
        #expect(Set(sparse.peaks).isSubset(of: Set(dense.peaks)))
        let sparseBest = try #require(Self.index.query(sparse, limit: 1).first)
        let denseBest = try #require(Self.index.query(dense, limit: 1).first)
        #expect(denseBest.track == 3 && sparseBest.track == 3)
        #expect(denseBest.score > sparseBest.score)
        #expect(abs(denseBest.offset - 10) < 0.05)
        for seed in [41, 42, 43] as [UInt64] {
            let stranger = AudioFingerprint(samples: Self.render(Self.melody(seed: seed), from: 3, seconds: 8), sampleRate: Int(Self.rate), density: .query)
            #expect(Self.index.query(stranger, limit: 1).first?.confident != true)
        }
    }

    @Test("silence and near-silence give fewer landmarks than a query needs")
    func silence() {
        let silent = Self.fingerprint([Float](repeating: 0, count: 5 * 22_050))
        #expect(silent.landmarks.isEmpty)
        #expect(abs(silent.duration - 5) < 0.01)
        let hiss = Self.fingerprint(Self.render(Signals.noise(amplitude: 1e-5), seconds: 5))
        #expect(hiss.landmarks.count < AudioFingerprint.minimumQueryLandmarks)
        #expect(Self.index.query(silent, limit: 3).isEmpty)
        #expect(AudioFingerprint(samples: [], sampleRate: 44_100).landmarks.isEmpty)
    }

    @Test("the same samples give the same fingerprint, at a moderate density")
    func determinism() {
        let samples = Self.render(Self.melody(seed: 9), seconds: 20)
        let first = Self.fingerprint(samples), second = Self.fingerprint(samples)
        #expect(first == second)
        let perSecond = Double(first.landmarks.count) / first.duration
        #expect(perSecond > 40 && perSecond < 200)
        #expect(first.landmarks.allSatisfy { $0.hash < 1 << 20 })
    }

    @Test("the same music at 44.1 kHz matches the catalogue made at 22,050 Hz")
    func sampleRate() throws {
        let signal = Self.melody(seed: 1)
        let samples = (0..<(6 * 44_100)).map { Float(signal(4 + Double($0) / 44_100)) }
        let best = try #require(Self.index.query(AudioFingerprint(samples: samples, sampleRate: 44_100), limit: 1).first)
        #expect(best.track == 1)
        #expect(abs(best.offset - 4) < 0.05)
        #expect(best.confident)
    }

    @Test("ranking a database's postings gives the index's answer")
    func rankAgreesWithIndex() {
        var postings: [(track: Int64, hash: UInt32, time: UInt32)] = []
        for (number, fingerprint) in Self.catalogue.enumerated() {
            postings += fingerprint.landmarks.map { (Int64(number + 1), $0.hash, $0.time) }
        }
        let queries = [
            Self.fingerprint(Self.addNoise(Self.render(Self.melody(seed: 3), from: 5, seconds: 5), snr: 3)),
            Self.fingerprint(Self.render(Self.melody(seed: 42), seconds: 5)),
        ]
        for query in queries {
            let hashes = Set(query.queryHashes)
            let fetched = postings.filter { hashes.contains($0.hash) }.reversed()
            #expect(FingerprintMatcher.rank(query: query, postings: Array(fetched), limit: 4) == Self.index.query(query, limit: 4))
        }
    }

    @Test("a removed track is no longer found, and adding it again replaces it")
    func remove() throws {
        var index = Self.index
        index.remove(track: 3)
        #expect(index.trackCount == 4)
        #expect(index.query(Self.catalogue[2], limit: 1).first?.track != 3)
        index.add(track: 3, Self.catalogue[2])
        index.add(track: 3, Self.catalogue[2])
        #expect(index.landmarkCount == Self.catalogue.reduce(0) { $0 + $1.landmarks.count })
        #expect(try #require(index.query(Self.catalogue[2], limit: 1).first).track == 3)
    }

    @Test("a file ffmpeg decodes (MP3 at 64 kbit/s) is fingerprinted and matches")
    func file() async throws {
        let raw = FileManager.default.temporaryDirectory.appendingPathComponent("based-fingerprint-\(getpid()).f32")
        let samples = Self.render(Self.melody(seed: 2), from: 10, seconds: 6)
        try samples.withUnsafeBufferPointer { try Data(buffer: $0).write(to: raw) }
        defer { try? FileManager.default.removeItem(at: raw) }
        let path = try FileAnalysisTests.makeFile("fingerprint.mp3", [
            "-f", "f32le", "-ar", "22050", "-ac", "1", "-i", raw.path, "-ac", "2", "-ar", "44100", "-b:a", "64k",
        ])
        let fingerprint = try await AudioAnalysis.fingerprint(fileAt: path)
        #expect(abs(fingerprint.duration - 6) < 0.1)
        let best = try #require(Self.index.query(fingerprint, limit: 1).first)
        #expect(best.track == 2)
        #expect(abs(best.offset - 10) < 0.1)
        #expect(best.confident)
    }
}
