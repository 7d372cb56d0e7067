@testable import BasedAnalysis
import Foundation
import Testing

@Suite("Loudness, key and embedding")
struct LoudnessAndKeyTests {
    @Test("a 1 kHz stereo sine peaking at −20 dBFS measures −20 LUFS (EBU Tech 3341)")
    func referenceTone() throws {
        var meter = LoudnessMeter(channelWeights: [1, 1])
        let tone = Signals.render(seconds: 20, rate: 48_000, Signals.sine(1000, amplitude: 0.1)).flatMap { sample -> [Float] in [sample, sample] }
        tone.withUnsafeBufferPointer { meter.consume(interleaved: $0) }
        let result = meter.result()
        #expect(abs(result.integratedLUFS - -20) < 0.1)
        #expect(result.rangeLU < 0.1)
        let peak = try #require(result.truePeakDBTP)
        #expect(abs(peak - -20) < 0.2)
    }

    @Test("LFE does not count and surrounds weigh 1.41, as in ffmpeg")
    func channelWeights() {
        #expect(LoudnessMeter.weights(channels: 6) == [1, 1, 1, 0, 1.41, 1.41])
        var lfeOnly = LoudnessMeter(channelWeights: LoudnessMeter.weights(channels: 6))
        let tone = Signals.render(seconds: 3, rate: 48_000, Signals.sine(60, amplitude: 0.5))
        let interleaved: [Float] = tone.flatMap { sample -> [Float] in [0, 0, 0, sample, 0, 0] }
        interleaved.withUnsafeBufferPointer { lfeOnly.consume(interleaved: $0) }
        #expect(lfeOnly.result().integratedLUFS == -70)
    }

    @Test("gating: integrated loudness ignores the silent half of a track")
    func gating() {
        var meter = LoudnessMeter(channelWeights: [1])
        let tone = Signals.render(seconds: 10, rate: 48_000) { t in t < 5 ? 0.1 * sin(2 * .pi * 1000 * t) : 0 }
        tone.withUnsafeBufferPointer { meter.consume(interleaved: $0) }
        // Mono at −20 dBFS peak is 3 dB below the stereo reference.
        #expect(abs(meter.result().integratedLUFS - -23) < 0.2)
    }

    @Test("the C major scale's profile is C major, its relative minor's is A minor")
    func keyProfiles() throws {
        let cMajor = [1.0, 0, 0.6, 0, 0.8, 0.5, 0, 0.9, 0, 0.5, 0, 0.3]
        let estimate = try #require(KeyEstimator.estimate(chroma: cMajor))
        #expect(estimate.tonic == 0 && estimate.mode == .major)
        let aMinor = [0.5, 0, 0.4, 0, 0.8, 0.4, 0, 0.2, 0.3, 1.0, 0, 0.4]
        let minor = try #require(KeyEstimator.estimate(chroma: aMinor))
        #expect(minor.tonic == 9 && minor.mode == .minor)
        #expect(KeyEstimator.estimate(chroma: Array(repeating: 0.5, count: 12)) == nil)
    }

    @Test("embeddings are unit length and a quieter copy is nearer than a different sound")
    func embedding() {
        let song = Signals.analyze(seconds: 8) { t in Signals.metronome(bpm: 110)(t) + Signals.sine(330, amplitude: 0.2)(t) }
        let quieter = Signals.analyze(seconds: 8) { t in 0.7 * (Signals.metronome(bpm: 110)(t) + Signals.sine(330, amplitude: 0.2)(t)) }
        let noise = Signals.analyze(seconds: 8, Signals.noise(seed: 7))
        for analysis in [song, quieter, noise] {
            #expect(abs(analysis.embeddingNorm - 1) < 1e-5)
            #expect(analysis.embedding.version == AudioAnalysis.embeddingVersion)
        }
        #expect(song.embedding.similarity(to: quieter.embedding) > song.embedding.similarity(to: noise.embedding))
        #expect(song.embedding.groups.map(\.name) == ["timbre", "spectral-shape", "harmony", "rhythm", "energy"])
    }

    @Test("the mel filterbank has 128 bands covering 0 Hz to Nyquist in order")
    func melBank() {
        let bank = MelFilterbank(sampleRate: 22_050, fftSize: 2048, bandCount: 128)
        #expect(bank.bands.count == 128)
        #expect(bank.bands.allSatisfy { !$0.weights.isEmpty })
        #expect(zip(bank.bands, bank.bands.dropFirst()).allSatisfy { $0.firstBin <= $1.firstBin })
        #expect(abs(MelFilterbank.melToHz(MelFilterbank.hzToMel(4321)) - 4321) < 1e-6)
    }
}
