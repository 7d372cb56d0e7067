import BasedAPI
import Foundation

/// Browsing handlers.
extension APIHandler {
    var browse: BrowseService { services.browse }

    func browseTracks(_ input: Operations.BrowseTracks.Input) async throws -> Operations.BrowseTracks.Output {
        let viewer = try RequestScope.get().identity
        let query = input.query
        let order: BrowseService.Order = query.sort == .popular ? .popular : .newest
        let page = try await browse.tracks(
            order, filter: .init(genre: query.genre, city: query.city, verified: query.verified), cursor: query.cursor, limit: query.limit
        )
        let bodies = try await trackBodies(page.tracks.map(\.id), viewer: viewer)
        return .ok(.init(body: .json(.init(items: page.tracks.compactMap { bodies[$0.id] }, nextCursor: page.nextCursor))))
    }

    func browseReleases(_ input: Operations.BrowseReleases.Input) async throws -> Operations.BrowseReleases.Output {
        let query = input.query
        let page = try await browse.releases(filter: .init(genre: query.genre, city: query.city, verified: query.verified), cursor: query.cursor, limit: query.limit)
        let artists = try await accounts.users(ids: page.releases.map(\.artistId))
        let items = page.releases.compactMap { release in artists[release.artistId].map { Self.releaseSummary(release, artist: $0) } }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func browseArtists(_ input: Operations.BrowseArtists.Input) async throws -> Operations.BrowseArtists.Output {
        let query = input.query
        let page = try await browse.artists(filter: .init(genre: query.genre, city: query.city, verified: query.verified), cursor: query.cursor, limit: query.limit)
        return .ok(.init(body: .json(.init(items: page.artists.map { Self.publicProfile($0) }, nextCursor: page.nextCursor))))
    }

    func listGenres(_ input: Operations.ListGenres.Input) async throws -> Operations.ListGenres.Output {
        let genres = try await browse.genres()
        return .ok(.init(body: .json(.init(items: genres.map { .init(name: $0.name, trackCount: $0.count) }))))
    }

    func getArtistPage(_ input: Operations.GetArtistPage.Input) async throws -> Operations.GetArtistPage.Output {
        let viewer = try RequestScope.get().identity
        let page = try await browse.artistPage(username: input.path.username, viewer: viewer?.userID)
        let artist = page.profile.user
        let bodies = try await trackBodies(page.topTracks.map(\.id), viewer: viewer)
        let venues = try await accounts.users(ids: page.upcomingEvents.map(\.event.venueId))
        return .ok(.init(body: .json(.init(
            profile: Self.publicProfile(page.profile),
            releases: page.releases.map { Self.releaseSummary($0, artist: artist) },
            topTracks: page.topTracks.compactMap { bodies[$0.id] },
            upcomingEvents: page.upcomingEvents.compactMap { view in venues[view.event.venueId].map { Self.eventBody(view, venue: $0) } }
        ))))
    }
}
