import Foundation

/// Finding shows near a point with the filters that need other features:
/// a genre on the bill, free or ticketed, and artists the viewer follows or
/// often hears. Events supply the shows in range; tickets, line-ups,
/// accounts, follows and plays answer the filters through their services.
public struct ShowFinder: Sendable {
    let events: EventService
    let tickets: TicketService
    let lineups: LineupService
    let accounts: AccountService
    let follows: FollowService
    let plays: PlayService
    let tracks: TrackService

    public struct Filters: Sendable {
        public var genre: String?
        /// true: a tier with a price; false: none.
        public var ticketed: Bool?
        /// Only shows with an artist the viewer follows or often hears.
        public var following = false

        public init(genre: String? = nil, ticketed: Bool? = nil, following: Bool = false) {
            self.genre = genre
            self.ticketed = ticketed
            self.following = following
        }
    }

    public func nearby(
        latitude: Double, longitude: Double, radiusKm: Double, from: Date?, to: Date?, order: EventService.NearbyOrder,
        filters: Filters, limit: Int?, viewer: UUID?, now: Date = Date()
    ) async throws -> [(view: EventService.View, distanceKm: Double)] {
        let size = try PageSize.resolve(limit)
        if filters.following, viewer == nil { throw AppError.unauthorized("Sign in to see shows of artists you follow.") }
        if let genre = filters.genre, let problem = Validation.text(genre, min: 1, max: 40) { throw AppError.validation("genre", problem) }
        var found = try await events.nearbyEvents(latitude: latitude, longitude: longitude, radiusKm: radiusKm, from: from, to: to, order: order, now: now)
        let ids = found.map(\.event.id)
        if let ticketed = filters.ticketed {
            let paid = try await tickets.paidEvents(among: ids)
            found = found.filter { paid.contains($0.event.id) == ticketed }
        }
        if filters.genre != nil || filters.following {
            let bills = try await lineups.acceptedArtists(of: found.map(\.event.id))
            if let genre = filters.genre?.lowercased() {
                let people = Set(found.flatMap { [$0.event.venueId] + (bills[$0.event.id] ?? []) })
                let users = try await accounts.users(ids: Array(people))
                let matching = Set(users.values.filter { $0.genreList.contains { $0.lowercased() == genre } }.map(\.id))
                found = found.filter { ([$0.event.venueId] + (bills[$0.event.id] ?? [])).contains(where: matching.contains) }
            }
            if filters.following, let viewer {
                let liked = try await artistsOf(viewer)
                found = found.filter { ([$0.event.venueId] + (bills[$0.event.id] ?? [])).contains(where: liked.contains) }
            }
        }
        let page = Array(found.prefix(size))
        let views = try await events.events(ids: page.map(\.event.id), viewer: viewer)
        let byID = Dictionary(views.map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        return page.compactMap { item in byID[item.event.id].map { ($0, item.distanceKm) } }
    }

    /// Accounts the viewer follows, and artists whose tracks they finished at
    /// least three times among their last 500 listens.
    func artistsOf(_ viewer: UUID) async throws -> Set<UUID> {
        var artists = Set(try await follows.followeeIDs(of: viewer))
        let listens = try await plays.listenSignals(of: viewer, limit: 500).filter(\.completed)
        let heard = try await tracks.tracks(ids: listens.map(\.trackID))
        var counts: [UUID: Int] = [:]
        for listen in listens { if let artist = heard[listen.trackID]?.artistId { counts[artist, default: 0] += 1 } }
        artists.formUnion(counts.filter { $0.value >= ShowAlerts.oftenPlays }.map(\.key))
        return artists
    }
}
