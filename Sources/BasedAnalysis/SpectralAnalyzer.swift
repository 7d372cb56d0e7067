import Foundation

/// Consumes mono PCM at 22,050 Hz in chunks of any size and computes librosa's
/// frame features on the fly (STFT with a Hann window, n_fft 2048, hop 512,
/// centred frames with zero padding), so a long track never needs all of its
/// samples in memory. Only the log-mel frames are kept (as 16-bit integers of 1/128 dB), because
/// librosa clips them against the loudest value of the whole track before
/// MFCCs and onset strength can be taken.
struct SpectralAnalyzer {
    static let sampleRate = 22_050.0
    static let fftSize = 2048
    static let hopLength = 512
    static let melBands = 128

    private let fft = RealFFT(size: fftSize)
    private let window: [Float]
    private let melBank = MelFilterbank(sampleRate: sampleRate, fftSize: fftSize, bandCount: melBands)
    private let chromaBank = ChromaFilterbank(sampleRate: sampleRate, fftSize: fftSize)
    private let binHz: [Float]

    /// Zero-padded signal not yet consumed; `buffer[bufferStart]` is padded sample `paddedPosition`.
    private var buffer: [Float]
    private var bufferStart = 0
    private var paddedPosition = 0
    private var sampleCount = 0
    private var firstSample: Float = 0
    private var lastSample: Float = 0

    private(set) var centroid = RunningMoments()
    private(set) var bandwidth = RunningMoments()
    private(set) var rolloff = RunningMoments()
    private(set) var rms = RunningMoments()
    private(set) var zeroCrossingRate = RunningMoments()
    private(set) var chroma = [RunningMoments](repeating: RunningMoments(), count: 12)
    /// Log-mel (dB) frames, `melBands` values each, in frame order.
    private(set) var melDecibels = LogMelStore(bands: melBands)
    private(set) var frameCount = 0

    private var power = [Float](repeating: 0, count: fftSize / 2 + 1)
    private var magnitude = [Float](repeating: 0, count: fftSize / 2 + 1)
    private var mel = [Float](repeating: 0, count: melBands)
    private var chromaFrame = [Float](repeating: 0, count: 12)

