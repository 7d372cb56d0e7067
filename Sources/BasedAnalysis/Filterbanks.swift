import Foundation

/// librosa's Slaney-style mel filterbank (`librosa.filters.mel` with `htk=False`,
/// `norm="slaney"`), stored sparsely because each triangle covers only a few FFT
/// bins and a dense 128 × 1025 product per frame would dominate the analysis time.
struct MelFilterbank: Sendable {
    struct Band: Sendable {
        var firstBin: Int
        var weights: [Float]
    }

    let bands: [Band]

    init(sampleRate: Double, fftSize: Int, bandCount: Int, minHz: Double = 0, maxHz: Double? = nil) {
        let maxHz = maxHz ?? sampleRate / 2
        let binCount = fftSize / 2 + 1
        let fftHz = (0..<binCount).map { Double($0) * sampleRate / Double(fftSize) }
        let lowMel = Self.hzToMel(minHz), highMel = Self.hzToMel(maxHz)
        let edges = (0..<(bandCount + 2)).map {
            Self.melToHz(lowMel + (highMel - lowMel) * Double($0) / Double(bandCount + 1))
        }
        var bands: [Band] = []
        for band in 0..<bandCount {
            let lower = edges[band], center = edges[band + 1], upper = edges[band + 2]
            // Slaney normalisation: each triangle has unit area in Hz.
            let norm = 2 / (upper - lower)
            var first = -1
            var weights: [Float] = []
            for bin in 0..<binCount {
                let rising = (fftHz[bin] - lower) / (center - lower)
                let falling = (upper - fftHz[bin]) / (upper - center)
                let weight = max(0, min(rising, falling)) * norm
                if weight > 0 {
                    if first < 0 { first = bin }
                    // Keep interior zeros so the band stays one contiguous run.
                    weights.append(contentsOf: repeatElement(0, count: bin - first - weights.count))
                    weights.append(Float(weight))
                }
            }
            bands.append(Band(firstBin: max(first, 0), weights: weights))
        }
        self.bands = bands
    }

    /// Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's `hz_to_mel`).
    static func hzToMel(_ hz: Double) -> Double {
        let linearStep = 200.0 / 3, breakHz = 1000.0, breakMel = breakHz / linearStep
        let logStep = log(6.4) / 27
        return hz >= breakHz ? breakMel + log(hz / breakHz) / logStep : hz / linearStep
    }

    static func melToHz(_ mel: Double) -> Double {
        let linearStep = 200.0 / 3, breakHz = 1000.0, breakMel = breakHz / linearStep
        let logStep = log(6.4) / 27
        return mel >= breakMel ? breakHz * exp(logStep * (mel - breakMel)) : linearStep * mel
    }

    /// Band energies of one power spectrum.
    func apply(_ power: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        for (index, band) in bands.enumerated() {
            output[index] = band.weights.withUnsafeBufferPointer { weights in
                VectorMath.dot(weights.baseAddress!, power + band.firstBin, count: weights.count)
            }
        }
    }
}

/// librosa's STFT chroma filterbank (`librosa.filters.chroma`: Gaussian bumps per
/// pitch class, octave weighting centred on C5, rows starting at C). Each row is
/// kept as runs of bins around its bumps: weights below 1e-7 of the largest
/// (a 12-semitone-wide Gaussian's far tails, and the octave weighting's) are
/// dropped, which halves the work and moves no chroma value by more than 1e-6.
struct ChromaFilterbank: Sendable {
    static let pitchClasses = 12
    static let relativeFloor: Float = 1e-7

    struct Run: Sendable {
        var firstBin: Int
        var weights: [Float]
    }

    let binCount: Int
    /// Per pitch class, its runs of significant weights.
    let rows: [[Run]]

    init(sampleRate: Double, fftSize: Int, tuning: Double = 0) {
        let n = Double(Self.pitchClasses)
        let a440 = 440.0 * pow(2.0, tuning / n)
        // Bin 0 (DC) gets a made-up position 1.5 octaves below bin 1, as librosa does.
        var positions = (1..<fftSize).map { n * log2((Double($0) * sampleRate / Double(fftSize)) / (a440 / 16)) }
        positions.insert(positions[0] - 1.5 * n, at: 0)
        var widths = (0..<(fftSize - 1)).map { max(positions[$0 + 1] - positions[$0], 1) }
        widths.append(1)
        let half = (n / 2).rounded()
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: fftSize), count: Self.pitchClasses)
        for bin in 0..<fftSize {
            var column = [Double](repeating: 0, count: Self.pitchClasses)
            for chroma in 0..<Self.pitchClasses {
                var distance = positions[bin] - Double(chroma)
                distance = (distance + half + 10 * n).truncatingRemainder(dividingBy: n)
                if distance < 0 { distance += n }
                distance -= half
                column[chroma] = exp(-0.5 * pow(2 * distance / widths[bin], 2))
            }
            let norm = sqrt(column.reduce(0) { $0 + $1 * $1 })
            let octaveWeight = exp(-0.5 * pow((positions[bin] / n - 5) / 2, 2))
            for chroma in 0..<Self.pitchClasses {
                matrix[chroma][bin] = (norm > 0 ? column[chroma] / norm : 0) * octaveWeight
            }
        }
        // Roll so that row 0 is C rather than A.
        binCount = fftSize / 2 + 1
        let largest = matrix.joined().max() ?? 0
        let floor = Double(Self.relativeFloor) * largest
        rows = (0..<Self.pitchClasses).map { row in
            let source = matrix[(row + 3) % Self.pitchClasses]
            var runs: [Run] = []
            var bin = 0
            while bin < fftSize / 2 + 1 {
                guard source[bin] > floor else { bin += 1; continue }
                let first = bin
                while bin < fftSize / 2 + 1 && source[bin] > floor { bin += 1 }
                runs.append(Run(firstBin: first, weights: source[first..<bin].map { Float($0) }))
            }
            return runs
        }
    }

    func apply(_ power: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        for (row, runs) in rows.enumerated() {
            var sum: Float = 0
            for run in runs {
                sum += run.weights.withUnsafeBufferPointer { weights in
                    VectorMath.dot(weights.baseAddress!, power + run.firstBin, count: weights.count)
                }
            }
            output[row] = sum
        }
    }
}
