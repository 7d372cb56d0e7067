/// Key and mode by the Krumhansl–Schmuckler method: the track's chroma profile is
/// correlated with a major and a minor key profile rotated to all twelve tonics,
/// and the best of the 24 wins. The profiles are Albrecht & Shanahan's (2013,
/// pitch-class distributions of a corpus of scored music): with audio chroma they
/// confuse a key with its dominant less often than Krumhansl–Kessler's probe-tone
/// ratings do (docs/analysis.md has the comparison).
enum KeyEstimator {
    static let majorProfile = [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]
    static let minorProfile = [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]
    /// Krumhansl–Kessler probe-tone profiles, the method's original weights, kept for comparison.
    static let krumhanslMajor = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
    static let krumhanslMinor = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]

    struct Estimate: Equatable {
        var tonic: Int
        var mode: Mode
        var correlation: Double
        var runnerUpCorrelation: Double
    }

    /// nil when the profile is flat (silence, white noise), where every key correlates 0.
    static func estimate(
        chroma: [Double], major: [Double] = majorProfile, minor: [Double] = minorProfile
    ) -> Estimate? {
        precondition(chroma.count == 12)
        var scores: [(tonic: Int, mode: Mode, r: Double)] = []
        for tonic in 0..<12 {
            for (mode, profile) in [(Mode.major, major), (Mode.minor, minor)] {
                let rotated = (0..<12).map { profile[($0 - tonic + 12) % 12] }
                scores.append((tonic, mode, Correlation.pearson(chroma, rotated)))
            }
        }
        scores.sort { $0.r > $1.r }
        guard let best = scores.first, best.r > 1e-6 else { return nil }
        return Estimate(tonic: best.tonic, mode: best.mode, correlation: best.r, runnerUpCorrelation: scores[1].r)
    }
}
