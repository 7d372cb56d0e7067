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

    static func compute(melDecibels: LogMelStore, coefficients: Int = 20) -> Result {
        let bands = melDecibels.bands
        let frames = melDecibels.frameCount
        guard frames > 0 else {
            return Result(mfcc: Array(repeating: Summary(mean: 0, std: 0), count: coefficients), onsetEnvelope: [])
        }
        let floor = Float(melDecibels.maximum) * decibelsPerStep - topDecibels
        let basis = dctBasis(inputs: bands, outputs: coefficients)

        var moments = [RunningMoments](repeating: RunningMoments(), count: coefficients)
        var onset = [Float](repeating: 0, count: frames)
        var current = [Float](repeating: 0, count: bands)
        var previous = [Float](repeating: 0, count: bands)
        basis.withUnsafeBufferPointer { basis in
            melDecibels.forEachFrame { t, mel in
                current.withUnsafeMutableBufferPointer { current in
                    for b in 0..<bands { current[b] = max(Float(mel[b]) * decibelsPerStep, floor) }
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

/// The track's log-mel frames as 16-bit integers of `LogMelFeatures.decibelsPerStep`,
/// in blocks of 4096 frames (1 MiB): one array grown by doubling briefly holds its
/// old and new copies, which put a 3-hour file 80 MB above its steady size.
struct LogMelStore {
    static let framesPerBlock = 4096
    let bands: Int
    private var blocks: [[Int16]] = []
    private(set) var frameCount = 0
    private(set) var maximum = Int16.min

    init(bands: Int) {
        self.bands = bands
    }

    /// Appends one frame's mel powers as quantised decibels.
    mutating func append(powers: UnsafeBufferPointer<Float>) {
        precondition(powers.count == bands)
        if frameCount % Self.framesPerBlock == 0 {
            blocks.append([])
            blocks[blocks.count - 1].reserveCapacity(Self.framesPerBlock * bands)
        }
        let stepsPerDecibel = 1 / LogMelFeatures.decibelsPerStep
        var largest = maximum
        for power in powers {
            let decibels = 10 * log10(max(power, 1e-10))
            // Rounds half away from zero by truncation: `rounded()` is a libm call here.
            let steps = decibels * stepsPerDecibel
            let value = Int16(clamping: Int32(steps + (steps < 0 ? -0.5 : 0.5)))
            blocks[blocks.count - 1].append(value)
            largest = max(largest, value)
        }
        maximum = largest
        frameCount += 1
    }

    /// Calls `body` with each frame's index and values, in order.
    func forEachFrame(_ body: (Int, UnsafeBufferPointer<Int16>) -> Void) {
        var frame = 0
        for block in blocks {
            block.withUnsafeBufferPointer { values in
                for start in stride(from: 0, to: values.count, by: bands) {
                    body(frame, UnsafeBufferPointer(rebasing: values[start..<(start + bands)]))
                    frame += 1
                }
            }
        }
    }
}
