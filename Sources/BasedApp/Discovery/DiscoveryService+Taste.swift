import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    // MARK: Settings

    /// A user's discovery choices. Taste matching (compatibility, blends,
    /// "listeners near you") is off until they turn it on; their listening
    /// shows on public boards (an artist's top fans) only when they say so;
    /// an artist or venue appears on charts unless they opt out.
    public struct Choices: Sendable, Equatable {
        public var tasteMatching = false
        public var publicBoards = true
        public var publicListening = false

        public init(tasteMatching: Bool = false, publicBoards: Bool = true, publicListening: Bool = false) {
            self.tasteMatching = tasteMatching
            self.publicBoards = publicBoards
            self.publicListening = publicListening
        }
    }

    public func choices(of user: UUID) async throws -> Choices {
        try await choices(of: [user])[user] ?? Choices()
    }

    func choices(of users: [UUID]) async throws -> [UUID: Choices] {
        let rows = try await DiscoveryQueries.settings(of: users, on: database.sql)
        var result: [UUID: Choices] = [:]
        for user in users { result[user] = Choices() }
        for row in rows { result[row.userId] = Choices(tasteMatching: row.tasteMatching, publicBoards: row.publicBoards, publicListening: row.publicListening) }
        return result
    }

    public func setChoices(_ identity: Identity, tasteMatching: Bool?, publicBoards: Bool?, publicListening: Bool?, now: Date = Date()) async throws -> Choices {
        var choices = try await choices(of: identity.userID)
        if let tasteMatching { choices.tasteMatching = tasteMatching }
        if let publicBoards { choices.publicBoards = publicBoards }
        if let publicListening { choices.publicListening = publicListening }
        let row = DiscoveryQueries.SettingsRow(
            userId: identity.userID, tasteMatching: choices.tasteMatching, publicBoards: choices.publicBoards, publicListening: choices.publicListening
        )
        try await database.transaction { sql in try await DiscoveryQueries.saveSettings(row, now: now, on: sql) }
        return choices
    }

    // MARK: Swipes

    /// Tracks to swipe on: what the listener would be recommended, never one
    /// they heard or swiped already.
    public func swipeDeck(of user: UUID, count: Int?, now: Date = Date()) async throws -> [Pick] {
        let size = count ?? 10
        guard (1...30).contains(size) else { throw AppError.validation("count", "must be 1–30") }
        try await waitUntilLoaded()
        let listener = try await listener(user)
        let model = self.model.withLock { $0 }
        return catalogue.withLock { held -> [Pick] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            var pool = candidates(for: listener, catalogue: catalogue, model: model, now: now)
            // A deck is also where unknown tracks get their chance: the little-played ones join it.
            if pool.count < size * 3 {
                let heard = listener.heard
                var newest = BestOf<UUID>(size * 10)
                for (track, entry) in catalogue.entries where !heard.contains(track) && !listener.excludedArtists.contains(entry.artist) {
                    newest.offer(track, score: entry.createdAt.timeIntervalSince1970)
                }
                for (track, _) in newest.sorted() {
                    pool.append(candidate(track, relevance: 0.1, reason: "New to you", catalogue: catalogue, listener: listener, now: now))
                }
            }
            return Ranker.rank(pool, context: Self.context(now: now), count: size, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: $0.reason) }
        }
    }

    /// Records a swipe right (liked) or left; 404 for a track that is not public and ready.
    public func swipe(_ identity: Identity, track: UUID, liked: Bool, now: Date = Date()) async throws {
        try await waitUntilLoaded()
        let artist = catalogue.withLock { $0.entries[track]?.artist }
        guard let artist, !(try await blocks.blockedEitherWay(identity.userID)).contains(artist) else { throw AppError.notFound("The track") }
        try await database.transaction { sql in
            try await DiscoveryQueries.swipe(user: identity.userID, track: track, liked: liked, now: now, on: sql)
        }
    }

    // MARK: Compatibility, blends, neighbours

    /// What two listeners share.
    public struct Compatibility: Sendable {
        public var percent: Int
        public var sharedArtists: [UUID]
        public var sharedTracks: [UUID]
    }

    /// How alike two listeners' taste is, with what they share. Both must have
    /// turned taste matching on (403 `taste_matching_off` otherwise), so
    /// nobody's listening is compared without their say.
    public func compatibility(_ identity: Identity, with username: String, now: Date = Date()) async throws -> (other: User, result: Compatibility) {
        let other = try await matchable(identity, username)
        try await waitUntilLoaded()
        let mine = try await listener(identity.userID), theirs = try await listener(other.id)
        let result = catalogue.withLock { compare(mine, theirs, catalogue: $0, now: now) }
        return (other, result)
    }

    /// The other user, once both may be matched.
    private func matchable(_ identity: Identity, _ username: String) async throws -> User {
        guard let other = try await accounts.user(username: username),
              !(try await blocks.blockedEitherWay(identity.userID)).contains(other.id) else { throw AppError.notFound("The user") }
        guard other.id != identity.userID else { throw AppError.validation("username", "is you: compare yourself with someone else") }
        let choices = try await choices(of: [identity.userID, other.id])
        guard choices[identity.userID]?.tasteMatching == true else {
            throw AppError.forbidden("Turn taste matching on in your discovery settings first.", code: "taste_matching_off")
        }
        guard choices[other.id]?.tasteMatching == true else {
            throw AppError.forbidden("\(other.displayName) has not turned taste matching on.", code: "taste_matching_off")
        }
        return other
    }

    /// Half the cosine of the two listeners' artist weights, half the cosine of
    /// their taste in sound; shared artists by the smaller weight, shared tracks by recency.
    func compare(_ a: Listener, _ b: Listener, catalogue: DiscoveryCatalogue, now: Date) -> Compatibility {
        func artistWeights(_ listener: Listener) -> [UUID: Double] {
            var weights: [UUID: Double] = [:]
            for entry in listener.history {
                guard let artist = catalogue.entries[entry.item]?.artist else { continue }
                weights[artist, default: 0] += Double(entry.weight)
            }
            return weights
        }
        let artistsA = artistWeights(a), artistsB = artistWeights(b)
        let dotArtists = artistsA.reduce(0.0) { $0 + $1.value * (artistsB[$1.key] ?? 0) }
        let normA = artistsA.values.reduce(0) { $0 + $1 * $1 }.squareRoot(), normB = artistsB.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let artistSimilarity = normA > 0 && normB > 0 ? dotArtists / (normA * normB) : 0
        var soundSimilarity = 0.0
        if let tasteA = tasteVector(a, catalogue: catalogue, now: now), let tasteB = tasteVector(b, catalogue: catalogue, now: now) {
            soundSimilarity = max(0, Double(zip(tasteA, tasteB).reduce(Float(0)) { $0 + $1.0 * $1.1 }))
        }
        let shared = artistsA.keys.filter { artistsB[$0] != nil && !a.excludedArtists.contains($0) && !b.excludedArtists.contains($0) }
            .sorted { (min(artistsA[$0]!, artistsB[$0]!), $0.text) > (min(artistsA[$1]!, artistsB[$1]!), $1.text) }
        let historyB = Set(b.history.map(\.item))
        let sharedTracks = a.history.reversed().map(\.item).filter { historyB.contains($0) && catalogue.entries[$0] != nil }
        let percent = Int((100 * (0.5 * artistSimilarity + 0.5 * soundSimilarity)).rounded())
        return Compatibility(percent: min(100, max(0, percent)), sharedArtists: Array(shared.prefix(10)), sharedTracks: Array(sharedTracks.prefix(10)))
    }

    /// A private playlist for the caller mixing both listeners' taste: what
    /// they share first, then each one's recommendations in turn.
    public func blend(_ identity: Identity, with username: String, now: Date = Date()) async throws -> Playlist {
        let other = try await matchable(identity, username)
        try await waitUntilLoaded()
        let mine = try await listener(identity.userID), theirs = try await listener(other.id)
        let model = self.model.withLock { $0 }
        let tracks = catalogue.withLock { held -> [UUID] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            let shared = compare(mine, theirs, catalogue: catalogue, now: now).sharedTracks
            let forMe = Ranker.rank(candidates(for: mine, catalogue: catalogue, model: model, now: now), context: Self.context(now: now), count: 20, vector: catalogue.vector(of:))
            let forThem = Ranker.rank(candidates(for: theirs, catalogue: catalogue, model: model, now: now), context: Self.context(now: now), count: 20, vector: catalogue.vector(of:))
            var seen = Set<UUID>(), order: [UUID] = []
            let excluded = mine.excludedArtists.union(theirs.excludedArtists)
            for track in shared + zip(forMe, forThem).flatMap({ [$0.track, $1.track] }) + forMe.map(\.track) + forThem.map(\.track) {
                guard let artist = catalogue.entries[track]?.artist, !excluded.contains(artist), seen.insert(track).inserted else { continue }
                order.append(track)
            }
            return Array(order.prefix(30))
        }
        let me = try await accounts.user(id: identity.userID)
        let title = "Blend: \(me?.displayName ?? identity.username) + \(other.displayName)"
        let playlist = try await playlists.create(identity, .init(title: String(title.prefix(100)), description: "", visibility: .private, collaborative: false))
        if !tracks.isEmpty { _ = try await playlists.insert(identity, playlistID: playlist.id, trackIDs: tracks, at: nil) }
        return playlist
    }

    /// Listeners in the caller's city who turned taste matching on, most alike first.
    public func tasteNeighbours(_ identity: Identity, limit: Int?, now: Date = Date()) async throws -> [(user: User, percent: Int)] {
        let size = limit ?? 10
        guard (1...50).contains(size) else { throw AppError.validation("limit", "must be 1–50") }
        guard try await choices(of: identity.userID).tasteMatching else {
            throw AppError.forbidden("Turn taste matching on in your discovery settings first.", code: "taste_matching_off")
        }
        guard let me = try await accounts.user(id: identity.userID), let city = me.city.map(DiscoveryCatalogue.cityKey) else { return [] }
        try await waitUntilLoaded()
        let blocked = try await blocks.blockedEitherWay(identity.userID)
        let ids = try await DiscoveryQueries.matchingUsers(on: database.sql).filter { $0 != identity.userID && !blocked.contains($0) }
        let users = try await accounts.users(ids: ids).values.filter { $0.city.map(DiscoveryCatalogue.cityKey) == city }
        let mine = try await listener(identity.userID)
        var scored: [(User, Int)] = []
        for user in users.sorted(by: { $0.id.text < $1.id.text }).prefix(200) {
            let theirs = try await listener(user.id)
            scored.append((user, catalogue.withLock { compare(mine, theirs, catalogue: $0, now: now) }.percent))
        }
        return scored.sorted { ($0.1, $0.0.username) > ($1.1, $1.0.username) }.prefix(size).map { ($0.0, $0.1) }
    }
}
