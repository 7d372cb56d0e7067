import Foundation

/// Builds the track embedding from the analysis: each raw descriptor is standardised
/// with fixed constants (typical centre and spread of commercial music, so one
/// track's vector never depends on which other tracks exist), each group is scaled
/// to equal weight whatever its size, and the whole is L2-normalised.
/// The definition is documented in docs/analysis.md; change `version` with it.
enum EmbeddingBuilder {
    static let version = "based-embedding-1"

    /// (value, centre, spread) → (value − centre) / spread, clamped to ±4 so one
    /// extreme descriptor cannot dominate the cosine.
    private static func standardise(_ value: Double, _ centre: Double, _ spread: Double) -> Double {
        guard value.isFinite else { return 0 }
        return min(max((value - centre) / spread, -4), 4)
    }

    static func build(
        features: SpectralFeatures, tempo: Tempo, beats: [Double], key: MusicalKey, loudness: Loudness
    ) -> TrackEmbedding {
        var groups: [(String, [Double])] = []

        // Timbre: MFCC 1–12 means and spreads (c0 is overall level, which energy covers).
        var timbre: [Double] = []
        for k in 1...12 {
            let scale = k <= 2 ? 40.0 : 15.0
            timbre.append(standardise(features.mfcc[k].mean, 0, scale))
        }
        for k in 1...12 { timbre.append(standardise(features.mfcc[k].std, 10, 6)) }
        groups.append(("timbre", timbre))

        // Spectral shape: brightness and noisiness, on log scales where perception is.
        let shape = [
            standardise(log2(max(features.centroid.mean, 20)), log2(2000), 1),
            standardise(log2(max(features.bandwidth.mean, 20)), log2(2000), 0.7),
            standardise(log2(max(features.rolloff.mean, 20)), log2(4000), 1),
            standardise(features.zeroCrossingRate.mean, 0.08, 0.06),
            standardise(features.centroid.std / max(features.centroid.mean, 1), 0.4, 0.25),
            standardise(features.zeroCrossingRate.std, 0.05, 0.05),
        ]
        groups.append(("spectral-shape", shape))

        // Harmony: the chroma profile rotated to the detected tonic (so the same song
        // in another key stays close), plus mode and how tonal the track is.
        let means = features.chroma.map(\.mean)
        let average = means.reduce(0, +) / 12
        let tonic = key.pitchClass ?? 0
        var harmony = (0..<12).map { standardise(means[($0 + tonic) % 12] - average, 0, 0.15) }
        let modeSign: Double = key.mode == .minor ? -1 : (key.mode == .major ? 1 : 0)
        harmony.append(modeSign * key.confidence * 2)
        harmony.append(standardise(key.confidence, 0.6, 0.2))
        groups.append(("harmony", harmony))

        // Rhythm: tempo on an octave-folded log scale (an octave error moves it little),
        // pulse clarity, onset density and beat regularity.
        let bpm = tempo.bpm ?? 0
        let foldedTempo = bpm > 0 ? log2(bpm / 120) : 0
        var intervals: [Double] = []
        for i in beats.indices.dropFirst() { intervals.append(beats[i] - beats[i - 1]) }
        let meanInterval = intervals.isEmpty ? 0 : intervals.reduce(0, +) / Double(intervals.count)
        let intervalSpread = intervals.isEmpty || meanInterval <= 0 ? 1 :
            (intervals.reduce(0) { $0 + pow($1 - meanInterval, 2) } / Double(intervals.count)).squareRoot() / meanInterval
        let rhythm = [
            standardise(foldedTempo, 0, 0.4),
            standardise(tempo.confidence, 0.3, 0.15),
            standardise(features.onsetStrength.mean, 1.0, 0.5),
            standardise(features.onsetStrength.std / max(features.onsetStrength.mean, 1e-3), 1.2, 0.5),
            standardise(intervalSpread, 0.05, 0.1),
        ]
        groups.append(("rhythm", rhythm))

        // Energy: level, dynamics and crest (peak-to-loudness), all in dB.
        let rmsDecibels = 20 * log10(max(features.rms.mean, 1e-5))
        let peak = loudness.truePeakDBTP ?? -100
        let energy = [
            standardise(loudness.integratedLUFS, -14, 6),
            standardise(loudness.rangeLU, 6, 4),
            standardise(peak - loudness.integratedLUFS, 12, 4),
            standardise(rmsDecibels, -20, 8),
            standardise(features.rms.std / max(features.rms.mean, 1e-5), 0.5, 0.3),
        ]
        groups.append(("energy", energy))

        var vector: [Double] = []
        var layout: [TrackEmbedding.Group] = []
        for (name, values) in groups {
            // Equal weight per group: a 24-value timbre group must not drown a 5-value one.
            let scale = 1 / Double(values.count).squareRoot()
            layout.append(.init(name: name, start: vector.count, count: values.count))
            vector.append(contentsOf: values.map { $0 * scale })
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let unit: [Float] = norm > 1e-12 ? vector.map { Float($0 / norm) } : {
            // Digital silence standardises to a definite point; use a fixed unit vector.
            var v = [Float](repeating: 0, count: vector.count)
            v[0] = 1
            return v
        }()
        return TrackEmbedding(version: version, vector: unit, groups: layout)
    }
}
