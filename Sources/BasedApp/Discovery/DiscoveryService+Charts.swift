import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    /// Local artists of the week by unique listeners, in a city and a genre
    /// when given. Counts, never who: no listener is named. Artists who opted
    /// out of public boards are left out.
    public func localChart(city: String?, genre: String?, limit: Int?, now: Date = Date()) async throws -> [(artist: User, listeners: Int)] {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be 1–100") }
        if let city, !(1...100).contains(city.count) { throw AppError.validation("city", "must be 1–100 characters") }
        if let genre, !(1...60).contains(genre.count) { throw AppError.validation("genre", "must be 1–60 characters") }
        try await waitUntilLoaded()
        let listens = try await plays.listenSignals(since: now.addingTimeInterval(-7 * 86_400), limit: 1_000_000)
        let cityKey = city.map(DiscoveryCatalogue.cityKey), genreKey = genre?.lowercased()
        let counted = catalogue.withLock { catalogue -> [UUID: Int] in
            var listeners: [UUID: Set<UUID>] = [:]
            for listen in listens where !listen.skipped {
                guard let entry = catalogue.entries[listen.trackID] else { continue }
                if let genreKey, entry.genre != genreKey { continue }
                if let cityKey, catalogue.city(of: entry.artist)?.key != cityKey { continue }
                listeners[entry.artist, default: []].insert(listen.user)
            }
            return listeners.mapValues(\.count)
        }
        let choices = try await choices(of: Array(counted.keys))
        let ranked = counted.filter { choices[$0.key]?.publicBoards != false }
            .sorted { ($0.value, $0.key.text) > ($1.value, $1.key.text) }.prefix(size)
        let users = try await accounts.users(ids: ranked.map(\.key))
        return ranked.compactMap { id, count in users[id].map { ($0, count) } }
    }

    /// The listeners who heard the artist's tracks to the end most in 90 days,
    /// among those who chose to show their listening on public boards.
    public func topFans(of username: String, limit: Int?, now: Date = Date()) async throws -> [(fan: User, plays: Int)] {
        let size = limit ?? 10
        guard (1...50).contains(size) else { throw AppError.validation("limit", "must be 1–50") }
        guard let artist = try await accounts.user(username: username), artist.role == .artist else { throw AppError.notFound("The artist") }
        try await waitUntilLoaded()
        guard try await choices(of: artist.id).publicBoards else { return [] }
        let tracks = catalogue.withLock { Array($0.byArtist[artist.id] ?? []) }
        let listeners = try await plays.topListeners(of: tracks, since: now.addingTimeInterval(-90 * 86_400), limit: 500)
            .filter { $0.user != artist.id }
        let choices = try await choices(of: listeners.map(\.user))
        let shown = listeners.filter { choices[$0.user]?.publicListening == true }.prefix(size)
        let users = try await accounts.users(ids: shown.map(\.user))
        return shown.compactMap { entry in users[entry.user].map { ($0, entry.plays) } }
    }
}

extension DiscoveryService {
    /// Venues with the most shows coming up in the next 30 days, in a city when given.
    public func activeVenues(city: String?, limit: Int?, now: Date = Date()) async throws -> [(venue: User, shows: Int)] {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be 1–100") }
        if let city, !(1...100).contains(city.count) { throw AppError.validation("city", "must be 1–100 characters") }
        let cityKey = city.map(DiscoveryCatalogue.cityKey)
        let horizon = now.addingTimeInterval(30 * 86_400)
        var shows: [UUID: Int] = [:]
        var after: UUID?
        while true {
            let page = try await events.scheduled(after: after, limit: 2_000, now: now)
            for event in page where event.startsAt <= horizon {
                if let cityKey, event.city.map(DiscoveryCatalogue.cityKey) != cityKey { continue }
                shows[event.venueId, default: 0] += 1
            }
            guard page.count == 2_000, let last = page.last else { break }
            after = last.id
        }
        let choices = try await choices(of: Array(shows.keys))
        let ranked = shows.filter { choices[$0.key]?.publicBoards != false }
            .sorted { ($0.value, $0.key.text) > ($1.value, $1.key.text) }.prefix(size)
        let users = try await accounts.users(ids: ranked.map(\.key))
        return ranked.compactMap { id, count in users[id].map { ($0, count) } }
    }

    /// This week's "discover local" mix: 30 tracks by artists of the
    /// listener's city that they have not heard, little-played ones among
    /// them. The same all week (the week and the listener seed the choice), a
    /// new one each Monday (UTC).
    public func discoverLocal(of user: UUID, now: Date = Date()) async throws -> (city: String?, picks: [Pick]) {
        try await waitUntilLoaded()
        let listener = try await listener(user)
        guard let city = listener.user.city, !city.isEmpty else { return (nil, []) }
        let week = Self.weekNumber(now)
        let cityKey = DiscoveryCatalogue.cityKey(city)
        let heard = listener.heard
        let picks = catalogue.withLock { held -> [Pick] in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            var pool: [RankingCandidate] = []
            for track in catalogue.tracks(cityKey: cityKey) where !heard.contains(track) {
                guard let entry = catalogue.entries[track], !listener.excludedArtists.contains(entry.artist),
                      let artistCity = catalogue.city(of: entry.artist), artistCity.key == cityKey else { continue }
                // A stable draw per listener and week, leaning to what is played this week.
                let draw = Double(Self.mix(user, week, track) % 1_000) / 1_000
                let weekly = Double(catalogue.weeklyPlays[track] ?? 0)
                pool.append(candidate(track, relevance: 0.5 * draw + 0.5 * min(1, weekly / 50), reason: "From \(artistCity.name)", catalogue: catalogue, listener: listener, now: now))
            }
            var context = RankingContext(explorationInterval: 3)
            context.relevanceWeight = 0.8
            return Ranker.rank(pool, context: context, count: 30, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: $0.reason) }
        }
        return (city, picks)
    }

    /// Saves this week's mix as a private playlist of the listener's.
    public func saveDiscoverLocal(_ identity: Identity, now: Date = Date()) async throws -> Playlist {
        let (city, picks) = try await discoverLocal(of: identity.userID, now: now)
        guard let city else { throw AppError.conflict("Add your city to your profile for a local mix.", code: "no_city") }
        guard !picks.isEmpty else { throw AppError.conflict("No local music you have not heard yet.", code: "nothing_local") }
        let title = String("Discover local: \(city), week \(Self.weekNumber(now) % 100)".prefix(100))
        let playlist = try await playlists.create(identity, .init(title: title, description: "", visibility: .private, collaborative: false))
        _ = try await playlists.insert(identity, playlistID: playlist.id, trackIDs: picks.map(\.track), at: nil)
        return playlist
    }

    /// Weeks since 1970-01-05 (a Monday), UTC.
    static func weekNumber(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 - 4 * 86_400) / (7 * 86_400))
    }

    /// FNV-1a over the listener, the week and the track: the same draw all week.
    static func mix(_ user: UUID, _ week: Int, _ track: UUID) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        withUnsafeBytes(of: user.uuid) { $0.forEach(add) }
        withUnsafeBytes(of: Int64(week).littleEndian) { $0.forEach(add) }
        withUnsafeBytes(of: track.uuid) { $0.forEach(add) }
        return hash
    }
}
