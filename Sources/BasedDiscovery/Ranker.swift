import Foundation

/// A track some source proposed (taste, similar listeners, a seed, the local
/// scene…), with what the ranking weighs.
public struct RankingCandidate: Sendable {
    public var track: UUID
    public var artist: UUID
    /// How strongly its source proposes it, 0…1.
    public var relevance: Double
    /// Why its source proposed it ("because you liked X").
    public var reason: String
    /// Its audio embedding (unit length), for diversity.
    public var vector: [Float]?
    /// Set when the artist is local to the listener ("from Leipzig").
    public var localReason: String?
    /// Set when the artist has a show near the listener soon ("on at The Basement Friday").
    public var showReason: String?
    /// Where its traits fall in the catalogue, for moods and the time of day.
    public var traits: TraitScale.Position?
    /// Plays so far: artists with few get explored.
    public var plays: Int
    /// Days since it was published.
    public var ageDays: Double?

    public init(
        track: UUID, artist: UUID, relevance: Double, reason: String, vector: [Float]? = nil, localReason: String? = nil,
        showReason: String? = nil, traits: TraitScale.Position? = nil, plays: Int = 0, ageDays: Double? = nil
    ) {
        self.track = track
        self.artist = artist
        self.relevance = relevance
        self.reason = reason
        self.vector = vector
        self.localReason = localReason
        self.showReason = showReason
        self.traits = traits
        self.plays = plays
        self.ageDays = ageDays
    }
}

/// What is known about the moment of the request.
public struct RankingContext: Sendable {
    /// A mood asked for: it then weighs as much as relevance.
    public var mood: Mood?
    /// The listener's local hour (0…23) and weekday (1 = Sunday … 7 = Saturday).
    public var hour: Int?
    public var weekday: Int?
    /// Relevance against variety, 0…1 (maximal marginal relevance's λ).
    public var relevanceWeight: Double
    /// Every `explorationInterval`-th place goes to a track with few plays, when there is one.
    public var explorationInterval: Int
    /// "Few plays".
    public var explorationPlays: Int

    public init(mood: Mood? = nil, hour: Int? = nil, weekday: Int? = nil, relevanceWeight: Double = 0.75,
                explorationInterval: Int = 5, explorationPlays: Int = 25) {
        self.mood = mood
        self.hour = hour
        self.weekday = weekday
        self.relevanceWeight = relevanceWeight
        self.explorationInterval = explorationInterval
        self.explorationPlays = explorationPlays
    }
}

/// One place in a ranked list.
public struct RankedTrack: Sendable, Equatable {
    public var track: UUID
    public var artist: UUID
    public var score: Double
    public var reason: String
}

