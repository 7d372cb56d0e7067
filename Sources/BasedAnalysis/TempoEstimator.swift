import Foundation

/// Global tempo from the onset-strength envelope, after librosa's `tempo`: Hann-windowed
/// autocorrelations over 384-frame (≈ 8.9 s) windows, each normalised to its lag-0
/// value, averaged over the track, weighted by a log-normal prior centred on 120 BPM.
///
/// The metrical level (the beat rather than its half or its double) is chosen on the
/// height of each tempogram peak at its own parabolically interpolated lag, not on the
/// sample at the nearest whole lag: one frame is ~5 % at 120 BPM, so a level whose
/// period falls between two frames used to lose height against its multiple, and a
/// narrow prior (librosa's, one octave) had to make up for it and pulled slow and fast
/// pieces towards 120 BPM. With fair heights the autocorrelation carries the evidence
/// and the prior, 1.8 octaves wide, only breaks near-ties (docs/analysis.md).
enum TempoEstimator {
    struct Estimate: Equatable {
        var bpm: Double
        /// Mean normalised autocorrelation at the chosen period, 0...1.
        var confidence: Double
        var periodFrames: Double
    }

    static let windowLength = 384
    static let maxBPM = 320.0
    static let priorBPM = 120.0
    /// Tuned on `make bench-tempo`'s tuning corpus (1.6–2.0 score alike there);
    /// librosa uses 1.0, Ellis (2007) 1.4.
    static let priorOctaves = 1.8
    /// Enough windows to average over; more only costs time on long tracks.
    static let maxWindows = 600

    static func estimate(onset: [Float], frameRate: Double) -> Estimate? {
        guard onset.count >= 16, let peak = onset.max(), peak > 1e-6 else { return nil }
        let lags = min(windowLength, onset.count)
        let tempogram = meanAutocorrelation(onset, lags: lags)
        var best: (period: Double, height: Double)?
        var bestScore = -Double.infinity
        for lag in 1..<lags {
            let candidate = interpolatedPeak(tempogram, at: lag)
            let bpm = 60 * frameRate / candidate.period
            guard bpm <= maxBPM else { continue }
            let score = log1p(1e6 * max(candidate.height, 0)) + logPrior(bpm: bpm)
            if score > bestScore { bestScore = score; best = candidate }
        }
        guard let best, best.height > 0 else { return nil }
        let confidence = min(best.height, 1)
        return Estimate(bpm: 60 * frameRate / best.period, confidence: confidence, periodFrames: best.period)
    }

    /// Log-normal tempo prior, in nats: 0 at `priorBPM`, −½ one `priorOctaves` away.
    static func logPrior(bpm: Double) -> Double {
        -0.5 * pow((log2(bpm) - log2(priorBPM)) / priorOctaves, 2)
    }

    /// A local maximum of the tempogram at `lag` moved to the vertex of the parabola
    /// through it and its neighbours (at most half a frame away), with the vertex's
    /// height; any other lag as it is.
    static func interpolatedPeak(_ tempogram: [Double], at lag: Int) -> (period: Double, height: Double) {
        let mid = tempogram[lag]
        guard lag > 1 && lag + 1 < tempogram.count else { return (Double(lag), mid) }
        let left = tempogram[lag - 1], right = tempogram[lag + 1]
        let curvature = left - 2 * mid + right
        guard mid >= left && mid >= right && curvature < 0 else { return (Double(lag), mid) }
        let offset = min(max(0.5 * (left - right) / curvature, -0.5), 0.5)
        return (Double(lag) + offset, mid - 0.25 * (left - right) * offset)
    }

