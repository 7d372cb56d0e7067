/// Everything the analysis learns about one track, as stored and served: frame
/// feature statistics, tempo and beats, key, loudness and the embedding.
public struct TrackAnalysis: Codable, Sendable, Equatable {
    /// Version of the analysis definitions (features, tempo, key, loudness).
    public var analysisVersion: String
    public var durationSeconds: Double
    /// Rate of the PCM the features were computed from (Hz).
    public var sampleRate: Int
    public var features: SpectralFeatures
    public var tempo: Tempo
    /// Beat times in seconds; empty when no tempo was found.
    public var beats: [Double]
    public var key: MusicalKey
    public var loudness: Loudness
    public var embedding: TrackEmbedding
}

/// Means and standard deviations of librosa's frame features (n_fft 2048, hop 512).
public struct SpectralFeatures: Codable, Sendable, Equatable {
    /// Spectral centroid (Hz).
    public var centroid: Summary
    /// Spectral bandwidth, p = 2 (Hz).
    public var bandwidth: Summary
    /// Frequency below which 85 % of the magnitude lies (Hz).
    public var rolloff: Summary
    /// Root-mean-square amplitude of each frame (linear, full scale = 1).
    public var rms: Summary
    /// Fraction of adjacent sample pairs whose sign differs.
    public var zeroCrossingRate: Summary
    /// Onset strength (mean positive log-mel difference, dB).
    public var onsetStrength: Summary
    /// MFCC 0…19 (Slaney mel, power to dB with top_db 80, orthonormal DCT-II).
    public var mfcc: [Summary]
    /// STFT chroma C, C♯, …, B, each frame scaled so its largest bin is 1.
    public var chroma: [Summary]
}

/// The track's tempo; `bpm` is nil (confidence 0) when there is no pulse to find.
public struct Tempo: Codable, Sendable, Equatable {
    public var bpm: Double?
    /// Mean normalised onset autocorrelation at the beat period, 0…1.
    public var confidence: Double
}

/// Major or minor.
public enum Mode: String, Codable, Sendable {
    case major, minor
}

/// The track's key; nil fields (confidence 0) when the chroma profile is flat.
public struct MusicalKey: Codable, Sendable, Equatable {
    static let pitchNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

    /// Pitch class of the tonic, 0 = C … 11 = B.
    public var pitchClass: Int?
    public var mode: Mode?
    /// For example "A minor".
    public var name: String?
    /// Krumhansl–Schmuckler correlation of the winning key, clamped to 0…1.
    public var confidence: Double
    /// How far the winner's correlation is above the runner-up's.
    public var margin: Double
}

/// EBU R128 loudness, as ffmpeg's `ebur128` filter reports it.
public struct Loudness: Codable, Sendable, Equatable {
    /// Gated integrated loudness (LUFS); −70 when nothing passes the absolute gate.
    public var integratedLUFS: Double
    /// Loudness range (LU).
    public var rangeLU: Double
    /// True peak (dBTP); nil for digital silence.
    public var truePeakDBTP: Double?
}

/// A fixed-length, L2-normalised vector whose cosine similarity ranks sound-alike
/// tracks; `version` names the definition (docs/analysis.md), so vectors of
/// different versions are never compared.
public struct TrackEmbedding: Codable, Sendable, Equatable {
    public var version: String
    public var vector: [Float]
    /// Which slice of `vector` belongs to which group (timbre, harmony, …).
    public var groups: [Group]

    /// A named, contiguous range of dimensions.
    public struct Group: Codable, Sendable, Equatable {
        public var name: String
        public var start: Int
        public var count: Int
    }

    /// Cosine similarity (the vectors are unit length, so this is the dot product).
    public func similarity(to other: TrackEmbedding) -> Double {
        guard version == other.version, vector.count == other.vector.count else { return 0 }
        var dot = 0.0
        for i in vector.indices { dot += Double(vector[i]) * Double(other.vector[i]) }
        return dot
    }
}
