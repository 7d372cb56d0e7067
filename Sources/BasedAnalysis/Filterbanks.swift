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
/// pitch class, octave weighting centred on C5, rows starting at C), stored dense
/// row by row because every bin contributes to every pitch class.
struct ChromaFilterbank: Sendable {
    static let pitchClasses = 12
    let binCount: Int
    /// Row-major 12 × binCount weights.
    let weights: [Float]

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
        var flat: [Float] = []
        flat.reserveCapacity(Self.pitchClasses * binCount)
        for row in 0..<Self.pitchClasses {
            let source = matrix[(row + 3) % Self.pitchClasses]
            flat.append(contentsOf: source[0..<binCount].map { Float($0) })
        }
        weights = flat
    }

    func apply(_ power: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { weights in
            for row in 0..<Self.pitchClasses {
                output[row] = VectorMath.dot(weights.baseAddress! + row * binCount, power, count: binCount)
            }
        }
    }
}
