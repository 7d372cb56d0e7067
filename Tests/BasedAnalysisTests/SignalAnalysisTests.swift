@testable import BasedAnalysis
import Foundation
import Testing

@Suite("Analysis of synthetic signals")
struct SignalAnalysisTests {
    @Test("a 440 Hz sine has its centroid, roll-off and chroma at A")
    func sine() {
        let analysis = Signals.analyze(seconds: 3, Signals.sine(440))
        #expect(abs(analysis.features.centroid.mean - 440) < 30)
        #expect(abs(analysis.features.rolloff.mean - 440) < 30)
        let zcr = 2 * 440 / 22_050.0
        #expect(abs(analysis.features.zeroCrossingRate.mean - zcr) / zcr < 0.05)
        let chroma = analysis.features.chroma.map(\.mean)
        #expect(chroma.firstIndex(of: chroma.max()!) == 9)
        // RMS of a sine is amplitude / √2.
        #expect(abs(analysis.features.rms.mean - 0.5 / 2.0.squareRoot()) < 0.02)
    }

    @Test("a 120 BPM metronome gives 120 BPM and beats half a second apart")
    func metronome() throws {
        let analysis = Signals.analyze(seconds: 20, Signals.metronome(bpm: 120))
        let bpm = try #require(analysis.tempo.bpm)
        #expect(abs(bpm - 120) / 120 < 0.04)
        #expect(analysis.tempo.confidence > 0.3)
        #expect(analysis.beats.count > 30)
        let gaps = zip(analysis.beats.dropFirst(), analysis.beats).map { $0 - $1 }
        let meanGap = gaps.reduce(0, +) / Double(gaps.count)
        #expect(abs(meanGap - 0.5) < 0.02)
    }

    @Test("digital silence gives defined values: no tempo, no key, −70 LUFS, no NaN")
    func silence() {
        let analysis = Signals.analyze(seconds: 5) { _ in 0 }
        #expect(analysis.tempo.bpm == nil)
        #expect(analysis.tempo.confidence == 0)
        #expect(analysis.beats.isEmpty)
        #expect(analysis.key.pitchClass == nil && analysis.key.confidence == 0)
        #expect(analysis.loudness.integratedLUFS == -70)
        #expect(analysis.loudness.truePeakDBTP == nil)
        #expect(analysis.features.centroid.mean == 0)
        #expect(analysis.isFinite)
        #expect(abs(analysis.embeddingNorm - 1) < 1e-5)
    }

    @Test("a single click never crashes and stays finite")
    func click() {
        let analysis = Signals.analyze(seconds: 4) { t in abs(t - 1) < 1 / 22_050.0 ? 1 : 0 }
        #expect(analysis.isFinite)
        #expect((0...1).contains(analysis.tempo.confidence))
        #expect(analysis.beats.count <= 2)
    }

    @Test("white noise is bright, noisy and keyless enough")
    func noise() {
        let analysis = Signals.analyze(seconds: 4, Signals.noise())
        #expect(analysis.isFinite)
        // White noise: centroid near a quarter of the sample rate, ZCR near one half.
        #expect(abs(analysis.features.centroid.mean - 5512) < 600)
        #expect(abs(analysis.features.zeroCrossingRate.mean - 0.5) < 0.05)
        #expect(analysis.key.confidence < 0.8)
    }

    @Test("non-finite samples are treated as silence, not propagated")
    func nonFinite() {
        let analysis = Signals.analyze(seconds: 2) { t in t < 1 ? .nan : .infinity }
        #expect(analysis.isFinite)
        #expect(analysis.tempo.bpm == nil)
    }

    @Test("very short input (10 ms, one sample, none) gives defined values")
    func short() {
        for seconds in [0.01, 1 / 22_050.0, 0] {
            let analysis = Signals.analyze(seconds: seconds, Signals.sine(1000))
            #expect(analysis.isFinite)
            #expect(analysis.tempo.bpm == nil)
            #expect(analysis.features.mfcc.count == 20 && analysis.features.chroma.count == 12)
        }
    }

    @Test("features do not depend on how the stream is chunked")
    func chunking() {
        let whole = Signals.analyze(seconds: 3, chunk: 1 << 20, Signals.metronome(bpm: 100))
        let pieces = Signals.analyze(seconds: 3, chunk: 77, Signals.metronome(bpm: 100))
        #expect(whole.features == pieces.features)
        #expect(whole.tempo == pieces.tempo)
    }

    @Test("the result encodes as JSON and decodes to the same value")
    func codable() throws {
        let analysis = Signals.analyze(seconds: 2, Signals.sine(220))
        let data = try JSONEncoder().encode(analysis)
        let decoded = try JSONDecoder().decode(TrackAnalysis.self, from: data)
        #expect(decoded == analysis)
    }
}
