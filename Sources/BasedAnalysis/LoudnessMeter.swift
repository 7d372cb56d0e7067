import Foundation

/// EBU R128 / ITU-R BS.1770-4 loudness of interleaved PCM, fed in chunks:
/// K-weighting, 100 ms sub-blocks, gated integrated loudness over 400 ms blocks,
/// loudness range over 3 s blocks (EBU Tech 3342), and true peak by 4× oversampling.
/// Channel weights follow ffmpeg's `ebur128` filter: 1.0 for front channels,
/// 1.41 for surrounds, 0 for LFE; mono is one channel of weight 1.
struct LoudnessMeter {
    static let absoluteGate = -70.0

    let weights: [Double]
    /// Samples per channel in 100 ms.
    let subBlock: Int
    /// One filter per pair of channels.
    private var filters: [KWeighting]
    private var truePeak: TruePeakDetector
    private var subBlockEnergies: [Double] = []
    private var partialEnergy = 0.0
    private var partialCount = 0

    /// - Parameter channelWeights: one weight per interleaved channel.
    init(sampleRate: Int = 48_000, channelWeights: [Double]) {
        precondition(!channelWeights.isEmpty && sampleRate >= 10)
        weights = channelWeights
        subBlock = sampleRate / 10
        filters = Array(repeating: KWeighting(sampleRate: Double(sampleRate)), count: (channelWeights.count + 1) / 2)
        truePeak = TruePeakDetector(channels: channelWeights.count)
    }

    /// Weights for ffmpeg's default layouts: mono, stereo, 5.1 (FL FR FC LFE BL BR).
    static func weights(channels: Int) -> [Double] {
        switch channels {
        case 1: [1]
        case 2: [1, 1]
        case 6: [1, 1, 1, 0, 1.41, 1.41]
        default: Array(repeating: 1, count: channels)
        }
    }

    mutating func consume(interleaved samples: UnsafeBufferPointer<Float>) {
        let channels = weights.count
        let frames = samples.count / channels
        guard frames > 0 else { return }
        truePeak.consume(interleaved: samples)
        // Runs of frames up to the next 100 ms boundary: within a run each channel's
        // squared output is summed in a register and weighted once at the end, so
        // no per-frame energy is stored.
        var start = 0
        while start < frames {
            let count = min(frames - start, subBlock - partialCount)
            for pair in 0..<filters.count {
                let left = 2 * pair, right = min(2 * pair + 1, channels - 1)
                let pairWeights = SIMD2(weights[left], right == left ? 0 : weights[right])
                partialEnergy += (pairWeights * filters[pair].sumOfSquares(
                    samples.baseAddress! + start * channels + left, stride: channels,
                    secondLane: right - left, count: count
                )).sum()
            }
            partialCount += count
            start += count
            if partialCount == subBlock {
                subBlockEnergies.append(partialEnergy)
                partialEnergy = 0
                partialCount = 0
            }
        }
    }

    func result() -> Loudness {
        let momentary = blockLoudness(subBlocks: 4)
        let shortTerm = blockLoudness(subBlocks: 30)
        return Loudness(
            integratedLUFS: Self.integrated(momentary),
            rangeLU: Self.range(shortTerm),
            truePeakDBTP: truePeak.peak > 0 ? 20 * log10(truePeak.peak) : nil
        )
    }

    /// Mean power of each block of `subBlocks` sub-blocks, advancing one sub-block (100 ms) at a time.
    private func blockLoudness(subBlocks: Int) -> [Double] {
        guard subBlockEnergies.count >= subBlocks else { return [] }
        var powers: [Double] = []
        var window = subBlockEnergies[0..<subBlocks].reduce(0, +)
        let samples = Double(subBlocks * subBlock)
        powers.append(window / samples)
        for end in subBlocks..<subBlockEnergies.count {
            window += subBlockEnergies[end] - subBlockEnergies[end - subBlocks]
            powers.append(max(window, 0) / samples)
        }
        return powers
    }

    static func loudness(power: Double) -> Double { -0.691 + 10 * log10(max(power, 1e-30)) }

