import Foundation

/// Browsing without a query: newest and most-played tracks, releases and
/// artists of a genre, a city or verified; the genres; an artist's page.
/// Everything is read through the owners' services.
public struct BrowseService: Sendable {
    let accounts: AccountService
    let tracks: TrackService
    let releases: ReleaseService
    let plays: PlayService
    let follows: FollowService
    let events: EventService
    let lineups: LineupService

    public enum Order: String, Sendable { case newest, popular }

    public struct Filter: Sendable {
        public var genre: String?
        public var city: String?
        public var verified: Bool?

        public init(genre: String? = nil, city: String? = nil, verified: Bool? = nil) {
            self.genre = genre
            self.city = city
            self.verified = verified
        }

        /// The filter, or a 422 problem naming the field that is not valid.
        func validated() throws -> Filter {
            var fields: [AppError.FieldError] = []
            for (name, value) in [("genre", genre), ("city", city)] {
                guard let value else { continue }
                if let problem = Validation.text(value, min: 1, max: 100) { fields.append(.init(name, problem)) }
                if value.contains(where: { $0 == "%" || $0 == "_" || $0 == "\\" }) { fields.append(.init(name, "must not contain % _ or \\")) }
            }
            guard fields.isEmpty else { throw AppError.validation(fields) }
            return self
        }
    }

    /// The most artists a city or verified filter narrows tracks to.
    static let artistFilterLimit = 10_000

    // MARK: Tracks

    public func tracks(_ order: Order, filter: Filter, cursor: String?, limit: Int?) async throws -> (tracks: [Track], nextCursor: String?) {
        let filter = try filter.validated()
        let size = try LibraryService.pageSize(limit)
        var artists: [UUID]?
        if filter.city != nil || filter.verified != nil {
            artists = try await accounts.artistIDs(city: filter.city, verified: filter.verified, limit: Self.artistFilterLimit)
            if artists?.isEmpty == true { return ([], nil) }
        }
        switch order {
        case .newest:
            let before = try cursor.map(BrowseCursor.decodeID)
            let rows = try await tracks.newest(genre: filter.genre, artists: artists, before: before, limit: size + 1)
            let shown = Array(rows.prefix(size))
            return (shown, rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
        case .popular:
            // Plays of the last seven days, most first; ties by newest track. The cursor is the last (plays, id) shown.
            let counts = try await plays.playCounts(since: Date().addingTimeInterval(-7 * 86_400))
            var ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.uuidString > $1.key.uuidString }
            if let cursor {
                let (plays, id) = try BrowseCursor.decodeRank(cursor)
                ranked = Array(ranked.drop { $0.value > plays || ($0.value == plays && $0.key.uuidString >= id.uuidString) })
            }
            let allowed = artists.map(Set.init)
            var shown: [Track] = []
            var examined = 0
            // Read in slices until a page is full: a filter may pass few of them.
            while shown.count < size, examined < ranked.count {
                let slice = ranked[examined..<min(ranked.count, examined + 200)]
                let found = try await tracks.tracks(ids: slice.map(\.key))
                for (id, _) in slice {
                    guard shown.count < size else { break }
                    examined += 1
                    guard let track = found[id], track.visibility == .public, track.state == .ready else { continue }
                    if let genre = filter.genre, track.genre?.lowercased() != genre.lowercased() { continue }
                    if let allowed, !allowed.contains(track.artistId) { continue }
                    shown.append(track)
                }
            }
            guard examined < ranked.count, examined > 0 else { return (shown, nil) }
            let last = ranked[examined - 1]
            return (shown, BrowseCursor.encode(rank: last.value, id: last.key))
        }
    }

    // MARK: Releases and artists

