import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    public static let maxSimilar = 50

    static func similarCount(_ limit: Int?) throws -> Int {
        let count = limit ?? 10
        guard (1...maxSimilar).contains(count) else { throw AppError.validation("limit", "must be 1–\(maxSimilar)") }
        return count
    }

    /// Tracks that sound like this one or that its listeners also play; 404
    /// for a track the viewer may not see.
    public func similarTracks(to trackID: UUID, viewer: Identity?, limit: Int?, now: Date = Date()) async throws -> [Pick] {
        let count = try Self.similarCount(limit)
        let track = try await tracks.track(trackID, viewer: viewer)
        try await waitUntilLoaded()
        let excluded: Set<UUID> = if let viewer { try await blocks.blockedEitherWay(viewer.userID) } else { [] }
        let model = self.model.withLock { $0 }
        return catalogue.withLock { held -> [Pick] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            var pool: [RankingCandidate] = []
            let allowed = { (id: UUID) -> Bool in
                guard id != trackID, let entry = catalogue.entries[id] else { return false }
                return !excluded.contains(entry.artist)
            }
            if let vector = catalogue.vector(of: trackID) {
                for match in catalogue.nearest(vector, count: count * 4 + 20) where allowed(match.key) {
                    pool.append(candidate(match.key, relevance: max(0, 1 - Double(match.distance)), reason: "Sounds like \(track.title)", catalogue: catalogue, listener: nil, now: now))
                }
            }
            if let model {
                for (id, score) in model.recommend(for: [(trackID, 1)], count: count * 2, excluding: { !allowed($0) }) {
                    pool.append(candidate(id, relevance: min(1, Double(score) + 0.2), reason: "Listeners of \(track.title) also play this", catalogue: catalogue, listener: nil, now: now))
                }
            }
            return Ranker.rank(pool, context: .init(explorationInterval: 0), count: count, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: $0.reason) }
        }
    }

    /// Artists whose music sounds like this artist's, most alike first.
    public func similarArtists(to username: String, viewer: Identity?, limit: Int?) async throws -> [(artist: User, reason: String)] {
        let count = try Self.similarCount(limit)
        guard let artist = try await accounts.user(username: username) else { throw AppError.notFound("The user") }
        try await waitUntilLoaded()
        let excluded: Set<UUID> = if let viewer { try await blocks.blockedEitherWay(viewer.userID) } else { [] }
        if excluded.contains(artist.id) { throw AppError.notFound("The user") }
        let ranked = catalogue.withLock { held -> [(UUID, Float)] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            guard let own = catalogue.byArtist[artist.id], let centroid = catalogue.centroid(of: own) else { return [] }
            var best: [UUID: Float] = [:]
            for match in catalogue.nearest(centroid, count: 400) {
                guard let other = catalogue.entries[match.key]?.artist, other != artist.id, !excluded.contains(other) else { continue }
                best[other] = min(best[other] ?? .infinity, match.distance)
            }
            return best.sorted { ($0.value, $0.key.text) < ($1.value, $1.key.text) }.prefix(count).map { ($0.key, $0.value) }
        }
        let users = try await accounts.users(ids: ranked.map(\.0))
        return ranked.compactMap { id, _ in users[id].map { (artist: $0, reason: "Sounds like \(artist.displayName)") } }
    }
}
