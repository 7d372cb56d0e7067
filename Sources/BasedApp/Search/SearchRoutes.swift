import BasedAPI
import BasedSearch
import Foundation

/// Search handlers: decode, ask the search service, fetch what it found
/// through the owners' services, encode.
extension APIHandler {
    var search: SearchService { services.search }

    func search(_ input: Operations.Search.Input) async throws -> Operations.Search.Output {
        let viewer = try RequestScope.get().identity
        let query = try SearchService.validated(input.query.q)
        let only = input.query._type.flatMap { SearchKind(rawValue: $0.rawValue) }
        var offset = 0
        if let cursor = input.query.cursor {
            guard let only else {
                throw AppError.validation("cursor", "pages one group: send it with the `type` of that group")
            }
            offset = try SearchCursor.decode(cursor, kind: only)
        }
        let kinds: Set<SearchKind> = only.map { [$0] } ?? Set(SearchKind.allCases)
        let groups = try await search.search(query, kinds: kinds, viewer: viewer?.userID, offset: offset, limit: input.query.limit)
        var results = Components.Schemas.SearchResults(query: query)
        let ids = { (kind: SearchKind) in groups[kind]?.hits.map(\.id) ?? [] }
        let next = { (kind: SearchKind) in groups[kind]?.nextOffset.map { SearchCursor.encode(kind: kind, offset: $0) } }

        // Each group is read through its owner's service; the groups at once.
        let people = ids(.artist) + ids(.venue) + ids(.user)
        async let users = accounts.users(ids: people)
        let (trackIDs, releaseIDs, eventIDs, playlistIDs) = (ids(.track), ids(.release), ids(.event), ids(.playlist))
        async let tracks = kinds.contains(.track) ? searchTracks(trackIDs, viewer: viewer) : []
        async let releases = kinds.contains(.release) ? searchReleases(releaseIDs) : []
        async let events = kinds.contains(.event) ? searchEvents(eventIDs, viewer: viewer) : []
        async let playlists = kinds.contains(.playlist) ? playlistSummaries(playlistIDs, viewer: viewer?.userID) : [:]
        let found = try await users
        func userGroup(_ kind: SearchKind) -> Components.Schemas.UserSearchGroup? {
            guard kinds.contains(kind) else { return nil }
            return .init(items: ids(kind).compactMap { found[$0].map(Self.summary) }, nextCursor: next(kind))
        }
        results.artists = userGroup(.artist)
        results.venues = userGroup(.venue)
        results.users = userGroup(.user)
        if kinds.contains(.track) { results.tracks = .init(items: try await tracks, nextCursor: next(.track)) }
        if kinds.contains(.release) { results.releases = .init(items: try await releases, nextCursor: next(.release)) }
        if kinds.contains(.event) { results.events = .init(items: try await events, nextCursor: next(.event)) }
        if kinds.contains(.playlist) {
            let summaries = try await playlists
            results.playlists = .init(items: playlistIDs.compactMap { summaries[$0] }.filter { $0.visibility == ._public }, nextCursor: next(.playlist))
        }
        return .ok(.init(body: .json(results)))
    }

    /// The tracks found, in rank order; what is not public and ready now is
    /// left out (the index may lag a change by a moment).
    private func searchTracks(_ ids: [UUID], viewer: Identity?) async throws -> [Components.Schemas.Track] {
        let found = try await services.tracks.tracks(ids: ids)
        let shown = ids.compactMap { found[$0] }.filter { $0.visibility == .public && $0.state == .ready }
        async let artists = accounts.users(ids: shown.map(\.artistId))
        async let counts = services.plays.counts(tracks: shown.map(\.id))
        let (people, plays) = try await (artists, counts)
        return shown.compactMap { track in
            people[track.artistId].map { Self.trackBody(track, viewer: viewer, artist: $0, counts: plays[track.id] ?? (0, 0)) }
        }
    }

    private func searchReleases(_ ids: [UUID]) async throws -> [Components.Schemas.ReleaseSummary] {
        let found = try await services.releases.releases(ids: ids)
        let shown = ids.compactMap { found[$0] }.filter { $0.visibility == .public }
        let artists = try await accounts.users(ids: shown.map(\.artistId))
        return shown.compactMap { release in artists[release.artistId].map { Self.releaseSummary(release, artist: $0) } }
    }

    private func searchEvents(_ ids: [UUID], viewer: Identity?) async throws -> [Components.Schemas.Event] {
        let views = try await events.events(ids: ids, viewer: viewer?.userID)
        let venues = try await accounts.users(ids: views.map(\.event.venueId))
        return views.compactMap { view in venues[view.event.venueId].map { Self.eventBody(view, venue: $0) } }
    }

    func searchSuggestions(_ input: Operations.SearchSuggestions.Input) async throws -> Operations.SearchSuggestions.Output {
        let viewer = try RequestScope.get().identity
        let query = try SearchService.validated(input.query.q)
        let hits = try await search.suggestions(query, viewer: viewer?.userID, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: hits.map { hit in
            .init(
                kind: .init(rawValue: hit.kind.rawValue)!, id: hit.id.text, title: hit.title, subtitle: hit.subtitle,
                match: Self.match(hit.tier)
            )
        }))))
    }

    static func match(_ tier: MatchTier) -> Components.Schemas.SearchMatch {
        switch tier {
        case .exact: .exact
        case .prefix: .prefix
        case .wordPrefix: .wordPrefix
        case .contained: .contained
        case .fuzzy: .fuzzy
        }
    }

    static func releaseSummary(_ release: Release, artist: User) -> Components.Schemas.ReleaseSummary {
        .init(
            id: release.id.text, title: release.title, kind: .init(rawValue: release.kind.rawValue)!, artist: summary(artist),
            releaseDate: release.releaseDate, createdAt: release.createdAt
        )
    }
}

/// The opaque cursor of one search group: base64url of `<kind>|<offset>`.
enum SearchCursor {
    static func encode(kind: SearchKind, offset: Int) -> String {
        Data("\(kind.rawValue)|\(offset)".utf8).base64URLEncodedString()
    }

    static func decode(_ cursor: String, kind: SearchKind) throws -> Int {
        let invalid = AppError.badRequest("The cursor is not one this server gave out for this group.", code: "invalid_cursor", fields: [.init("cursor", "is not valid")])
        guard cursor.count <= 64, let data = Data(base64URLEncoded: cursor) else { throw invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, parts[0] == kind.rawValue, let offset = Int(parts[1]), (0...10_000).contains(offset) else { throw invalid }
        return offset
    }
}
