import CFFTW
import Foundation

/// A forward real-to-complex FFT of one fixed size, backed by FFTW's single
/// precision planner; it owns FFTW-aligned buffers, so it is a class with a deinit.
final class RealFFT {
    let size: Int
    /// Input samples; fill `size` values, then call `transform()`.
    let input: UnsafeMutablePointer<Float>
    /// Interleaved (re, im) pairs for bins 0...size/2 after `transform()`.
    let output: UnsafeMutablePointer<Float>
    private let plan: fftwf_plan

    /// FFTW's planner is not thread-safe (executing a plan is), so planning is serialised.
    private static let plannerLock = NSLock()

    init(size: Int) {
        precondition(size > 0 && size % 2 == 0, "FFT size must be even")
        self.size = size
        let real = fftwf_alloc_real(size)!
        let complexOutput = fftwf_alloc_complex(size / 2 + 1)!
        input = real
        output = UnsafeMutableRawPointer(complexOutput).bindMemory(to: Float.self, capacity: size + 2)
        // FFTW_ESTIMATE plans in microseconds without touching the buffers; measuring
        // would cost more than it saves on one track.
        Self.plannerLock.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(size), real, complexOutput, UInt32(FFTW_ESTIMATE))!
        Self.plannerLock.unlock()
    }

    deinit {
        Self.plannerLock.withLock { fftwf_destroy_plan(plan) }
        fftwf_free(input)
        fftwf_free(output)
    }

    func transform() {
        fftwf_execute(plan)
    }

    /// |X[k]|² for every bin, written to `power` (size/2 + 1 values).
    func powerSpectrum(into power: UnsafeMutablePointer<Float>) {
        for bin in 0...(size / 2) {
            let re = output[2 * bin], im = output[2 * bin + 1]
            power[bin] = re * re + im * im
        }
    }
}
