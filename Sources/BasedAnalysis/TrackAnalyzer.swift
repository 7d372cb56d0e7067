/// The musical half of the analysis (everything but loudness), computed from mono
/// 22,050 Hz PCM fed in chunks; `finish()` then derives MFCCs, onsets, tempo,
/// beats and key. No I/O happens here.
struct TrackAnalyzer {
    static let analysisVersion = "based-analysis-1"

    /// What `finish()` returns; `assemble` adds loudness and the embedding.
    struct Musical: Sendable {
        var durationSeconds: Double
        var features: SpectralFeatures
        var tempo: Tempo
        var beats: [Double]
        var key: MusicalKey
    }

    private var spectral = SpectralAnalyzer()

    mutating func consume(_ samples: UnsafeBufferPointer<Float>) {
        spectral.consume(samples)
    }

    mutating func consume(_ samples: [Float]) {
        samples.withUnsafeBufferPointer { spectral.consume($0) }
    }

    mutating func finish() -> Musical {
        spectral.finish()
        let frameRate = SpectralAnalyzer.sampleRate / Double(SpectralAnalyzer.hopLength)
        let logMel = LogMelFeatures.compute(melDecibels: spectral.melDecibels)
        var onsetMoments = RunningMoments()
        for value in logMel.onsetEnvelope { onsetMoments.add(Double(value)) }

        let features = SpectralFeatures(
            centroid: spectral.centroid.summary,
            bandwidth: spectral.bandwidth.summary,
            rolloff: spectral.rolloff.summary,
            rms: spectral.rms.summary,
            zeroCrossingRate: spectral.zeroCrossingRate.summary,
            onsetStrength: onsetMoments.summary,
            mfcc: logMel.mfcc,
            chroma: spectral.chroma.map(\.summary)
        )

        var tempo = Tempo(bpm: nil, confidence: 0)
        var beats: [Double] = []
        if let estimate = TempoEstimator.estimate(onset: logMel.onsetEnvelope, frameRate: frameRate) {
            tempo = Tempo(bpm: estimate.bpm, confidence: estimate.confidence)
            beats = BeatTracker.track(onset: logMel.onsetEnvelope, periodFrames: estimate.periodFrames)
                .map { Double($0) / frameRate }
        }

        var key = MusicalKey(pitchClass: nil, mode: nil, name: nil, confidence: 0, margin: 0)
        if let estimate = KeyEstimator.estimate(chroma: features.chroma.map(\.mean)) {
            key = MusicalKey(
                pitchClass: estimate.tonic,
                mode: estimate.mode,
                name: "\(MusicalKey.pitchNames[estimate.tonic]) \(estimate.mode.rawValue)",
                confidence: min(max(estimate.correlation, 0), 1),
                margin: max(estimate.correlation - estimate.runnerUpCorrelation, 0)
            )
        }

        return Musical(
            durationSeconds: Double(spectral.samplesSeen) / SpectralAnalyzer.sampleRate,
            features: features, tempo: tempo, beats: beats, key: key
        )
    }

    static func assemble(_ musical: Musical, loudness: Loudness) -> TrackAnalysis {
        TrackAnalysis(
            analysisVersion: analysisVersion,
            durationSeconds: musical.durationSeconds,
            sampleRate: Int(SpectralAnalyzer.sampleRate),
            features: musical.features,
            tempo: musical.tempo,
            beats: musical.beats,
            key: musical.key,
            loudness: loudness,
            embedding: EmbeddingBuilder.build(
                features: musical.features, tempo: musical.tempo, beats: musical.beats,
                key: musical.key, loudness: loudness
            )
        )
    }
}
