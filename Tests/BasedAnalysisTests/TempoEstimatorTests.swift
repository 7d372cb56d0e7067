@testable import BasedAnalysis
import Foundation
import Testing

@Suite("Tempo: the choice of metrical level")
struct TempoEstimatorTests {
    static let frameRate = SpectralAnalyzer.sampleRate / Double(SpectralAnalyzer.hopLength)

    /// An onset envelope of `seconds` holding one bar pattern, repeated: each onset is a
    /// short attack-and-decay shape placed between frames in proportion (as a rendered
    /// note's spectral flux falls wherever the note starts, not on a frame boundary).
    static func envelope(bpm: Double, beatsPerBar: Int = 4, onsets: [(beat: Double, strength: Float)],
                         seconds: Double = 30) -> [Float] {
        let count = Int(seconds * frameRate)
        let shape: [Float] = [1, 0.6, 0.3, 0.1]
        var envelope = [Float](repeating: 0, count: count + shape.count + 1)
        let period = 60 * frameRate / bpm
        var barStart = 0.0
        while barStart < Double(count) {
            for onset in onsets {
                let position = barStart + onset.beat * period
                guard position < Double(count) else { continue }
                let frame = Int(position), fraction = Float(position - Double(frame))
                for (k, value) in shape.enumerated() {
                    envelope[frame + k] += onset.strength * value * (1 - fraction)
                    envelope[frame + k + 1] += onset.strength * value * fraction
                }
            }
            barStart += Double(beatsPerBar) * period
        }
        return Array(envelope.prefix(count))
    }

    static func bpm(of envelope: [Float]) throws -> Double {
        try #require(TempoEstimator.estimate(onset: envelope, frameRate: frameRate)).bpm
    }

    @Test("a slow beat with soft eighth notes between keeps its beat (64 BPM, not the eighths' 128)")
    func slowBeatWithEighths() throws {
        // Kick and snare on the beats, a hi-hat on every off-beat at 40 %: librosa's
        // one-octave prior around 120 BPM reported the eighth notes.
        let onsets: [(beat: Double, strength: Float)] = [
            (0, 1), (0.5, 0.4), (1, 0.8), (1.5, 0.4), (2, 1), (2.5, 0.4), (3, 0.8), (3.5, 0.4),
        ]
        let bpm = try Self.bpm(of: Self.envelope(bpm: 64, onsets: onsets))
        #expect(abs(bpm / 64 - 1) <= 0.04, "got \(bpm) BPM")
    }

    @Test("a fast beat whose period falls between two frames is not halved (168 BPM, not 84)")
    func fastBeatBetweenFrames() throws {
        // 168 BPM is a period of 15.4 frames: its samples at 15 and 16 lie below the
        // peak, while twice the period (30.8) sits near a whole frame.
        let onsets: [(beat: Double, strength: Float)] = [(0, 1), (1, 0.8), (2, 1), (3, 0.8)]
        let bpm = try Self.bpm(of: Self.envelope(bpm: 168, onsets: onsets))
        #expect(abs(bpm / 168 - 1) <= 0.04, "got \(bpm) BPM")
    }

    @Test("a beat near the prior's centre stays where it is (96 and 132 BPM)", arguments: [96.0, 132.0])
    func moderateBeat(tempo: Double) throws {
        let onsets: [(beat: Double, strength: Float)] = [
            (0, 1), (0.5, 0.4), (1, 0.8), (1.5, 0.4), (2, 1), (2.5, 0.4), (3, 0.8), (3.5, 0.4),
        ]
        let bpm = try Self.bpm(of: Self.envelope(bpm: tempo, onsets: onsets))
        #expect(abs(bpm / tempo - 1) <= 0.04, "got \(bpm) BPM")
    }

    @Test("a tempogram peak is read at the vertex of its parabola, never more than half a frame away")
    func interpolatedPeak() {
        // y = 1 − (x − 10.3)² sampled at 9, 10, 11: the vertex is at 10.3, height 1.
        let tempogram = (0..<20).map { 1 - pow(Double($0) - 10.3, 2) }
        let peak = TempoEstimator.interpolatedPeak(tempogram, at: 10)
        #expect(abs(peak.period - 10.3) < 1e-9)
        #expect(abs(peak.height - 1) < 1e-9)
        // Not a local maximum: the sample as it is.
        let slope = TempoEstimator.interpolatedPeak(tempogram, at: 5)
        #expect(slope.period == 5 && slope.height == tempogram[5])
    }
}
