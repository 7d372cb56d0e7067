import Foundation

/// Estimates the true (inter-sample) peak of interleaved 48 kHz PCM by 4×
/// oversampling with a Kaiser-windowed sinc (32 taps per phase), the rate at which
/// ffmpeg's `ebur128` measures it. Interpolation runs only next to samples within
/// 6 dB of the peak so far, since an inter-sample overshoot above that is
/// vanishingly rare in real signals and the full filter would cost more than the
/// rest of the loudness measurement.
struct TruePeakDetector {
    static let factor = 4
    static let halfTaps = 16
    /// phases[p][k]: weight of sample (n - halfTaps + 1 + k) for position n + p/4.
    private static let phases: [[Float]] = makePhases()

    private let channels: Int
    /// Per channel: the last 2·halfTaps samples carried from the previous chunk.
    private var history: [[Float]]
    private(set) var peak: Double = 0

    init(channels: Int) {
        self.channels = channels
        history = Array(repeating: Array(repeating: 0, count: 2 * Self.halfTaps), count: channels)
    }

    mutating func consume(interleaved samples: UnsafeBufferPointer<Float>) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        let taps = 2 * Self.halfTaps
        for channel in 0..<channels {
            var signal = history[channel]
            signal.reserveCapacity(taps + frames)
            for frame in 0..<frames {
                let value = samples[frame * channels + channel]
                signal.append(value.isFinite ? value : 0)
            }
            var current = Float(peak)
            signal.withUnsafeBufferPointer { s in
                // New samples start at index `taps`; interpolate between s[n] and s[n+1]
                // for every n whose window s[n-15 ... n+16] is complete.
                for i in taps..<s.count { current = max(current, abs(s[i])) }
                let threshold = current * 0.5
                for n in (Self.halfTaps - 1)..<(s.count - Self.halfTaps) {
                    guard max(abs(s[n]), abs(s[n + 1])) >= threshold else { continue }
                    let start = s.baseAddress! + n - Self.halfTaps + 1
                    for phase in 1..<Self.factor {
                        var acc: Float = 0
                        Self.phases[phase].withUnsafeBufferPointer { h in
                            for k in 0..<taps { acc += h[k] * start[k] }
                        }
                        current = max(current, abs(acc))
                    }
                }
            }
            peak = Double(current)
            history[channel] = Array(signal.suffix(taps))
        }
    }

    private static func makePhases() -> [[Float]] {
        let beta = 9.0
        let cutoff = 0.97
        let taps = 2 * halfTaps
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
