import BasedAPI
import BasedDiscovery
import Foundation

/// The discovery handlers: Home, similar tracks and artists, radio.
extension APIHandler {
    var discovery: DiscoveryService { services.discovery }

    func getHome(_ input: Operations.GetHome.Input) async throws -> Operations.GetHome.Output {
        let identity = try RequestScope.requireIdentity()
        let shelves = try await discovery.home(of: identity.userID)
        let bodies = try await trackBodies(shelves.flatMap { $0.picks.map(\.track) }, viewer: identity)
        let venues = try await accounts.users(ids: shelves.flatMap { $0.events.map(\.event.venueId) })
        let body = shelves.compactMap { shelf -> Components.Schemas.HomeShelf? in
            let items = Self.recommendations(shelf.picks, bodies: bodies)
            let events = shelf.events.compactMap { view in venues[view.event.venueId].map { Self.eventBody(view, venue: $0) } }
            guard !items.isEmpty || !events.isEmpty, let id = Components.Schemas.HomeShelf.IdPayload(rawValue: shelf.kind.rawValue) else { return nil }
            return .init(id: id, title: shelf.title, items: items, events: events)
        }
        return .ok(.init(body: .json(.init(shelves: body))))
    }

    func getSimilarTracks(_ input: Operations.GetSimilarTracks.Input) async throws -> Operations.GetSimilarTracks.Output {
        let viewer = try RequestScope.get().identity
        let picks = try await discovery.similarTracks(to: try Self.uuid(input.path.trackId, "trackId"), viewer: viewer, limit: input.query.limit)
        let bodies = try await trackBodies(picks.map(\.track), viewer: viewer)
        return .ok(.init(body: .json(.init(items: Self.recommendations(picks, bodies: bodies)))))
    }

    func getSimilarArtists(_ input: Operations.GetSimilarArtists.Input) async throws -> Operations.GetSimilarArtists.Output {
        let viewer = try RequestScope.get().identity
        let artists = try await discovery.similarArtists(to: input.path.username, viewer: viewer, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: artists.map { .init(artist: Self.summary($0.artist), reason: $0.reason) }))))
    }

    func startRadio(_ input: Operations.StartRadio.Input) async throws -> Operations.StartRadio.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let mood = try Self.mood(body.mood)
        let seeds: [DiscoveryService.RadioSeed] = [
            try body.trackId.map { .track(try Self.uuid($0, "trackId")) },
            body.artist.map { .artist(username: $0) },
            try body.playlistId.map { .playlist(try Self.uuid($0, "playlistId")) },
        ].compactMap { $0 }
        let seed: DiscoveryService.RadioSeed
        switch (seeds.count, mood) {
        case (1, _): seed = seeds[0]
        case (0, let mood?): seed = .mood(mood)
        default: throw AppError.validation("trackId", "give exactly one of trackId, artist and playlistId, or a mood alone")
        }
        let started = try await discovery.startRadio(identity, seed: seed, mood: mood, count: body.count)
        let bodies = try await trackBodies(started.picks.map(\.track), viewer: identity)
        return .created(.init(body: .json(.init(id: started.id.text, items: Self.recommendations(started.picks, bodies: bodies)))))
    }

    func nextOnRadio(_ input: Operations.NextOnRadio.Input) async throws -> Operations.NextOnRadio.Output {
        let identity = try RequestScope.requireIdentity()
        var played: [UUID] = [], skipped: [UUID] = [], count: Int?
        if case .json(let body) = input.body {
            played = try (body.played ?? []).map { try Self.uuid($0, "played") }
            skipped = try (body.skipped ?? []).map { try Self.uuid($0, "skipped") }
            count = body.count
        }
        let id = try Self.uuid(input.path.radioId, "radioId")
        let picks = try await discovery.nextOnRadio(identity, radio: id, played: played, skipped: skipped, count: count)
        let bodies = try await trackBodies(picks.map(\.track), viewer: identity)
        return .ok(.init(body: .json(.init(id: id.text, items: Self.recommendations(picks, bodies: bodies)))))
    }

    static func mood(_ text: String?) throws -> Mood? {
        guard let text else { return nil }
        guard let mood = Mood(rawValue: text) else {
            throw AppError.validation("mood", "must be one of \(Mood.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mood
    }

    static func recommendations(_ picks: [DiscoveryService.Pick], bodies: [UUID: Components.Schemas.Track]) -> [Components.Schemas.Recommendation] {
        picks.compactMap { pick in bodies[pick.track].map { .init(track: $0, reason: pick.reason) } }
    }
}

/// The taste-matching, swipe and chart handlers.
extension APIHandler {
    func getSwipeDeck(_ input: Operations.GetSwipeDeck.Input) async throws -> Operations.GetSwipeDeck.Output {
        let identity = try RequestScope.requireIdentity()
        let picks = try await discovery.swipeDeck(of: identity.userID, count: input.query.count)
        let bodies = try await trackBodies(picks.map(\.track), viewer: identity)
        return .ok(.init(body: .json(.init(items: Self.recommendations(picks, bodies: bodies)))))
    }

    func swipeTrack(_ input: Operations.SwipeTrack.Input) async throws -> Operations.SwipeTrack.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        try await discovery.swipe(identity, track: try Self.uuid(input.path.trackId, "trackId"), liked: body.liked)
        return .noContent(.init())
    }

    func getDiscoverySettings(_ input: Operations.GetDiscoverySettings.Input) async throws -> Operations.GetDiscoverySettings.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(Self.settingsBody(try await discovery.choices(of: identity.userID)))))
    }

    func updateDiscoverySettings(_ input: Operations.UpdateDiscoverySettings.Input) async throws -> Operations.UpdateDiscoverySettings.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let choices = try await discovery.setChoices(
            identity, tasteMatching: body.tasteMatching, publicBoards: body.publicBoards, publicListening: body.publicListening
        )
        return .ok(.init(body: .json(Self.settingsBody(choices))))
    }

    func getTasteNeighbours(_ input: Operations.GetTasteNeighbours.Input) async throws -> Operations.GetTasteNeighbours.Output {
        let identity = try RequestScope.requireIdentity()
        let neighbours = try await discovery.tasteNeighbours(identity, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: neighbours.map { .init(user: Self.summary($0.user), percent: $0.percent) }))))
    }

    func getCompatibility(_ input: Operations.GetCompatibility.Input) async throws -> Operations.GetCompatibility.Output {
        let identity = try RequestScope.requireIdentity()
        let (other, result) = try await discovery.compatibility(identity, with: input.path.username)
        let artists = try await accounts.users(ids: result.sharedArtists)
        let bodies = try await trackBodies(result.sharedTracks, viewer: identity)
        return .ok(.init(body: .json(.init(
            user: Self.summary(other), percent: result.percent,
            sharedArtists: result.sharedArtists.compactMap { artists[$0].map(Self.summary) },
            sharedTracks: result.sharedTracks.compactMap { bodies[$0] }
        ))))
    }

    func createBlend(_ input: Operations.CreateBlend.Input) async throws -> Operations.CreateBlend.Output {
        let identity = try RequestScope.requireIdentity()
        let playlist = try await discovery.blend(identity, with: input.path.username)
        let view = try await services.playlists.playlist(playlist.id, viewer: identity.userID)
        let owner = try await profiles.user(id: identity.userID)
        return .created(.init(body: .json(Self.playlistSummary(view.playlist, owner: owner))))
    }

    func getLocalChart(_ input: Operations.GetLocalChart.Input) async throws -> Operations.GetLocalChart.Output {
        let chart = try await discovery.localChart(city: input.query.city, genre: input.query.genre, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: chart.map { .init(artist: Self.summary($0.artist), listeners: $0.listeners) }))))
    }

    func getTopFans(_ input: Operations.GetTopFans.Input) async throws -> Operations.GetTopFans.Output {
        let fans = try await discovery.topFans(of: input.path.username, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: fans.map { .init(fan: Self.summary($0.fan), plays: $0.plays) }))))
    }

    static func settingsBody(_ choices: DiscoveryService.Choices) -> Components.Schemas.DiscoverySettings {
        .init(tasteMatching: choices.tasteMatching, publicBoards: choices.publicBoards, publicListening: choices.publicListening)
    }
}

