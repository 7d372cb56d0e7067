import Foundation

/// One hash of a pair of spectral peaks and the time of its first peak, in frames of
/// `AudioFingerprint.frameSeconds`: what a catalogue stores per track and indexes by hash.
public struct Landmark: Sendable, Hashable, Codable {
    public var hash: UInt32
    public var time: UInt32

    public init(hash: UInt32, time: UInt32) {
        self.hash = hash
        self.time = time
    }
}

/// A local maximum of the spectrogram kept for hashing: its frame and its frequency in
/// FFT bins, refined between bins, so that a query can be hashed again at another speed.
public struct FingerprintPeak: Sendable, Hashable, Codable {
    public var time: UInt32
    public var bin: Float

    public init(time: UInt32, bin: Float) {
        self.time = time
        self.bin = bin
    }
}

/// A recording's landmark fingerprint in the style of Wang (2003), "An Industrial-Strength
/// Audio Search Algorithm": the strongest spectral peaks of mono audio at 11,025 Hz,
/// paired into hashes of (first peak's frequency, frequency step, time step).
///
/// About 18 peaks and 125 landmarks per second of music (8 bytes each in memory, about
/// 60 KB per minute of audio; a database row adds its track id and index entry);
/// silence gives none. A query with fewer than `minimumQueryLandmarks` landmarks holds
/// no usable audio (silence, hiss, a click) and callers treat it as "no audio" rather
/// than asking the index; a clip too short to identify is refused by its `duration`.
public struct AudioFingerprint: Sendable, Codable, Equatable {
    /// The definition of peaks and hashes; stored with every fingerprint, and a
    /// catalogue fingerprinted under another version must be fingerprinted again.
    public static let version = "landmarks-2"
    /// The rate the audio is resampled to before the spectrogram.
    public static let sampleRate = 11_025
    static let fftSize = 512
    static let hopLength = 256
    /// Seconds per frame: the unit of `Landmark.time` (about 23 ms).
    public static let frameSeconds = Double(hopLength) / Double(sampleRate)
    /// Below this many landmarks a query is "no audio" (music gives this in about 0.3 s).
    public static let minimumQueryLandmarks = 30

    public var landmarks: [Landmark]
    /// The peaks the landmarks were made from, for hashing a query at other speeds.
    public var peaks: [FingerprintPeak]
    /// Seconds of audio fingerprinted.
    public var duration: Double
    /// How many later peaks each peak is paired with (`FingerprintDensity`).
    public var fanout: Int

    public init(landmarks: [Landmark], peaks: [FingerprintPeak], duration: Double, fanout: Int = FingerprintDensity.catalogue.fanout) {
        self.landmarks = landmarks
        self.peaks = peaks
        self.duration = duration
        self.fanout = fanout
    }

    /// Fingerprints mono PCM at any rate (resampled to 11,025 Hz with soxr).
    public init(samples: [Float], sampleRate: Int, density: FingerprintDensity = .catalogue) {
        var builder = FingerprintBuilder(density: density)
        if sampleRate == Self.sampleRate {
            samples.withUnsafeBufferPointer { builder.consume($0) }
        } else {
            let mono = MonoResampler(channels: 1, inputRate: sampleRate, outputRate: Self.sampleRate)
            samples.withUnsafeBufferPointer { input in mono.process(interleaved: input) { builder.consume($0) } }
            mono.finish { builder.consume($0) }
        }
        self = builder.finish()
    }

    /// Every hash a query looks up: its landmarks hashed under each speed hypothesis
    /// (`FingerprintMatcher.speeds`), sorted and unique. A catalogue fetches its postings
    /// for these hashes and hands them to `FingerprintMatcher.rank`.
    public var queryHashes: [UInt32] {
        Array(Set(QueryProbes(self).probes.map(\.hash))).sorted()
    }
}

