import Foundation

/// One thing a listener did with a track whose audio embedding is known.
public struct TasteSignal: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Listened to the end.
        case fullPlay
        /// Skipped within the first 30 seconds.
        case skip
        case like
        case playlistAdd
        /// Swiped right on the deck.
        case swipeLike
        /// Swiped left on the deck.
        case swipePass

        /// How much one such signal counts; negative ones push the profile away.
        public var weight: Float {
            switch self {
            case .fullPlay: 1
            case .like: 2
            case .playlistAdd: 1.5
            case .swipeLike: 1.5
            case .skip: -0.6
            case .swipePass: -0.6
            }
        }
    }

    public var kind: Kind
    public var vector: [Float]
    public var at: Date

    public init(_ kind: Kind, vector: [Float], at: Date) {
        self.kind = kind
        self.vector = vector
        self.at = at
    }
}

/// A listener's taste as one point in the embedding space: the time-decayed,
/// weighted mean of what they played fully, liked, added and swiped right on,
/// pushed away from the mean of what they skipped or passed.
public enum TasteProfile {
    /// The profile, unit length, or nil when nothing positive is known.
    /// A signal's weight halves every `halfLife`.
    public static func vector(from signals: [TasteSignal], now: Date, halfLife: TimeInterval = 30 * 86_400) -> [Float]? {
        guard let dimension = signals.first?.vector.count, dimension > 0 else { return nil }
        var liked = [Float](repeating: 0, count: dimension), disliked = liked
        var likedWeight: Float = 0, dislikedWeight: Float = 0
        for signal in signals where signal.vector.count == dimension {
            let age = max(0, now.timeIntervalSince(signal.at))
            let decay = Float(exp2(-age / halfLife))
            let weight = signal.kind.weight * decay
            if weight > 0 {
                add(signal.vector, times: weight, to: &liked)
                likedWeight += weight
            } else if weight < 0 {
                add(signal.vector, times: -weight, to: &disliked)
                dislikedWeight -= weight
            }
        }
        guard likedWeight > 0 else { return nil }
        var profile = liked.map { $0 / likedWeight }
        if dislikedWeight > 0 {
            // Away from the skips, in proportion to how much of the evidence they are.
            let push = dislikedWeight / (likedWeight + dislikedWeight)
            for index in profile.indices { profile[index] -= push * disliked[index] / dislikedWeight }
        }
        return normalised(profile)
    }

    static func add(_ vector: [Float], times weight: Float, to sum: inout [Float]) {
        for index in sum.indices { sum[index] += weight * vector[index] }
    }

    /// The vector scaled to unit length, or nil for the zero vector.
    public static func normalised(_ vector: [Float]) -> [Float]? {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}