/// Blends candidates from every source into one list: boosts for local
/// artists, nearby shows, freshness, the mood asked for and the time of day;
/// then picks greedily by maximal marginal relevance (similar sound and the
/// same artist count against a track), never the same artist twice in a row
/// when anything else is left, and a regular place for a little-played track.
public enum Ranker {
    /// `vector` gives a candidate's embedding when it carries none: only the
    /// few that compete for places are asked.
    public static func rank(
        _ candidates: [RankingCandidate], context: RankingContext, count: Int, vector: (UUID) -> [Float]? = { _ in nil }
    ) -> [RankedTrack] {
        guard count > 0, !candidates.isEmpty else { return [] }
        // The same track from several sources: the strongest proposal stays.
        var best: [UUID: RankingCandidate] = [:]
        best.reserveCapacity(candidates.count)
        for candidate in candidates where best[candidate.track].map({ $0.relevance < candidate.relevance }) ?? true {
            best[candidate.track] = candidate
        }
        // Only the strongest few compete for each place: variety among them, not among everything.
        var strongest = BestOf<RankingCandidate>(max(count * 4, 50))
        for candidate in best.values { strongest.offer(candidate, score: score(candidate, context)) }
        var pool = strongest.sorted().map { entry -> (candidate: RankingCandidate, score: Double) in
            var candidate = entry.element
            if candidate.vector == nil { candidate.vector = vector(candidate.track) }
            return (candidate, entry.score)
        }
        // Equal scores in a fixed order, so the same request ranks the same.
        pool.sort { $0.score != $1.score ? $0.score > $1.score : precedes($0.candidate.track, $1.candidate.track) }
        var chosen: [RankedTrack] = []
        var chosenVectors: [[Float]] = []
        while chosen.count < count, !pool.isEmpty {
            let place = chosen.count + 1
            let previousArtist = chosen.last?.artist
            let recentArtists = Set(chosen.suffix(3).map(\.artist))
            let exploring = context.explorationInterval > 0 && place % context.explorationInterval == 0
            let otherArtistLeft = pool.contains { $0.candidate.artist != previousArtist }
            var pick: Int?
            var pickValue = -Double.infinity
            for (index, entry) in pool.enumerated() {
                if exploring, entry.candidate.plays >= context.explorationPlays { continue }
                if entry.candidate.artist == previousArtist, otherArtistLeft { continue }
                var similarity = recentArtists.contains(entry.candidate.artist) ? 1.0 : 0.0
                if let vector = entry.candidate.vector {
                    for other in chosenVectors.suffix(10) { similarity = max(similarity, Double(dot(vector, other))) }
                }
                let value = context.relevanceWeight * entry.score - (1 - context.relevanceWeight) * similarity
                if value > pickValue {
                    pickValue = value
                    pick = index
                }
            }
            // No little-played track left: the place goes to the best of the rest.
            if pick == nil, exploring {
                pick = pool.indices.first { pool[$0].candidate.artist != previousArtist } ?? 0
            }
            guard let index = pick else { break }
            let entry = pool.remove(at: index)
            let candidate = entry.candidate
            let reason = candidate.showReason ?? (candidate.reason.isEmpty ? candidate.localReason ?? "" : candidate.reason)
            chosen.append(RankedTrack(track: candidate.track, artist: candidate.artist, score: entry.score, reason: reason))
            if let vector = candidate.vector { chosenVectors.append(vector) }
        }
        return chosen
    }

    /// The candidate's score before variety: relevance plus the context's boosts.
    static func score(_ candidate: RankingCandidate, _ context: RankingContext) -> Double {
        var score = candidate.relevance
        if candidate.localReason != nil { score += 0.2 }
        if candidate.showReason != nil { score += 0.15 }
        if let age = candidate.ageDays { score += 0.1 * exp(-max(0, age) / 21) }
        if let mood = context.mood {
            let fit = candidate.traits.map(mood.fit) ?? 0.3
            score = 0.5 * score + 0.5 * 1.5 * fit
        } else if let hour = context.hour, let energy = candidate.traits?.energy {
            score += 0.05 * timeOfDayFit(hour: hour, weekday: context.weekday, energy: energy)
        }
        return score
    }

    /// Late evenings and weekend nights lean energetic, small hours and early mornings calm; −1…1.
    static func timeOfDayFit(hour: Int, weekday: Int?, energy: Double) -> Double {
        let weekendNight = (weekday == 6 || weekday == 7) && (hour >= 20 || hour < 3)
        switch hour {
        case _ where weekendNight: return 2 * energy - 1
        case 0..<6: return 1 - 2 * energy
        case 6..<10: return 0.5 - abs(energy - 0.4) * 2
        case 17..<24: return energy - 0.5
        default: return 0
        }
    }

    /// UUIDs in byte order, without making strings.
    static func precedes(_ a: UUID, _ b: UUID) -> Bool {
        withUnsafeBytes(of: a.uuid) { a in withUnsafeBytes(of: b.uuid) { b in a.lexicographicallyPrecedes(b) } }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return 0 }
        var sum: Float = 0
        for index in a.indices { sum += a[index] * b[index] }
        return sum
    }
}