/// The venue board and the weekly local mix.
extension APIHandler {
    func getActiveVenues(_ input: Operations.GetActiveVenues.Input) async throws -> Operations.GetActiveVenues.Output {
        let venues = try await discovery.activeVenues(city: input.query.city, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: venues.map { .init(venue: Self.summary($0.venue), shows: $0.shows) }))))
    }

    func getDiscoverLocal(_ input: Operations.GetDiscoverLocal.Input) async throws -> Operations.GetDiscoverLocal.Output {
        let identity = try RequestScope.requireIdentity()
        let picks = try await discovery.discoverLocal(of: identity.userID).picks
        let bodies = try await trackBodies(picks.map(\.track), viewer: identity)
        return .ok(.init(body: .json(.init(items: Self.recommendations(picks, bodies: bodies)))))
    }

    func saveDiscoverLocal(_ input: Operations.SaveDiscoverLocal.Input) async throws -> Operations.SaveDiscoverLocal.Output {
        let identity = try RequestScope.requireIdentity()
        let playlist = try await discovery.saveDiscoverLocal(identity)
        let view = try await services.playlists.playlist(playlist.id, viewer: identity.userID)
        let owner = try await profiles.user(id: identity.userID)
        return .created(.init(body: .json(Self.playlistSummary(view.playlist, owner: owner))))
    }
}

/// Achievements on profiles.
extension APIHandler {
    func getAchievements(_ input: Operations.GetAchievements.Input) async throws -> Operations.GetAchievements.Output {
        let viewer = try RequestScope.get().identity
        let (_, earned) = try await discovery.achievements(of: input.path.username, viewer: viewer?.userID)
        return .ok(.init(body: .json(.init(items: earned.compactMap { item in
            Components.Schemas.EarnedAchievement.IdPayload(rawValue: item.achievement.rawValue).map {
                .init(id: $0, title: item.achievement.title, earnedAt: item.at)
            }
        }))))
    }
}
