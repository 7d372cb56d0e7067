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
    /// Per channel: the last `taps` samples, then the current chunk.
    private var signals: [[Float]]
    private(set) var peak: Double = 0

    init(channels: Int) {
        self.channels = channels
        signals = Array(repeating: Array(repeating: 0, count: Self.taps), count: channels)
    }

    mutating func consume(interleaved samples: UnsafeBufferPointer<Float>) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        let taps = Self.taps
        var current = Float(peak)
        for channel in 0..<channels {
            var signal = signals[channel]
            signals[channel] = []  // keep the buffer uniquely referenced while it is edited
            if signal.count != taps + frames {
                let history = Array(signal.suffix(taps))
                signal = history + [Float](repeating: 0, count: frames)
            }
            signal.withUnsafeMutableBufferPointer { s in
                var index = channel
                var chunkPeak: Float = 0
                for frame in 0..<frames {
                    let value = samples[index]
                    let clean: Float = value.isFinite ? value : 0
                    s[taps + frame] = clean
                    chunkPeak = max(chunkPeak, abs(clean))
                    index += channels
                }
                current = max(current, chunkPeak)
                let threshold = current * 0.668
                // Interpolate between s[n] and s[n+1] where the window s[n-15 ... n+16] is complete.
                for n in (Self.halfTaps - 1)..<(s.count - Self.halfTaps) {
                    guard abs(s[n]) >= threshold || abs(s[n + 1]) >= threshold else { continue }
                    let start = UnsafePointer(s.baseAddress! + n - Self.halfTaps + 1)
                    for phase in 1..<Self.factor {
                        let value = Self.phases[phase].withUnsafeBufferPointer { h in
                            VectorMath.dot(h.baseAddress!, start, count: taps)
                        }
                        current = max(current, abs(value))
                    }
                }
                // Carry the last `taps` samples to the front for the next chunk.
                for i in 0..<taps { s[i] = s[frames + i] }
            }
            signals[channel] = signal
        }
        peak = Double(current)
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