    /// Average over windows of the Hann-windowed, lag-0-normalised autocorrelation.
    static func meanAutocorrelation(_ onset: [Float], lags: Int) -> [Double] {
        let length = lags
        let window = (0..<length).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length))) }
        // librosa centres its windows on every frame; sampling the centres evenly gives
        // the same mean at a bounded cost.
        let half = length / 2
        let centres = onset.count
        let stride = max(1, centres / maxWindows)
        var sum = [Double](repeating: 0, count: lags)
        var segment = [Float](repeating: 0, count: length)
        var used = 0
        for centre in Swift.stride(from: 0, to: centres, by: stride) {
            for i in 0..<length {
                let index = centre - half + i
                segment[i] = (index >= 0 && index < onset.count ? onset[index] : 0) * window[i]
            }
            var zeroLag: Float = 0
            for i in 0..<length { zeroLag += segment[i] * segment[i] }
            used += 1
            guard zeroLag > 1e-12 else { continue }
            segment.withUnsafeBufferPointer { s in
                for lag in 0..<lags {
                    let acc = VectorMath.dot(s.baseAddress!, s.baseAddress! + lag, count: length - lag)
                    sum[lag] += Double(acc / zeroLag)
                }
            }
        }
        return sum.map { used > 0 ? $0 / Double(used) : 0 }
    }
}

/// Beat positions by dynamic programming over the onset envelope (Ellis 2007, as
/// librosa's `beat_track`): each beat maximises its onset strength plus the best
/// previous beat's score, penalised for straying from the tempo's period.
enum BeatTracker {
    static let tightness = 100.0

    static func track(onset: [Float], periodFrames: Double) -> [Int] {
        let n = onset.count
        guard n > 0, periodFrames >= 1 else { return [] }
        let mean = onset.reduce(0) { $0 + Double($1) } / Double(n)
        let variance = onset.reduce(0) { $0 + pow(Double($1) - mean, 2) } / Double(max(n - 1, 1))
        let deviation = variance.squareRoot()
        guard deviation > 1e-12 else { return [] }

        // Local score: the normalised envelope smoothed by a Gaussian a period wide.
        let radius = max(1, Int(periodFrames.rounded()))
        let kernel = (-radius...radius).map { exp(-0.5 * pow(Double($0) * 32 / Double(radius), 2)) }
        var local = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var acc = 0.0
            for (k, weight) in kernel.enumerated() {
                let j = i + k - radius
                if j >= 0 && j < n { acc += weight * Double(onset[j]) / deviation }
            }
            local[i] = acc
        }

        var cumulative = [Double](repeating: 0, count: n)
        var backlink = [Int](repeating: -1, count: n)
        let earliest = Int((2 * periodFrames).rounded()), latest = max(1, Int((periodFrames / 2).rounded()))
        for i in 0..<n {
            var bestScore = -Double.infinity
            var bestIndex = -1
            let from = max(0, i - earliest), to = i - latest
            if to >= from {
                for j in from...to {
                    let gap = Double(i - j) / periodFrames
                    let score = cumulative[j] - tightness * pow(log(gap), 2)
                    if score > bestScore { bestScore = score; bestIndex = j }
                }
            }
            if bestIndex >= 0 {
                cumulative[i] = local[i] + bestScore
                backlink[i] = bestIndex
            } else {
                cumulative[i] = local[i]
            }
        }

        // The last beat: the latest local maximum of the cumulative score that is
        // at least half the median of all local maxima (librosa's rule).
        var maxima: [Int] = []
        for i in 1..<max(n - 1, 1) where cumulative[i] > cumulative[i - 1] && cumulative[i] >= cumulative[i + 1] {
            maxima.append(i)
        }
        guard !maxima.isEmpty else { return [] }
        let sorted = maxima.map { cumulative[$0] }.sorted()
        let threshold = 0.5 * sorted[sorted.count / 2]
        guard var beat = maxima.last(where: { cumulative[$0] >= threshold }) else { return [] }
        var beats = [beat]
        while backlink[beat] >= 0 {
            beat = backlink[beat]
            beats.append(beat)
        }
        beats.reverse()

        // Trim weak leading and trailing beats (fade-ins, silence at the end).
        let strengths = beats.map { local[$0] }
        let rms = (strengths.reduce(0) { $0 + $1 * $1 } / Double(strengths.count)).squareRoot()
        let floor = 0.5 * rms
        guard let first = strengths.firstIndex(where: { $0 >= floor }),
              let last = strengths.lastIndex(where: { $0 >= floor }) else { return [] }
        return Array(beats[first...last])
    }
}