extension AudioAnalysis {
    /// Fingerprints any file ffmpeg reads (as `analyze(fileAt:)` decodes it), with the
    /// same time limit and cancellation: ffmpeg is killed and `CancellationError` or
    /// `AnalysisError` (`timedOut`) thrown.
    public static func fingerprint(
        fileAt path: String, density: FingerprintDensity = .catalogue, ffmpegPath: String? = nil, ffprobePath: String? = nil,
        timeLimit: Duration = defaultTimeLimit
    ) async throws -> AudioFingerprint {
        try await decode(fileAt: path, ffmpegPath: ffmpegPath, ffprobePath: ffprobePath, timeLimit: timeLimit) { pcm in
            var builder = FingerprintBuilder(density: density)
            let mono = MonoResampler(
                channels: pcm.format.channels, inputRate: pcm.format.sampleRate, outputRate: AudioFingerprint.sampleRate
            )
            try pcm.decode { samples in mono.process(interleaved: samples) { builder.consume($0) } }
            mono.finish { builder.consume($0) }
            return builder.finish()
        }
    }
}

/// How many peaks a fingerprint keeps and how many landmarks it makes of them.
///
/// A catalogue's stored fingerprints are `catalogue`. A short clip to identify is
/// hashed denser (`query`): under noise, some of the peaks the catalogue kept lose
/// their rank in the clip to peaks of the noise and fall out of its 20 a window, and
/// with them every landmark they anchor or end. Keeping half as many peaks again in
/// the clip (30 a window) keeps more of the catalogue's, and pairing each with half
/// as many later peaks again (15) still reaches the partners the catalogue paired
/// it with among the extra ones. Nothing stored changes: the extra landmarks of a
/// clip that the catalogue never made find no postings and cost only their lookup
/// (about 2.25 times the probes). The numbers were chosen from those proportions
/// before the benchmark run that measured them, and the confidence rule
/// (`FingerprintMatcher`) was left as it was.
public enum FingerprintDensity: Sendable {
    case catalogue
    case query

    /// Peaks kept within about a second (`FingerprintBuilder.thin`).
    var peaksPerWindow: Int {
        switch self {
        case .catalogue: 20
        case .query: 30
        }
    }

    /// Later peaks each peak is paired with (`Landmarks.make`).
    public var fanout: Int {
        switch self {
        case .catalogue: 10
        case .query: 15
        }
    }
}

/// Consumes mono PCM at 11,025 Hz in chunks of any size: a Hann-windowed STFT (512
/// samples, hop 256), log power per bin, and peak candidates found as soon as their
/// neighbourhood is complete, so memory holds a few frames and the candidates, never
/// the samples. `finish()` thins the candidates and pairs them into landmarks.
struct FingerprintBuilder {
    /// Bins 3…249: 65 Hz to 5.4 kHz (room rumble below, the resampler's roll-off above).
    static let lowBin = 3
    static let highBin = 250
    /// A peak is the largest value within ±`peakBins` bins and ±`peakFrames` frames.
    static let peakBins = 5
    static let peakFrames = 4
    /// Peaks weaker than this (dB of power per bin, a full-scale sine at −6 dB) are not
    /// music: about −64 dBFS.
    static let floorDecibels: Float = -70
    /// Thinning: a candidate is kept when fewer than `peaksPerWindow` candidates within
    /// ±`densityFrames` (about ±0.5 s) stand out more from their spectral neighbourhood.
    /// Denser peaks keep more landmarks alive under noise (at 0 dB SNR a landmark needs
    /// both of its peaks to survive). On a held-out set of the benchmark's clips
    /// (docs/benchmarks.md), at the lowest vote threshold free of false matches there,
    /// 0 dB clips were found 84 % of the time with 12 peaks and a fanout of 6 (48
    /// landmarks a second), 90 % with 16 and 8 (83), 95 % with 20 and 10 (127).
    static let densityFrames = 21
    /// 20 for the catalogue (`FingerprintDensity`).
    let peaksPerWindow: Int
    let fanout: Int
    /// Prominence is a peak's level above the mean of ±`contextBins` bins around it in its
    /// frame, so a steep noise spectrum (pink noise, rumble) does not crowd out the rest.
    static let contextBins = 12

    private let fft = RealFFT(size: AudioFingerprint.fftSize)
    private let window: [Float]
    private var pending: [Float] = []
    private var sampleCount = 0
    private var frameCount = 0