    /// Two-stage gating (absolute −70 LUFS, then −10 LU below the absolute-gated mean);
    /// −70 when nothing passes, as ffmpeg reports for silence.
    static func integrated(_ powers: [Double]) -> Double {
        let audible = powers.filter { loudness(power: $0) > absoluteGate }
        guard !audible.isEmpty else { return absoluteGate }
        let relativeGate = loudness(power: audible.reduce(0, +) / Double(audible.count)) - 10
        let gated = audible.filter { loudness(power: $0) > relativeGate }
        guard !gated.isEmpty else { return absoluteGate }
        return max(loudness(power: gated.reduce(0, +) / Double(gated.count)), absoluteGate)
    }

    /// Loudness range: the 10th to 95th percentile spread of short-term loudness
    /// after the absolute gate and a relative gate 20 LU below the mean.
    static func range(_ powers: [Double]) -> Double {
        let audible = powers.filter { loudness(power: $0) > absoluteGate }
        guard !audible.isEmpty else { return 0 }
        let relativeGate = loudness(power: audible.reduce(0, +) / Double(audible.count)) - 20
        let values = audible.map { loudness(power: $0) }.filter { $0 > relativeGate }.sorted()
        guard values.count > 1 else { return 0 }
        func percentile(_ p: Double) -> Double { values[Int((Double(values.count - 1) * p).rounded())] }
        return max(0, percentile(0.95) - percentile(0.10))
    }
}

/// The BS.1770 K-weighting pre-filter: a high shelf (the head's effect) followed
/// by the RLB high-pass, two biquads designed for the sample rate with the same
/// formulas as ffmpeg's ebur128 filter (at 48 kHz they give BS.1770's coefficients).
/// Two channels are filtered at once, one per SIMD lane.
struct KWeighting {
    private let b0, b1, b2, a1, a2: Double
    private let c1, c2: Double
    private var x1 = SIMD2<Double>(), x2 = SIMD2<Double>(), y1 = SIMD2<Double>(), y2 = SIMD2<Double>()
    private var z1 = SIMD2<Double>(), z2 = SIMD2<Double>()

    init(sampleRate: Double) {
        var f0 = 1681.974450955533
        let gain = 3.999843853973347
        var q = 0.7071752369554196
        var k = tan(Double.pi * f0 / sampleRate)
        let vh = pow(10, gain / 20)
        let vb = pow(vh, 0.4996667741545416)
        var a0 = 1 + k / q + k * k
        b0 = (vh + vb * k / q + k * k) / a0
        b1 = 2 * (k * k - vh) / a0
        b2 = (vh - vb * k / q + k * k) / a0
        a1 = 2 * (k * k - 1) / a0
        a2 = (1 - k / q + k * k) / a0
        f0 = 38.13547087602444
        q = 0.5003270373238773
        k = tan(Double.pi * f0 / sampleRate)
        a0 = 1 + k / q + k * k
        c1 = 2 * (k * k - 1) / a0
        c2 = (1 - k / q + k * k) / a0
    }

    /// Filters `count` frames of two channels (`first[k * stride]` and
    /// `first[k * stride + secondLane]`) and returns the sum of each lane's squared output.
    /// Channels go through as SIMD lanes, with the state in locals: the recursion makes
    /// each channel latency-bound, so the second lane rides along almost for free, and
    /// the recursive terms come last in each sum so that the chain from one output to
    /// the next is one multiply and one subtraction.
    mutating func sumOfSquares(
        _ first: UnsafePointer<Float>, stride: Int, secondLane: Int, count: Int
    ) -> SIMD2<Double> {
        var x1 = x1, x2 = x2, y1 = y1, y2 = y2, z1 = z1, z2 = z2
        var sum = SIMD2<Double>()
        var index = 0
        for _ in 0..<count {
            let a = first[index], b = first[index + secondLane]
            let x = SIMD2(a.isFinite ? Double(a) : 0, b.isFinite ? Double(b) : 0)
            let y = (b0 * x + b1 * x1 + b2 * x2 - a2 * y2) - a1 * y1
            x2 = x1; x1 = x
            // The high-pass numerator is 1, −2, 1 (ffmpeg leaves it unnormalised too).
            let z = (y - 2 * y1 + y2 - c2 * z2) - c1 * z1
            y2 = y1; y1 = y
            z2 = z1; z1 = z
            sum += z * z
            index += stride
        }
        self.x1 = x1; self.x2 = x2; self.y1 = y1; self.y2 = y2; self.z1 = z1; self.z2 = z2
        return sum
    }
}
