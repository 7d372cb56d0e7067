import CSoxr

/// Mixes interleaved PCM to mono (the plain channel mean, as librosa's `to_mono`)
/// and resamples it with libsoxr's HQ recipe, the one librosa loads with
/// (`res_type="soxr_hq"`), fed in chunks. It owns a soxr handle, so it is a class
/// with a deinit; one instance is used by one thread.
final class MonoResampler {
    let channels: Int
    private let resampler: soxr_t?
    private let ratio: Double
    private var mono: [Float] = []
    private var output: [Float] = []

    init(channels: Int, inputRate: Int, outputRate: Int) {
        precondition(channels > 0 && inputRate > 0 && outputRate > 0)
        self.channels = channels
        ratio = Double(outputRate) / Double(inputRate)
        // nil specs: float32 interleaved in and out, soxr_quality_spec(SOXR_HQ, 0).
        resampler = inputRate == outputRate ? nil : soxr_create(Double(inputRate), Double(outputRate), 1, nil, nil, nil, nil)
    }

    deinit {
        if let resampler { soxr_delete(resampler) }
    }

    /// Mixes and resamples one chunk of whole frames and hands the output to `consume`.
    func process(interleaved samples: UnsafeBufferPointer<Float>, _ consume: (UnsafeBufferPointer<Float>) -> Void) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        if mono.count < frames { mono = [Float](repeating: 0, count: frames) }
        mono.withUnsafeMutableBufferPointer { mono in
            let input = samples.baseAddress!
            switch channels {
            case 1:
                mono.baseAddress!.update(from: input, count: frames)
            case 2:
                // Eight frames at a time: one 16-lane load split into left and right.
                let raw = UnsafeRawPointer(input), output = UnsafeMutableRawPointer(mono.baseAddress!)
                var frame = 0
                while frame + 8 <= frames {
                    let pair = raw.loadUnaligned(fromByteOffset: 8 * frame, as: SIMD16<Float>.self)
                    output.storeBytes(of: 0.5 * (pair.evenHalf + pair.oddHalf), toByteOffset: 4 * frame, as: SIMD8<Float>.self)
                    frame += 8
                }
                for frame in frame..<frames { mono[frame] = 0.5 * (input[2 * frame] + input[2 * frame + 1]) }
            default:
                let weight = 1 / Float(channels)
                for frame in 0..<frames {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += input[frame * channels + channel] }
                    mono[frame] = sum * weight
                }
            }
            resample(UnsafeBufferPointer(rebasing: mono[0..<frames]), consume)
        }
    }

    /// Drains the resampler's delay line at the end of the input.
    func finish(_ consume: (UnsafeBufferPointer<Float>) -> Void) {
        guard let resampler else { return }
        ensureOutputCapacity(4096)
        output.withUnsafeMutableBufferPointer { output in
            while true {
                var produced = 0
                // A nil input tells soxr that the input has ended.
                let error = soxr_process(resampler, nil, 0, nil, output.baseAddress, output.count, &produced)
                guard error == nil, produced > 0 else { break }
                consume(UnsafeBufferPointer(rebasing: output[0..<produced]))
            }
        }
    }

    private func resample(_ input: UnsafeBufferPointer<Float>, _ consume: (UnsafeBufferPointer<Float>) -> Void) {
        guard let resampler else { return consume(input) }
        ensureOutputCapacity(Int((Double(input.count) * ratio).rounded(.up)) + 256)
        output.withUnsafeMutableBufferPointer { output in
            var offset = 0
            // soxr may take only part of the input when the output buffer fills up.
            while offset < input.count {
                var used = 0, produced = 0
                let error = soxr_process(
                    resampler, input.baseAddress! + offset, input.count - offset, &used,
                    output.baseAddress, output.count, &produced
                )
                guard error == nil else { return }
                if produced > 0 { consume(UnsafeBufferPointer(rebasing: output[0..<produced])) }
                offset += used
                if used == 0 && produced == 0 { return }
            }
        }
    }

    private func ensureOutputCapacity(_ count: Int) {
        if output.count < count { output = [Float](repeating: 0, count: count) }
    }
}