    /// The last 2·peakFrames+1 frames: log power and its maximum over ±peakBins.
    private var levels: [[Float]]
    private var bandMaxima: [[Float]]
    private var candidates: [(peak: FingerprintPeak, prominence: Float)] = []
    private var power = [Float](repeating: 0, count: AudioFingerprint.fftSize / 2 + 1)

    init(density: FingerprintDensity = .catalogue) {
        peaksPerWindow = density.peaksPerWindow
        fanout = density.fanout
        let size = AudioFingerprint.fftSize
        window = (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
        let rows = 2 * Self.peakFrames + 1
        let empty = [Float](repeating: -.infinity, count: AudioFingerprint.fftSize / 2 + 1)
        levels = Array(repeating: empty, count: rows)
        bandMaxima = Array(repeating: empty, count: rows)
    }

    mutating func consume(_ samples: UnsafeBufferPointer<Float>) {
        sampleCount += samples.count
        pending.append(contentsOf: samples)
        let size = AudioFingerprint.fftSize, hop = AudioFingerprint.hopLength
        var start = 0
        while pending.count - start >= size {
            pending.withUnsafeBufferPointer { frame in
                for i in 0..<size {
                    let sample = frame[start + i]
                    fft.input[i] = (sample.isFinite ? sample : 0) * window[i]
                }
            }
            fft.transform()
            power.withUnsafeMutableBufferPointer { fft.powerSpectrum(into: $0.baseAddress!) }
            addFrame()
            start += hop
        }
        if start > 0 { pending.removeFirst(start) }
    }

    /// Flushes the last frames (the tail is zero-padded to a whole frame) and returns the fingerprint.
    mutating func finish() -> AudioFingerprint {
        if !pending.isEmpty {
            let padding = [Float](repeating: 0, count: AudioFingerprint.fftSize - pending.count)
            let count = sampleCount
            padding.withUnsafeBufferPointer { consume($0) }
            sampleCount = count
        }
        // Frames of silence past the end, so the last real frames get their neighbourhood.
        for _ in 0..<Self.peakFrames {
            for i in power.indices { power[i] = 0 }
            addFrame(isPadding: true)
        }
        let peaks = Self.thin(candidates, peaksPerWindow: peaksPerWindow)
        return AudioFingerprint(
            landmarks: Landmarks.make(from: peaks, speed: .identity, fanout: fanout).map { Landmark(hash: $0.hash, time: UInt32($0.time)) },
            peaks: peaks,
            duration: Double(sampleCount) / Double(AudioFingerprint.sampleRate),
            fanout: fanout
        )
    }

    private mutating func addFrame(isPadding: Bool = false) {
        let rows = levels.count, row = frameCount % rows
        // Power normalised by the window's sum squared: a full-scale sine peaks near −6 dB.
        let scale = 1 / Float(AudioFingerprint.fftSize / 2 * AudioFingerprint.fftSize / 2)
        for bin in power.indices {
            levels[row][bin] = isPadding ? -.infinity : 10 * log10(power[bin] * scale + 1e-12)
        }
        for bin in Self.lowBin..<Self.highBin {
            var best = -Float.infinity
            for other in max(0, bin - Self.peakBins)...min(power.count - 1, bin + Self.peakBins) {
                best = max(best, levels[row][other])
            }
            bandMaxima[row][bin] = best
        }
        frameCount += 1
        // The frame in the middle of the window now has its whole neighbourhood.
        let centre = frameCount - 1 - Self.peakFrames
        if centre >= 0 { findPeaks(inFrame: centre) }
    }

    private mutating func findPeaks(inFrame frame: Int) {
        let rows = levels.count, row = frame % rows
        let level = levels[row]
        for bin in Self.lowBin..<Self.highBin {
            let value = level[bin]
            guard value >= Self.floorDecibels, value == bandMaxima[row][bin] else { continue }
            // Ties (a flat plateau) go to the lowest bin and the earliest frame.
            var isPeak = true
            for other in max(0, bin - Self.peakBins)..<bin where level[other] == value { isPeak = false }
            for offset in 1...Self.peakFrames where isPeak {
                let before = frame - offset, after = frame + offset
                if before >= 0 && bandMaxima[before % rows][bin] >= value { isPeak = false }
                if bandMaxima[after % rows][bin] > value { isPeak = false }
            }
            guard isPeak else { continue }
            // Parabolic interpolation of the log spectrum around the maximum.
            let left = level[bin - 1], right = level[bin + 1]
            let curvature = left - 2 * value + right
            let shift = curvature < 0 ? max(-0.5, min(0.5, 0.5 * (left - right) / curvature)) : 0
            var context: Float = 0, count: Float = 0
            for other in max(1, bin - Self.contextBins)...min(power.count - 2, bin + Self.contextBins)
            where level[other].isFinite {
                context += level[other]
                count += 1
            }
            candidates.append((FingerprintPeak(time: UInt32(frame), bin: Float(bin) + shift), value - context / count))
        }
    }

    /// Keeps the candidates that stand out most within about a second around them.
    static func thin(_ candidates: [(peak: FingerprintPeak, prominence: Float)], peaksPerWindow: Int) -> [FingerprintPeak] {
        var kept: [FingerprintPeak] = []
        var low = 0, high = 0
        for candidate in candidates {
            let time = Int(candidate.peak.time)
            while Int(candidates[low].peak.time) < time - densityFrames { low += 1 }
            while high < candidates.count && Int(candidates[high].peak.time) <= time + densityFrames { high += 1 }
            var stronger = 0
            for other in candidates[low..<high] where other.prominence > candidate.prominence {
                stronger += 1
                if stronger >= peaksPerWindow { break }
            }
            if stronger < peaksPerWindow { kept.append(candidate.peak) }
        }
        return kept
    }
}

/// A speed hypothesis: the query is mapped back to the original by dividing its
/// frequencies by `pitch` and multiplying its times by `tempo`.
struct SpeedHypothesis: Sendable, Equatable {
    var pitch: Double
    var tempo: Double
    static let identity = SpeedHypothesis(pitch: 1, tempo: 1)
}

/// Pairs peaks into hashes: each peak with the first `fanout` peaks 5 to 63 frames
/// (0.12 to 1.5 s) after it and within ±31 bins (±670 Hz). A hash is the first peak's
/// bin (8 bits), the bin step (6 bits) and the frame step (6 bits). Pairs closer in
/// time would mostly join partials of one chord's onset: the same in any piece with
/// that chord on that instrument, they say little about which piece it is.
enum Landmarks {
    static let maximumFrameStep = 63
    static let maximumBinStep = 31
    static let minimumFrameStep = 5
    static let hashBits = 20

