import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    /// A recommended track and why.
    public struct Pick: Sendable, Equatable {
        public var track: UUID
        public var reason: String
    }

    public struct Shelf: Sendable {
        public enum Kind: String, Sendable { case forYou = "for-you", local, becauseYouLiked = "because-you-liked", newFromFollowing = "new-from-following", showsNearYou = "shows-near-you" }
        public var kind: Kind
        public var title: String
        public var picks: [Pick]
        public var events: [EventService.View]
    }

    /// What a listener did lately, read once per request.
    struct Listener {
        var user: User {
            didSet { (genres, cityKey) = Self.taste(of: user) }
        }
        /// The profile's genres as written, and its city folded: read once, used per candidate.
        private(set) var genres: [String]
        private(set) var cityKey: String?
        var listens: [PlayService.ListenSignal]
        var likes: [(id: UUID, likedAt: Date)]
        var swipes: [(track: UUID, liked: Bool, at: Date)]
        /// Tracks they added to playlists.
        var additions: [(track: UUID, at: Date)]
        var excludedArtists: Set<UUID>
        /// Artists on the bill of a show near the listener soon, and what to say about it.
        var showReasons: [UUID: String] = [:]

        /// Their distinct tracks, oldest first, weighted (a like 2, a playlist addition or a swipe right 1.5,
        /// a full listen 1, any other unskipped listen 0.5).
        var history: [(item: UUID, weight: Float, at: Date)] {
            var best: [UUID: (weight: Float, at: Date)] = [:]
            func add(_ track: UUID, _ weight: Float, _ at: Date) {
                let old = best[track]
                best[track] = (max(old?.weight ?? 0, weight), max(old?.at ?? at, at))
            }
            for listen in listens where !listen.skipped { add(listen.trackID, listen.completed ? 1 : 0.5, listen.at) }
            for like in likes { add(like.id, 2, like.likedAt) }
            for swipe in swipes where swipe.liked { add(swipe.track, 1.5, swipe.at) }
            for addition in additions { add(addition.track, 1.5, addition.at) }
            return best.map { ($0.key, $0.value.weight, $0.value.at) }.sorted { ($0.at, $0.item.text) < ($1.at, $1.item.text) }
        }

        init(
            user: User, listens: [PlayService.ListenSignal], likes: [(id: UUID, likedAt: Date)], swipes: [(track: UUID, liked: Bool, at: Date)],
            additions: [(track: UUID, at: Date)] = [], excludedArtists: Set<UUID>
        ) {
            self.user = user
            (genres, cityKey) = Self.taste(of: user)
            self.listens = listens
            self.likes = likes
            self.swipes = swipes
            self.additions = additions
            self.excludedArtists = excludedArtists
        }

        private static func taste(of user: User) -> ([String], String?) {
            (user.genreList, user.city.flatMap { $0.isEmpty ? nil : DiscoveryCatalogue.cityKey($0) })
        }

        /// What they heard, liked, swiped either way or added to a playlist: never recommended back.
        var heard: Set<UUID> { Set(listens.map(\.trackID)).union(likes.map(\.id)).union(swipes.map(\.track)).union(additions.map(\.track)) }
    }

    func listener(_ user: UUID) async throws -> Listener {
        guard let account = try await accounts.user(id: user) else { throw AppError.notFound("The user") }
        async let listens = plays.listenSignals(of: user, limit: 300)
        async let likes = library.likedTracks(of: user, limit: 200)
        async let blocked = blocks.blockedEitherWay(user)
        async let swipes = DiscoveryQueries.swipes(user: user, limit: 300, on: database.sql)
        async let additions = playlists.additions(by: user, since: Date().addingTimeInterval(-settings.window), limit: 200)
        return Listener(
            user: account, listens: try await listens, likes: try await likes,
            swipes: try await swipes.map { ($0.trackId, $0.liked, $0.createdAt) }, additions: try await additions, excludedArtists: try await blocked
        )
    }

    /// The listener's taste in the embedding space, from what they heard, liked and skipped.
    func tasteVector(_ listener: Listener, catalogue: DiscoveryCatalogue, now: Date) -> [Float]? {
        var signals: [TasteSignal] = []
        for listen in listener.listens {
            guard let vector = catalogue.vector(of: listen.trackID) else { continue }
            if listen.skipped {
                signals.append(.init(.skip, vector: vector, at: listen.at))
            } else if listen.completed {
                signals.append(.init(.fullPlay, vector: vector, at: listen.at))
            }
        }
        for like in listener.likes {
            if let vector = catalogue.vector(of: like.id) { signals.append(.init(.like, vector: vector, at: like.likedAt)) }
        }
        for swipe in listener.swipes {
            if let vector = catalogue.vector(of: swipe.track) { signals.append(.init(swipe.liked ? .swipeLike : .swipePass, vector: vector, at: swipe.at)) }
        }
        for addition in listener.additions {
            if let vector = catalogue.vector(of: addition.track) { signals.append(.init(.playlistAdd, vector: vector, at: addition.at)) }
        }
        return TasteProfile.vector(from: signals, now: now)
    }

    /// Candidates from every source for one listener (the "for you" pool).
    func candidates(for listener: Listener, catalogue: DiscoveryCatalogue, model: CollaborativeModel<UUID>?, now: Date) -> [RankingCandidate] {
        let heard = listener.heard
        let allowed = { (track: UUID) -> Bool in
            guard let entry = catalogue.entries[track] else { return false }
            return !heard.contains(track) && !listener.excludedArtists.contains(entry.artist)
        }
        var pool: [RankingCandidate] = []
        // Similar listeners, folding in what this listener did up to now.
        let history = listener.history
        if let model, !history.isEmpty {
            let weights = CollaborativeModel<UUID>.recencyWeights(
                count: history.count, halfLife: OfflineRecommender.Recency.standard.halfLife, floor: OfflineRecommender.Recency.standard.floor
            )
            let recommended = model.recommend(for: zip(history, weights).map { ($0.item, $0.weight * $1) }, count: 150) { !allowed($0) }
            let top = recommended.first?.score ?? 1
            for (track, score) in recommended {
                pool.append(candidate(track, relevance: Double(score / top) * 0.9, reason: "Popular with listeners who share your taste", catalogue: catalogue, listener: listener, now: now))
            }
        }
        // The sound of what they like.
        if let taste = tasteVector(listener, catalogue: catalogue, now: now) {
            for match in catalogue.nearest(taste, count: 150) where allowed(match.key) {
                pool.append(candidate(match.key, relevance: max(0, 1 - Double(match.distance)) * 0.8, reason: "Sounds like what you play", catalogue: catalogue, listener: listener, now: now))
            }
        }
        // Their genres and their city: all a new listener has, and always a
        // part of the mix. Only the strongest of each (by plays this week) and
        // the newest little-played ones are proposed; a city's or a genre's
        // whole catalogue would drown the ranking.
        let genres = Set(listener.genres.map { $0.lowercased() })
        let cityKey = listener.cityKey
        guard !genres.isEmpty || cityKey != nil else { return pool }
        let weeklyTop = Double(catalogue.mostWeeklyPlays)
        var offered = Set<UUID>()
        func propose(_ ranking: DiscoveryCatalogue.Ranking?) {
            guard let ranking else { return }
            for (list, wanted) in [(ranking.popular, 150), (ranking.newcomers, 25)] {
                var taken = 0
                for track in list where taken < wanted {
                    guard allowed(track), offered.insert(track).inserted, let entry = catalogue.entries[track] else { continue }
                    taken += 1
                    let local = cityKey != nil && catalogue.city(of: entry.artist)?.key == cityKey
                    let genre = entry.genre.flatMap { genres.contains($0) ? $0 : nil }
                    let popularity = Double(catalogue.weeklyPlays[track] ?? 0) / weeklyTop
                    let reason = genre.map { "Because you like \(displayGenre($0, from: listener.genres))" } ?? ""
                    pool.append(candidate(track, relevance: 0.35 + 0.3 * popularity + (genre != nil && local ? 0.1 : 0), reason: reason, catalogue: catalogue, listener: listener, now: now))
                }
            }
        }
        for genre in genres.sorted() { propose(catalogue.genreRankings[genre]) }
        if let cityKey { propose(catalogue.cityRankings[cityKey]) }
        return pool
    }

    private func displayGenre(_ key: String, from genres: [String]) -> String {
        genres.first { $0.lowercased() == key } ?? key
    }

    func candidate(_ track: UUID, relevance: Double, reason: String, catalogue: DiscoveryCatalogue, listener: Listener?, now: Date) -> RankingCandidate {
        let entry = catalogue.entries[track]
        let artist = entry?.artist ?? track
        var localReason: String?
        if let listener, let cityKey = listener.cityKey, let artistCity = catalogue.city(of: artist), artistCity.key == cityKey {
            localReason = "From \(artistCity.name)"
        }
        return RankingCandidate(
            track: track, artist: artist, relevance: relevance, reason: reason, localReason: localReason,
            showReason: listener?.showReasons[artist],
            traits: catalogue.position(of: track), plays: catalogue.totalPlays[track] ?? 0,
            ageDays: entry.map { now.timeIntervalSince($0.createdAt) / 86_400 }
        )
    }

    static func context(now: Date, mood: Mood? = nil) -> RankingContext {
        let calendar = Calendar(identifier: .gregorian)
        return RankingContext(mood: mood, hour: calendar.component(.hour, from: now), weekday: calendar.component(.weekday, from: now))
    }

    /// The listener's Home: for you, local this week, because you liked X, new
    /// from who they follow, shows near them. Empty shelves are left out.
    public func home(of user: UUID, now: Date = Date()) async throws -> [Shelf] {
        try await waitUntilLoaded()
        var listener = try await listener(user)
        async let followees = follows.followeeIDs(of: user)
        let shows = try await showsNearby(listener.user, now: now)
        listener.showReasons = try await showReasons(shows)
        let model = self.model.withLock { $0 }
        var shelves: [Shelf] = []
        let (forYou, local, liked) = catalogue.withLock { held -> ([Pick], [Pick], (String, [Pick])?) in
            held.refreshRankings()
            let catalogue = held  // read only: closures below capture it
            let pool = candidates(for: listener, catalogue: catalogue, model: model, now: now)
            let forYou = Ranker.rank(pool, context: Self.context(now: now), count: 20, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: $0.reason) }
            let localPool = pool.filter { $0.localReason != nil }.map { candidate -> RankingCandidate in
                var candidate = candidate
                candidate.relevance = 0.3 + Double(catalogue.weeklyPlays[candidate.track] ?? 0) / Double(catalogue.mostWeeklyPlays)
                candidate.reason = ""
                return candidate
            }
            let local = Ranker.rank(localPool, context: Self.context(now: now), count: 20, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: $0.reason) }
            return (forYou, local, becauseYouLiked(listener, catalogue: catalogue, model: model, now: now))
        }
        if !forYou.isEmpty { shelves.append(Shelf(kind: .forYou, title: "For you", picks: forYou, events: [])) }
        if !local.isEmpty, let city = listener.user.city { shelves.append(Shelf(kind: .local, title: "Local this week in \(city)", picks: local, events: [])) }
        if let (title, picks) = liked, !picks.isEmpty { shelves.append(Shelf(kind: .becauseYouLiked, title: "Because you liked \(title)", picks: picks, events: [])) }
        let following = try await followees
        if !following.isEmpty {
            let newest = try await tracks.newest(genre: nil, artists: following, before: nil, limit: 30)
                .filter { !listener.excludedArtists.contains($0.artistId) }
            let names = try await accounts.users(ids: newest.map(\.artistId))
            let picks = newest.prefix(12).map { Pick(track: $0.id, reason: "New from \(names[$0.artistId]?.displayName ?? "an artist you follow")") }
            if !picks.isEmpty { shelves.append(Shelf(kind: .newFromFollowing, title: "New from who you follow", picks: Array(picks), events: [])) }
        }
        if !shows.isEmpty { shelves.append(Shelf(kind: .showsNearYou, title: "Shows near you", picks: [], events: shows)) }
        return shelves
    }

    /// The listener's latest like or full listen that has a sound, and what sounds and is played like it.
    private func becauseYouLiked(_ listener: Listener, catalogue: DiscoveryCatalogue, model: CollaborativeModel<UUID>?, now: Date) -> (String, [Pick])? {
        let latest = listener.likes.map { ($0.id, $0.likedAt) } + listener.listens.filter(\.completed).map { ($0.trackID, $0.at) }
        guard let seed = latest.sorted(by: { $0.1 > $1.1 }).first(where: { catalogue.vector(of: $0.0) != nil })?.0,
              let entry = catalogue.entries[seed], let vector = catalogue.vector(of: seed) else { return nil }
        let reason = "Because you liked \(entry.title)"
        let heard = listener.heard
        var pool: [RankingCandidate] = []
        for match in catalogue.nearest(vector, count: 80) where !heard.contains(match.key) {
            guard let other = catalogue.entries[match.key], !listener.excludedArtists.contains(other.artist) else { continue }
            pool.append(candidate(match.key, relevance: max(0, 1 - Double(match.distance)), reason: reason, catalogue: catalogue, listener: listener, now: now))
        }
        if let model {
            for (track, score) in model.recommend(for: [(seed, 1)], count: 30, excluding: { heard.contains($0) }) {
                guard let other = catalogue.entries[track], !listener.excludedArtists.contains(other.artist) else { continue }
                pool.append(candidate(track, relevance: min(1, Double(score)), reason: reason, catalogue: catalogue, listener: listener, now: now))
            }
        }
        let picks = Ranker.rank(pool, context: Self.context(now: now), count: 12, vector: catalogue.vector(of:)).map { Pick(track: $0.track, reason: reason) }
        return (entry.title, picks)
    }

    /// "On at The Basement Friday 4 Dec" for each artist on the bill of one of
    /// the shows (the soonest when several).
    private func showReasons(_ shows: [EventService.View]) async throws -> [UUID: String] {
        guard !shows.isEmpty else { return [:] }
        let bills = try await lineups.acceptedArtists(of: shows.map(\.event.id))
        let venues = try await accounts.users(ids: shows.map(\.event.venueId))
        // Events carry no time zone yet: the day is UTC's.
        let format = Date.FormatStyle(date: .omitted, time: .omitted, locale: Locale(identifier: "en_GB"), timeZone: .gmt)
            .weekday(.wide).day().month(.abbreviated)
        var reasons: [UUID: String] = [:]
        for show in shows.sorted(by: { $0.event.startsAt < $1.event.startsAt }) {
            guard let venue = venues[show.event.venueId] else { continue }
            for artist in bills[show.event.id] ?? [] where reasons[artist] == nil {
                reasons[artist] = "On at \(venue.displayName) \(show.event.startsAt.formatted(format))"
            }
        }
        return reasons
    }

    /// Shows in the next 30 days within 50 km of the listener's location, soonest first.
    private func showsNearby(_ user: User, now: Date) async throws -> [EventService.View] {
        guard let latitude = user.latitude, let longitude = user.longitude else { return [] }
        return try await events.nearby(
            latitude: latitude, longitude: longitude, radiusKm: 50, from: now, to: now.addingTimeInterval(30 * 86_400), order: .date, limit: 10,
            viewer: user.id, now: now
        ).map(\.view)
    }
}
