import Foundation

/// The features librosa derives from the whole log-mel spectrogram at once:
/// `power_to_db` clips every value to 80 dB below the track's loudest, and only
/// then come MFCCs (DCT-II, orthonormal) and onset strength (mean positive
/// first difference over mel bands).
enum LogMelFeatures {
    static let topDecibels: Float = 80
    /// Log-mel values are kept as 16-bit integers in steps of 1/128 dB (±256 dB):
    /// finer than Float16 above 16 dB, and converted with plain vector instructions,
    /// where Float16 needs a library call per value on x86-64 without F16C.
    static let decibelsPerStep: Float = 1.0 / 128

    struct Result {
        var mfcc: [Summary]
        var onsetEnvelope: [Float]
    }

    /// Appends one frame's mel powers as quantised decibels.
    static func appendDecibels(of powers: UnsafeBufferPointer<Float>, to stored: inout [Int16]) {
        let stepsPerDecibel = 1 / decibelsPerStep
        for power in powers {
            let decibels = 10 * log10(max(power, 1e-10))
            // Rounds half away from zero by truncation: `rounded()` is a libm call here.
            let steps = decibels * stepsPerDecibel
            stored.append(Int16(clamping: Int32(steps + (steps < 0 ? -0.5 : 0.5))))
        }
    }

    static func compute(melDecibels: [Int16], bands: Int, coefficients: Int = 20) -> Result {
        let frames = bands > 0 ? melDecibels.count / bands : 0
        guard frames > 0 else {
            return Result(mfcc: Array(repeating: Summary(mean: 0, std: 0), count: coefficients), onsetEnvelope: [])
        }
        let floor = Float(melDecibels.max() ?? 0) * decibelsPerStep - topDecibels
        let basis = dctBasis(inputs: bands, outputs: coefficients)

        var moments = [RunningMoments](repeating: RunningMoments(), count: coefficients)
        var onset = [Float](repeating: 0, count: frames)
        var current = [Float](repeating: 0, count: bands)
        var previous = [Float](repeating: 0, count: bands)
        melDecibels.withUnsafeBufferPointer { mel in
            basis.withUnsafeBufferPointer { basis in
                for t in 0..<frames {
                    current.withUnsafeMutableBufferPointer { current in
                        for b in 0..<bands { current[b] = max(Float(mel[t * bands + b]) * decibelsPerStep, floor) }
                    }
                    for k in 0..<coefficients {
                        let sum = current.withUnsafeBufferPointer { current in
                            VectorMath.dot(basis.baseAddress! + k * bands, current.baseAddress!, count: bands)
                        }
                        moments[k].add(Double(sum))
                    }
                    // librosa shifts the envelope by lag + n_fft / (2 hop) = 3 frames and
                    // trims it to the frame count: frame t holds the rise from t-3 to t-2.
                    if t >= 1 && t + 2 < frames {
                        onset[t + 2] = VectorMath.positiveDifferenceSum(current, previous) / Float(bands)
                    }
                    swap(&current, &previous)
                }
            }
        }
        return Result(mfcc: moments.map(\.summary), onsetEnvelope: onset)
    }

    /// Rows of scipy's orthonormal DCT-II matrix.
    static func dctBasis(inputs: Int, outputs: Int) -> [Float] {
        var basis = [Float](repeating: 0, count: inputs * outputs)
        for k in 0..<outputs {
            let scale = k == 0 ? (1 / Double(inputs)).squareRoot() : (2 / Double(inputs)).squareRoot()
            for n in 0..<inputs {
                basis[k * inputs + n] = Float(scale * cos(Double.pi * Double(k) * (2 * Double(n) + 1) / (2 * Double(inputs))))
            }
        }
        return basis
    }
}
