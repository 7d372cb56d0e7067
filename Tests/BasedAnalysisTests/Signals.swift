@testable import BasedAnalysis
import Foundation

/// Small generators of test signals, described as functions of time so the same
/// signal can be rendered at 22,050 Hz (features) and 48 kHz (loudness).
enum Signals {
    static func render(seconds: Double, rate: Double, _ signal: (Double) -> Double) -> [Float] {
        let count = Int(seconds * rate)
        return (0..<count).map { Float(signal(Double($0) / rate)) }
    }

    static func sine(_ hz: Double, amplitude: Double = 0.5) -> (Double) -> Double {
        { amplitude * sin(2 * .pi * hz * $0) }
    }

    /// A decaying 1 kHz blip every beat: a metronome.
    static func metronome(bpm: Double, amplitude: Double = 0.8) -> (Double) -> Double {
        let period = 60 / bpm
        return { t in
            let since = t.truncatingRemainder(dividingBy: period)
            return since < 0.05 ? amplitude * exp(-since * 80) * sin(2 * .pi * 1000 * since) : 0
        }
    }

    /// Deterministic white noise (a linear congruential generator, so runs repeat).
    static func noise(seed: UInt64 = 1, amplitude: Double = 0.3) -> (Double) -> Double {
        let state = NoiseState(seed: seed)
        return { _ in amplitude * state.next() }
    }

    /// Analyses a signal the way the file path does, without ffmpeg.
    static func analyze(seconds: Double, chunk: Int = 4096, _ signal: (Double) -> Double) -> TrackAnalysis {
        var analyzer = TrackAnalyzer()
        let mono = render(seconds: seconds, rate: 22_050, signal)
        var start = 0
        while start < mono.count {
            analyzer.consume(Array(mono[start..<min(start + chunk, mono.count)]))
            start += chunk
        }
        var meter = LoudnessMeter(channelWeights: [1, 1])
        let stereo = render(seconds: seconds, rate: 48_000, signal).flatMap { sample -> [Float] in [sample, sample] }
        stereo.withUnsafeBufferPointer { meter.consume(interleaved: $0) }
        return TrackAnalyzer.assemble(analyzer.finish(), loudness: meter.result())
    }
}

final class NoiseState: @unchecked Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(Int64(bitPattern: state)) / Double(Int64.max)
    }
}

extension TrackAnalysis {
    /// Every number in the result, so a test can require all of them to be finite.
    var allNumbers: [Double] {
        var values = [durationSeconds, tempo.confidence, key.confidence, key.margin,
                      loudness.integratedLUFS, loudness.rangeLU]
        let f = features
        for summary in [f.centroid, f.bandwidth, f.rolloff, f.rms, f.zeroCrossingRate, f.onsetStrength] + f.mfcc + f.chroma {
            values += [summary.mean, summary.std]
        }
        if let bpm = tempo.bpm { values.append(bpm) }
        if let peak = loudness.truePeakDBTP { values.append(peak) }
        values += beats
        values += embedding.vector.map(Double.init)
        return values
    }

    var isFinite: Bool { allNumbers.allSatisfy { $0.isFinite } }

    var embeddingNorm: Double {
        embedding.vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }
}
