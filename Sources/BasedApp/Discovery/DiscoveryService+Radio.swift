import BasedCRDT
import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    /// What a station plays around.
    public enum RadioSeed: Sendable, Equatable {
        case track(UUID)
        case artist(username: String)
        case playlist(UUID)
        case mood(Mood)
    }

    /// Nothing repeats within this many tracks.
    public static let radioMemory = 50
    public static let maxRadioBatch = 20

    /// Starts a station for the listener and returns its first tracks. 404 for
    /// a seed the listener may not see.
    public func startRadio(_ identity: Identity, seed: RadioSeed, mood: Mood?, count: Int?, now: Date = Date()) async throws -> (id: UUID, picks: [Pick]) {
        let size = try Self.radioBatch(count)
        let (kind, seedID) = try await resolve(seed, viewer: identity)
        try await waitUntilLoaded()
        let moodName: String? = if case .mood(let seedMood) = seed { seedMood.rawValue } else { mood?.rawValue }
        let row = RadioQueries.Row(
            id: UUID.v7(), userId: identity.userID, seedKind: kind, seedId: seedID, mood: moodName, recent: "[]", skipped: "[]"
        )
        let picks = try await nextBatch(row, played: [], skipped: [], count: size, now: now, insert: true)
        return (row.id, picks)
    }

    /// The station's next tracks. `played` and `skipped` report what the
    /// listener did since the last call: a skip steers the station away.
    public func nextOnRadio(_ identity: Identity, radio id: UUID, played: [UUID], skipped: [UUID], count: Int?, now: Date = Date()) async throws -> [Pick] {
        let size = try Self.radioBatch(count)
        var fields: [AppError.FieldError] = []
        if played.count > Self.radioMemory { fields.append(.init("played", "must have at most \(Self.radioMemory) entries")) }
        if skipped.count > Self.radioMemory { fields.append(.init("skipped", "must have at most \(Self.radioMemory) entries")) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        guard let row = try await RadioQueries.session(id: id, user: identity.userID, on: database.sql) else { throw AppError.notFound("The radio station") }
        try await waitUntilLoaded()
        return try await nextBatch(row, played: played, skipped: skipped, count: size, now: now, insert: false)
    }

    static func radioBatch(_ count: Int?) throws -> Int {
        let size = count ?? 5
        guard (1...maxRadioBatch).contains(size) else { throw AppError.validation("count", "must be 1–\(maxRadioBatch)") }
        return size
    }

    /// The seed's kind and id, once the listener may see it.
    private func resolve(_ seed: RadioSeed, viewer: Identity) async throws -> (String, UUID?) {
        switch seed {
        case .track(let id):
            _ = try await tracks.track(id, viewer: viewer)
            return ("track", id)
        case .artist(let username):
            guard let artist = try await accounts.user(username: username),
                  !(try await blocks.blockedEitherWay(viewer.userID)).contains(artist.id) else { throw AppError.notFound("The artist") }
            return ("artist", artist.id)
        case .playlist(let id):
            _ = try await playlists.playlist(id, viewer: viewer.userID)
            return ("playlist", id)
        case .mood:
            return ("mood", nil)
        }
    }

    private func nextBatch(_ row: RadioQueries.Row, played: [UUID], skipped newSkips: [UUID], count: Int, now: Date, insert: Bool) async throws -> [Pick] {
        var recent = (try? JSONDecoder().decode([UUID].self, from: Data(row.recent.utf8))) ?? []
        var skipped = (try? JSONDecoder().decode([UUID].self, from: Data(row.skipped.utf8))) ?? []
        skipped = Array((skipped + newSkips).suffix(20))
        let mood = row.mood.flatMap(Mood.init(rawValue:))
        var seedTracks: [UUID] = []
        switch row.seedKind {
        case "track": seedTracks = row.seedId.map { [$0] } ?? []
        case "playlist":
            if let id = row.seedId, let view = try? await playlists.playlist(id, viewer: row.userId) {
                seedTracks = view.entries.compactMap { UUID(uuidString: $0.track) }
            }
        default: break
        }
        let excludedArtists = try await blocks.blockedEitherWay(row.userId)
        let model = self.model.withLock { $0 }
        let picks = catalogue.withLock { held -> [Pick] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            if row.seedKind == "artist", let artist = row.seedId { seedTracks = Array(catalogue.byArtist[artist] ?? []) }
            // Endless in any catalogue: the memory shrinks when the catalogue is too small to honour it.
            let memory = min(Self.radioMemory, max(0, catalogue.count - count - 1))
            let avoided = Set(recent.suffix(memory)).union(skipped).union(row.seedKind == "track" ? seedTracks : [])
            let skippedArtists = Set(skipped.compactMap { catalogue.entries[$0]?.artist })
            let allowed = { (id: UUID) -> Bool in
                guard let entry = catalogue.entries[id] else { return false }
                return !avoided.contains(id) && !excludedArtists.contains(entry.artist)
            }
            let reason = radioReason(row, mood: mood, catalogue: catalogue)
            var pool: [RankingCandidate] = []
            func add(_ id: UUID, _ relevance: Double) {
                let artist = catalogue.entries[id]?.artist
                let penalty = artist.map { skippedArtists.contains($0) } == true ? 0.3 : 0
                pool.append(candidate(id, relevance: relevance - penalty, reason: reason, catalogue: catalogue, listener: nil, now: now))
            }
            if var query = catalogue.centroid(of: seedTracks) {
                // Away from what was skipped.
                if let away = catalogue.centroid(of: skipped.suffix(10)) {
                    query = TasteProfile.normalised(zip(query, away).map { $0 - 0.4 * $1 }) ?? query
                }
                for match in catalogue.nearest(query, count: 300) where allowed(match.key) { add(match.key, max(0, 1 - Double(match.distance))) }
            }
            if let model, !seedTracks.isEmpty {
                for (id, score) in model.recommend(for: seedTracks.map { ($0, 1) }, count: 100, excluding: { !allowed($0) }) {
                    add(id, min(1, Double(score)))
                }
            }
            if pool.isEmpty || mood != nil && seedTracks.isEmpty {
                // A mood alone, or a seed with no sound yet: the whole catalogue by how it fits.
                var fitting = BestOf<UUID>(300)
                for id in catalogue.entries.keys where allowed(id) {
                    fitting.offer(id, score: catalogue.position(of: id).map { (mood ?? .chill).fit($0) } ?? 0.2)
                }
                for (id, fit) in fitting.sorted() { add(id, fit) }
            }
            return Ranker.rank(pool, context: Self.context(now: now, mood: mood), count: count, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: reason) }
        }
        recent = Array((recent + picks.map(\.track)).suffix(Self.radioMemory))
        let recentText = String(decoding: try JSONEncoder().encode(recent), as: UTF8.self)
        let skippedText = String(decoding: try JSONEncoder().encode(skipped), as: UTF8.self)
        if insert {
            var fresh = row
            fresh.recent = recentText
            fresh.skipped = skippedText
            let stored = fresh
            try await database.transaction { sql in
                try await RadioQueries.prune(user: stored.userId, before: now.addingTimeInterval(-7 * 86_400), on: sql)
                try await RadioQueries.insert(stored, now: now, on: sql)
            }
        } else {
            try await RadioQueries.update(id: row.id, recent: recentText, skipped: skippedText, now: now, on: database.sql)
        }
        return picks
    }

    private func radioReason(_ row: RadioQueries.Row, mood: Mood?, catalogue: DiscoveryCatalogue) -> String {
        switch row.seedKind {
        case "track": "Radio from \(row.seedId.flatMap { catalogue.entries[$0]?.title } ?? "a track")"
        case "artist": "Artist radio"
        case "playlist": "Playlist radio"
        default: "\((mood ?? .chill).rawValue.capitalized) radio"
        }
    }
}
