import Foundation

/// EBU R128 / ITU-R BS.1770-4 loudness of interleaved 48 kHz PCM, fed in chunks:
/// K-weighting, 100 ms sub-blocks, gated integrated loudness over 400 ms blocks,
/// loudness range over 3 s blocks (EBU Tech 3342), and true peak by 4× oversampling.
/// Channel weights follow ffmpeg's `ebur128` filter: 1.0 for front channels,
/// 1.41 for surrounds, 0 for LFE; mono is one channel of weight 1.
struct LoudnessMeter {
    static let sampleRate = 48_000
    static let subBlock = sampleRate / 10
    static let absoluteGate = -70.0

    let weights: [Double]
    private var filters: [KWeighting]
    private var truePeak: TruePeakDetector
    private var subBlockEnergies: [Double] = []
    private var partialEnergy = 0.0
    private var partialCount = 0

    /// - Parameter channelWeights: one weight per interleaved channel.
    init(channelWeights: [Double]) {
        precondition(!channelWeights.isEmpty)
        weights = channelWeights
        filters = Array(repeating: KWeighting(), count: channelWeights.count)
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
        truePeak.consume(interleaved: samples)
        for frame in 0..<frames {
            var energy = 0.0
            for channel in 0..<channels {
                let raw = samples[frame * channels + channel]
                let value = filters[channel].process(raw.isFinite ? Double(raw) : 0)
                energy += weights[channel] * value * value
            }
            partialEnergy += energy
            partialCount += 1
            if partialCount == Self.subBlock {
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
        let samples = Double(subBlocks * Self.subBlock)
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

/// The BS.1770 K-weighting pre-filter at 48 kHz: a high shelf (the head's effect)
/// followed by the RLB high-pass, two biquads in direct form I.
struct KWeighting {
    private static let shelfB = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    private static let shelfA = [-1.69065929318241, 0.73248077421585]
    private static let highPassB = [1.0, -2.0, 1.0]
    private static let highPassA = [-1.99004745483398, 0.99007225036621]
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
    private var u1 = 0.0, u2 = 0.0, z1 = 0.0, z2 = 0.0

    mutating func process(_ x: Double) -> Double {
        let y = Self.shelfB[0] * x + Self.shelfB[1] * x1 + Self.shelfB[2] * x2 - Self.shelfA[0] * y1 - Self.shelfA[1] * y2
        x2 = x1; x1 = x; y2 = y1; y1 = y
        let z = Self.highPassB[0] * y + Self.highPassB[1] * u1 + Self.highPassB[2] * u2 - Self.highPassA[0] * z1 - Self.highPassA[1] * z2
        u2 = u1; u1 = y; z2 = z1; z1 = z
        return z
    }
}
