import Foundation

/// Estimates the true (inter-sample) peak of interleaved PCM by 4× oversampling
/// with a Kaiser-windowed sinc (32 taps per phase), as ffmpeg's `ebur128` measures
/// it at 192 kHz. Interpolation runs only next to samples within 3.5 dB of the
/// peak so far: inter-sample overshoots of real (band-limited) signals stay below
/// about 3 dB, and interpolating every sample would cost more than the rest of
/// the loudness measurement.
struct TruePeakDetector {
    static let factor = 4
    static let halfTaps = 16
    static let taps = 2 * halfTaps
    /// phases[p][k]: weight of sample (n - halfTaps + 1 + k) for position n + p/4.
    private static let phases: [[Float]] = makePhases()

    private let channels: Int
    /// The last `taps` frames of the previous chunk, interleaved: interpolation next to
    /// a chunk's first samples needs them.
    private var history: [Float]
    private(set) var peak: Double = 0

    init(channels: Int) {
        self.channels = channels
        history = Array(repeating: 0, count: Self.taps * channels)
    }

    /// Frames are numbered as if `history` and `samples` were one signal: frame j is
    /// history frame j below `taps`, else chunk frame j − `taps`.
    mutating func consume(interleaved samples: UnsafeBufferPointer<Float>) {
        let frames = samples.count / channels
        guard frames > 0, let chunk = samples.baseAddress else { return }
        var current = max(Float(peak), Self.samplePeak(chunk, count: frames * channels))
        let threshold = current * 0.668
        let taps = Self.taps, halfTaps = Self.halfTaps
        history.withUnsafeBufferPointer { history in
            let old = history.baseAddress!
            func sample(_ frame: Int, _ channel: Int) -> Float {
                let value = frame < taps ? old[frame * channels + channel] : chunk[(frame - taps) * channels + channel]
                return value.isFinite ? value : 0
            }
            func isHot(_ frame: Int) -> Bool {
                (0..<channels).contains { abs(sample(frame, $0)) >= threshold }
            }
            // Interpolate between frames n and n + 1 where the window n − 15 … n + 16 is
            // complete; the last 16 frames wait for the next chunk.
            let first = halfTaps - 1, last = taps + frames - halfTaps - 1
            guard last >= first else { return }
            var window = [Float](repeating: 0, count: taps)
            var nextUnchecked = first
            /// Intervals (n, n + 1) for n in `range` next to a hot frame get interpolated.
            func interpolate(_ range: Range<Int>) {
                let from = max(range.lowerBound, nextUnchecked), to = min(range.upperBound, last + 1)
                guard from < to else { return }
                for n in from..<to where isHot(n) || isHot(n + 1) {
                    for channel in 0..<channels {
                        for k in 0..<taps { window[k] = sample(n - halfTaps + 1 + k, channel) }
                        window.withUnsafeBufferPointer { w in
                            for phase in 1..<Self.factor {
                                let value = Self.phases[phase].withUnsafeBufferPointer { h in
                                    VectorMath.dot(h.baseAddress!, w.baseAddress!, count: taps)
                                }
                                current = max(current, abs(value))
                            }
                        }
                    }
                }
                nextUnchecked = to
            }
            // The history frames one by one, then the chunk in blocks of eight frames,
            // skipped with vector compares unless a sample is near the peak.
            for frame in first..<taps where isHot(frame) { interpolate((frame - 1)..<(frame + 1)) }
            let raw = UnsafeRawPointer(chunk)
            let limit = SIMD8<Float>(repeating: threshold)
            var block = 0
            while block < frames {
                let blockFrames = min(8, frames - block)
                var hot = false
                var offset = block * channels
                let end = offset + blockFrames * channels
                while offset + 8 <= end && !hot {
                    let values = raw.loadUnaligned(fromByteOffset: 4 * offset, as: SIMD8<Float>.self)
                    hot = any((values .>= limit) .| (values .<= -limit))
                    offset += 8
                }
                while offset < end && !hot {
                    hot = abs(chunk[offset]) >= threshold
                    offset += 1
                }
                if hot { interpolate((taps + block - 1)..<(taps + block + blockFrames)) }
                block += 8
            }
        }
        peak = Double(current)
        // Keep the last `taps` frames (from the history too if the chunk is shorter).
        let kept = min(frames, taps)
        history = Array(history.suffix((taps - kept) * channels))
            + Array(UnsafeBufferPointer(rebasing: samples[((frames - kept) * channels)..<(frames * channels)]))
    }

    /// The largest finite |sample|, eight at a time.
    private static func samplePeak(_ samples: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(samples)
        var peaks = SIMD8<Float>()
        let infinity = SIMD8<Float>(repeating: .infinity)
        var i = 0
        while i + 8 <= count {
            let values = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let magnitudes = values.replacing(with: -values, where: values .< 0)
            // NaN and infinity fail `< infinity` and count as silence.
            let finite = magnitudes.replacing(with: 0, where: .!(magnitudes .< infinity))
            peaks.replace(with: finite, where: finite .> peaks)
            i += 8
        }
        var peak = peaks.max()
        while i < count {
            if samples[i].isFinite { peak = max(peak, abs(samples[i])) }
            i += 1
        }
        return peak
    }

    private static func makePhases() -> [[Float]] {
        let beta = 9.0
        let cutoff = 0.97
        func besselI0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0, k = 1.0
            while term > 1e-12 * sum {
                term *= pow(x / (2 * k), 2)
                sum += term
                k += 1
            }
            return sum
        }
        return (0..<factor).map { phase in
            (0..<taps).map { k in
                // Distance in input samples from the interpolated point to this tap.
                let t = Double(halfTaps - 1 - k) + Double(phase) / Double(factor)
                let sinc = t == 0 ? 1 : sin(Double.pi * cutoff * t) / (Double.pi * cutoff * t)
                let ratio = t / Double(halfTaps)
                let window = abs(ratio) >= 1 ? 0 : besselI0(beta * (1 - ratio * ratio).squareRoot()) / besselI0(beta)
                return Float(cutoff * sinc * window)
            }
        }
    }
}