    public func releases(filter: Filter, cursor: String?, limit: Int?) async throws -> (releases: [Release], nextCursor: String?) {
        let filter = try filter.validated()
        let size = try LibraryService.pageSize(limit)
        var artists: [UUID]?
        if filter.city != nil || filter.verified != nil {
            artists = try await accounts.artistIDs(city: filter.city, verified: filter.verified, limit: Self.artistFilterLimit)
            if artists?.isEmpty == true { return ([], nil) }
        }
        let rows = try await releases.newest(artists: artists, before: try cursor.map(BrowseCursor.decodeID), limit: size + 1)
        let shown = Array(rows.prefix(size))
        return (shown, rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
    }

    public func artists(filter: Filter, cursor: String?, limit: Int?) async throws -> (artists: [ProfileView], nextCursor: String?) {
        let filter = try filter.validated()
        let size = try LibraryService.pageSize(limit)
        let rows = try await accounts.artists(
            city: filter.city, verified: filter.verified, genre: filter.genre, before: try cursor.map(BrowseCursor.decodeID), limit: size + 1
        )
        let shown = Array(rows.prefix(size))
        var views: [ProfileView] = []
        for user in shown {
            let counts = try await follows.counts(of: user.id)
            views.append(ProfileView(user: user, followerCount: counts.followers, followingCount: counts.following))
        }
        return (views, rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
    }

    public func genres() async throws -> [(name: String, count: Int)] {
        try await tracks.genres(limit: 200)
    }

    // MARK: An artist's page

    public struct ArtistPage: Sendable {
        public var profile: ProfileView
        public var releases: [Release]
        public var topTracks: [Track]
        public var upcomingEvents: [EventService.View]
    }

    /// Everything an artist's page shows, in one call.
    public func artistPage(username: String, viewer: UUID?) async throws -> ArtistPage {
        guard let user = try await accounts.user(username: username) else { throw AppError.notFound("The user \(username)") }
        let counts = try await follows.counts(of: user.id)
        let releases = try await releases.newest(artists: [user.id], before: nil, limit: 50)
        // Top tracks: the artist's public, ready tracks by plays, then newest.
        let recent = try await tracks.newest(genre: nil, artists: [user.id], before: nil, limit: 200)
        let plays = try await plays.counts(tracks: recent.map(\.id))
        let top = recent.sorted { (plays[$0.id]?.plays ?? 0, $0.id.uuidString) > (plays[$1.id]?.plays ?? 0, $1.id.uuidString) }.prefix(10)
        // A venue's page shows what it publishes; an artist's, the bills it accepted.
        let events: [EventService.View]
        switch user.role {
        case .venue: events = try await self.events.upcoming(venue: user.id, viewer: viewer, cursor: nil, limit: 10).views
        case .artist: events = try await lineups.shows(of: user.id, viewer: viewer)
        default: events = []
        }
        return ArtistPage(
            profile: ProfileView(user: user, followerCount: counts.followers, followingCount: counts.following),
            releases: releases, topTracks: Array(top), upcomingEvents: events
        )
    }
}

/// Cursors of browsing lists: base64url of `id|<uuid>` (newest first) or `rank|<plays>|<uuid>` (most played).
enum BrowseCursor {
    static func encode(id: UUID) -> String { Data("id|\(id.text)".utf8).base64URLEncodedString() }
    static func encode(rank: Int, id: UUID) -> String { Data("rank|\(rank)|\(id.text)".utf8).base64URLEncodedString() }

    static func decodeID(_ cursor: String) throws -> UUID {
        let parts = try split(cursor)
        guard parts.count == 2, parts[0] == "id", let id = UUID(uuidString: parts[1]) else { throw invalid }
        return id
    }

    static func decodeRank(_ cursor: String) throws -> (Int, UUID) {
        let parts = try split(cursor)
        guard parts.count == 3, parts[0] == "rank", let rank = Int(parts[1]), let id = UUID(uuidString: parts[2]) else { throw invalid }
        return (rank, id)
    }

    private static func split(_ cursor: String) throws -> [String] {
        guard cursor.count <= 128, let data = Data(base64URLEncoded: cursor) else { throw invalid }
        return String(decoding: data, as: UTF8.self).split(separator: "|").map(String.init)
    }

    static var invalid: AppError {
        AppError.badRequest("The cursor is not one this server gave out for this list.", code: "invalid_cursor", fields: [.init("cursor", "is not valid")])
    }
}