    static func hash(bin: Int, binStep: Int, frameStep: Int) -> UInt32 {
        UInt32(bin) << 12 | UInt32(binStep + 32) << 6 | UInt32(frameStep)
    }

    /// Landmarks of `peaks` (in time order) as heard at `speed`, with times in the
    /// original's frames (which may be negative for no peak, so Int).
    static func make(from peaks: [FingerprintPeak], speed: SpeedHypothesis, fanout: Int) -> [(hash: UInt32, time: Int)] {
        let identity = speed == .identity
        let bins = peaks.map { peak -> Int in
            identity ? Int(peak.bin.rounded()) : Int((Double(peak.bin) / speed.pitch).rounded())
        }
        let times = peaks.map { peak -> Int in
            identity ? Int(peak.time) : Int((Double(peak.time) * speed.tempo).rounded())
        }
        var result: [(hash: UInt32, time: Int)] = []
        result.reserveCapacity(peaks.count * fanout)
        for anchor in peaks.indices {
            let bin = bins[anchor]
            guard bin >= 0 && bin < 256 else { continue }
            var paired = 0
            var target = anchor + 1
            while target < peaks.count && paired < fanout {
                let frameStep = times[target] - times[anchor]
                if Int(peaks[target].time) - Int(peaks[anchor].time) > maximumFrameStep + 2 { break }
                let binStep = bins[target] - bin
                if frameStep >= minimumFrameStep && frameStep <= maximumFrameStep && abs(binStep) <= maximumBinStep {
                    result.append((hash(bin: bin, binStep: binStep, frameStep: frameStep), times[anchor]))
                    paired += 1
                }
                target += 1
            }
        }
        return result
    }
}