    init() {
        // scipy's periodic ("fftbins") Hann window, as librosa's STFT uses.
        window = (0..<Self.fftSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(Self.fftSize))) }
        binHz = (0...(Self.fftSize / 2)).map { Float(Double($0) * Self.sampleRate / Double(Self.fftSize)) }
        buffer = [Float](repeating: 0, count: Self.fftSize / 2)
    }

    var samplesSeen: Int { sampleCount }

    mutating func consume<C: Collection>(_ samples: C) where C.Element == Float {
        guard !samples.isEmpty else { return }
        let start = buffer.count
        buffer.append(contentsOf: samples)
        buffer.withUnsafeMutableBufferPointer { buffer in
            // NaN or infinity from a broken decoder would poison every statistic.
            for i in start..<buffer.count { buffer[i] = buffer[i].isFinite ? buffer[i] : 0 }
            if sampleCount == 0 { firstSample = buffer[start] }
            lastSample = buffer[buffer.count - 1]
        }
        sampleCount += samples.count
        processAvailableFrames(limit: nil)
    }

    /// Pads the end and emits the last frames: librosa's centred STFT has 1 + n / hop frames.
    mutating func finish() {
        guard sampleCount > 0 else { return }
        buffer.append(contentsOf: repeatElement(0, count: Self.fftSize / 2))
        processAvailableFrames(limit: 1 + sampleCount / Self.hopLength)
    }

    private mutating func processAvailableFrames(limit: Int?) {
        while buffer.count - bufferStart >= Self.fftSize {
            if let limit, frameCount >= limit { break }
            analyseFrame(at: bufferStart)
            bufferStart += Self.hopLength
            paddedPosition += Self.hopLength
            frameCount += 1
        }
        if bufferStart >= 1 << 16 {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
        }
    }

    private mutating func analyseFrame(at start: Int) {
        let n = Self.fftSize
        let bins = n / 2 + 1
        let padding = n / 2
        buffer.withUnsafeBufferPointer { samples in
            // Time-domain features first: RMS over the zero-padded frame, ZCR over
            // the edge-padded one (librosa pads the two differently).
            var energy: Float = 0
            var crossings = 0
            let inside = paddedPosition >= padding && paddedPosition + n - padding <= sampleCount
            if inside {
                // The common case: no padding in this frame, so no edge values to
                // substitute, and eight samples at a time. Values within 1e-10 of
                // zero count as positive zero, as librosa's zero_crossings.
                let x = UnsafeRawPointer(samples.baseAddress! + start)
                let limit = SIMD8<Float>(repeating: -1e-10)
                var energies = SIMD8<Float>()
                var counts = SIMD8<Int32>()
                var i = 0
                while i + 8 <= n {
                    let current = x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                    energies += current * current
                    if i > 0 {
                        let previous = x.loadUnaligned(fromByteOffset: 4 * (i - 1), as: SIMD8<Float>.self)
                        counts &+= SIMD8<Int32>().replacing(with: 1, where: (current .< limit) .^ (previous .< limit))
                    }
                    i += 8
                }
                energy = energies.sum()
                crossings = Int(counts.wrappedSum())
                // The first block's crossings, skipped above because sample −1 is not in the frame.
                for j in 1..<8 where (samples[start + j] < -1e-10) != (samples[start + j - 1] < -1e-10) {
                    crossings += 1
                }
                window.withUnsafeBufferPointer { window in
                    VectorMath.multiply(samples.baseAddress! + start, window.baseAddress!, into: fft.input, count: n)
                }
            } else {
                let input = fft.input
                var previousNegative = false
                for i in 0..<n {
                    let x = samples[start + i]
                    input[i] = x * window[i]
                    energy += x * x
                    let padded = paddedPosition + i
                    let edge = padded < padding ? firstSample : (padded - padding >= sampleCount ? lastSample : x)
                    let negative = edge < -1e-10
                    if i > 0 && negative != previousNegative { crossings += 1 }
                    previousNegative = negative
                }
            }
            rms.add(Double((energy / Float(n)).squareRoot()))
            zeroCrossingRate.add(Double(crossings) / Double(n))
        }
        fft.transform()
        power.withUnsafeMutableBufferPointer { power in
            magnitude.withUnsafeMutableBufferPointer { magnitude in
                fft.powerSpectrum(into: power.baseAddress!)
                // Sums eight bins at a time; bin 1024 (Nyquist) is added on its own.
                let vectorBins = bins / 8 * 8
                var totals = SIMD8<Float>(), weights = SIMD8<Float>()
                let hz = UnsafeRawPointer(binHz.withUnsafeBufferPointer { $0.baseAddress! })
                let rawPower = UnsafeRawPointer(power.baseAddress!), rawMagnitude = UnsafeMutableRawPointer(magnitude.baseAddress!)
                for k in stride(from: 0, to: vectorBins, by: 8) {
                    let m = VectorMath.squareRoot(rawPower.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self))
                    rawMagnitude.storeBytes(of: m, toByteOffset: 4 * k, as: SIMD8<Float>.self)
                    totals += m
                    weights += m * hz.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                }
                var total = totals.sum(), weighted = weights.sum()
                for k in vectorBins..<bins {
                    magnitude[k] = power[k].squareRoot()
                    total += magnitude[k]
                    weighted += magnitude[k] * binHz[k]
                }
                if total > Float.leastNormalMagnitude {
                    let center = weighted / total
                    var spreads = SIMD8<Float>()
                    for k in stride(from: 0, to: vectorBins, by: 8) {
                        let deviation = hz.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) - center
                        spreads += UnsafeRawPointer(rawMagnitude).loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) * deviation * deviation
                    }
                    var spread = spreads.sum()
                    for k in vectorBins..<bins {
                        let deviation = binHz[k] - center
                        spread += magnitude[k] * deviation * deviation
                    }
                    centroid.add(Double(center))
                    bandwidth.add(Double((spread / total).squareRoot()))
                    // Roll-off: skip whole blocks of eight until the cumulative sum would
                    // cross 85 %, then find the bin inside that block.
                    let threshold = 0.85 * total
                    var cumulative: Float = 0
                    var rollBin = bins - 1
                    var block = 0
                    while block + 8 <= bins {
                        let blockSum = UnsafeRawPointer(rawMagnitude).loadUnaligned(fromByteOffset: 4 * block, as: SIMD8<Float>.self).sum()
                        if cumulative + blockSum >= threshold { break }
                        cumulative += blockSum
                        block += 8
                    }
                    for k in block..<bins {
                        cumulative += magnitude[k]
                        if cumulative >= threshold { rollBin = k; break }
                    }
                    rolloff.add(Double(binHz[rollBin]))
                } else {
                    // A silent frame: librosa leaves the all-zero column unnormalised, giving 0.
                    centroid.add(0)
                    bandwidth.add(0)
                    rolloff.add(0)
                }
                mel.withUnsafeMutableBufferPointer { mel in
                    melBank.apply(power.baseAddress!, into: mel.baseAddress!)
                    melDecibels.append(powers: UnsafeBufferPointer(mel))
                }
                chromaFrame.withUnsafeMutableBufferPointer { chromaFrame in
                    chromaBank.apply(power.baseAddress!, into: chromaFrame.baseAddress!)
                    let peak = chromaFrame.max() ?? 0
                    let scale: Float = peak > Float.leastNormalMagnitude ? 1 / peak : 1
                    for pitch in 0..<12 { chroma[pitch].add(Double(chromaFrame[pitch] * scale)) }
                }
            }
        }
    }
}
