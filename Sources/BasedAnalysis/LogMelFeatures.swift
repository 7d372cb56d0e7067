import Foundation

/// The features librosa derives from the whole log-mel spectrogram at once:
/// `power_to_db` clips every value to 80 dB below the track's loudest, and only
/// then come MFCCs (DCT-II, orthonormal) and onset strength (mean positive
/// first difference over mel bands).
enum LogMelFeatures {
    static let topDecibels: Float = 80

    struct Result {
        var mfcc: [Summary]
        var onsetEnvelope: [Float]
    }

    static func compute(melDecibels: [Float16], bands: Int, coefficients: Int = 20) -> Result {
        let frames = bands > 0 ? melDecibels.count / bands : 0
        guard frames > 0 else {
            return Result(mfcc: Array(repeating: Summary(mean: 0, std: 0), count: coefficients), onsetEnvelope: [])
        }
        var peak = -Float.infinity
        for value in melDecibels { peak = max(peak, Float(value)) }
        let floor = peak - topDecibels
        let basis = dctBasis(inputs: bands, outputs: coefficients)

        var moments = [RunningMoments](repeating: RunningMoments(), count: coefficients)
        var onset = [Float](repeating: 0, count: frames)
        var current = [Float](repeating: 0, count: bands)
        var previous = [Float](repeating: 0, count: bands)
        melDecibels.withUnsafeBufferPointer { mel in
            for t in 0..<frames {
                for b in 0..<bands { current[b] = max(Float(mel[t * bands + b]), floor) }
                for k in 0..<coefficients {
                    var sum: Float = 0
                    basis.withUnsafeBufferPointer { basis in
                        let row = basis.baseAddress! + k * bands
                        for b in 0..<bands { sum += row[b] * current[b] }
                    }
                    moments[k].add(Double(sum))
                }
                // librosa shifts the envelope by lag + n_fft / (2 hop) = 3 frames and
                // trims it to the frame count: frame t holds the rise from t-3 to t-2.
                if t >= 1 && t + 2 < frames {
                    var rise: Float = 0
                    for b in 0..<bands { rise += max(0, current[b] - previous[b]) }
                    onset[t + 2] = rise / Float(bands)
                }
                swap(&current, &previous)
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
