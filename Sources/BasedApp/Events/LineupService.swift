import Foundation
import SQLKit

/// An event's bill: the venue invites artists with set times, each artist
/// accepts or declines, and when an artist accepts their followers are told
/// once that the show is on. An artist's page lists the shows they accepted.
public struct LineupService: Sendable {
    let database: Database
    let events: EventService
    let accounts: AccountService
    let follows: FollowService
    let realtime: Realtime

    public struct Slot: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case invited, accepted, declined }
        public var eventId: UUID
        public var artistId: UUID
        public var setStartsAt: Date?
        public var setEndsAt: Date?
        public var status: Status
        public var invitedAt: Date
        public var answeredAt: Date?
        public var announcedAt: Date?
    }

    public static let maxArtists = 30

    /// Invites an artist onto the bill (the event's venue only); inviting again changes the set times.
    public func invite(_ identity: Identity, eventID: UUID, username: String, setStartsAt: Date?, setEndsAt: Date?, now: Date = Date()) async throws -> Slot {
        let event = try await events.event(eventID, viewer: identity.userID).event
        guard event.venueId == identity.userID || identity.role == .admin else {
            throw AppError.forbidden("Only the event's venue sets its line-up.", code: "not_event_owner")
        }
        guard event.status == .scheduled else { throw AppError.conflict("The event is cancelled.", code: "event_cancelled") }
        guard let artist = try await accounts.user(username: username), artist.role == .artist else {
            throw AppError.validation("username", "is not an artist")
        }
        var fields: [AppError.FieldError] = []
        if let start = setStartsAt, let end = setEndsAt, end <= start { fields.append(.init("setEndsAt", "must be after setStartsAt")) }
        let window = event.startsAt.addingTimeInterval(-86_400)...(event.endsAt ?? event.startsAt).addingTimeInterval(86_400)
        if let start = setStartsAt, !window.contains(start) { fields.append(.init("setStartsAt", "must be during the event")) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let existing = try await LineupQueries.slots(event: eventID, on: database.sql)
        guard existing.count < Self.maxArtists || existing.contains(where: { $0.artistId == artist.id }) else {
            throw AppError.conflict("A bill has at most \(Self.maxArtists) artists.", code: "lineup_full")
        }
        let slot = Slot(eventId: eventID, artistId: artist.id, setStartsAt: setStartsAt, setEndsAt: setEndsAt, status: .invited,
                        invitedAt: now, answeredAt: nil, announcedAt: nil)
        try await LineupQueries.invite(slot, on: database.sql)
        _ = await realtime.notify(artist.id, kind: .lineupInvite, actor: event.venueId, subject: event.subject, data: [
            "eventId": event.id.text, "title": event.title, "startsAt": event.startsAt.formatted(.iso8601),
        ])
        return try await LineupQueries.slot(event: eventID, artist: artist.id, on: database.sql) ?? slot
    }

    /// The invited artist's answer. The first acceptance tells the artist's followers, once.
    public func answer(_ identity: Identity, eventID: UUID, accept: Bool, now: Date = Date()) async throws -> Slot {
        guard try await LineupQueries.slot(event: eventID, artist: identity.userID, on: database.sql) != nil else {
            throw AppError.notFound("An invitation to this event")
        }
        try await LineupQueries.answer(event: eventID, artist: identity.userID, status: accept ? .accepted : .declined, now: now, on: database.sql)
        if accept, try await LineupQueries.markAnnounced(event: eventID, artist: identity.userID, now: now, on: database.sql) {
            let event = try await events.event(eventID, viewer: nil).event
            let artist = try await accounts.user(id: identity.userID)
            for follower in try await follows.followerIDs(of: identity.userID) {
                _ = await realtime.notify(follower, kind: .lineup, actor: identity.userID, subject: event.subject, data: [
                    "eventId": event.id.text, "title": event.title, "startsAt": event.startsAt.formatted(.iso8601),
                    "artistName": artist?.displayName ?? identity.username,
                ])
            }
        }
        guard let slot = try await LineupQueries.slot(event: eventID, artist: identity.userID, on: database.sql) else {
            throw AppError.notFound("An invitation to this event")
        }
        return slot
    }

    /// The bill: accepted artists for everyone, every invitation for the venue, in set order.
    public func lineup(eventID: UUID, viewer: UUID?) async throws -> [(Slot, User)] {
        let event = try await events.event(eventID, viewer: viewer).event
        let slots = try await LineupQueries.slots(event: eventID, on: database.sql)
            .filter { $0.status == .accepted || viewer == event.venueId || viewer == $0.artistId }
        let users = try await accounts.users(ids: slots.map(\.artistId))
        return slots.compactMap { slot in users[slot.artistId].map { (slot, $0) } }
    }

    /// The artists who accepted a place on each of the events' bills (in one query).
    public func acceptedArtists(of events: [UUID]) async throws -> [UUID: [UUID]] {
        try await LineupQueries.acceptedArtists(events: events, on: database.sql).reduce(into: [:]) { $0[$1.event, default: []].append($1.artist) }
    }

    /// The upcoming shows an artist accepted, soonest first.
    public func shows(of artist: UUID, viewer: UUID?, limit: Int = 10, now: Date = Date()) async throws -> [EventService.View] {
        let ids = try await LineupQueries.acceptedEvents(artist: artist, on: database.sql)
        let views = try await events.events(ids: ids, viewer: viewer)
        return Array(views.filter { $0.event.status == .scheduled && ($0.event.endsAt ?? $0.event.startsAt) > now }
            .sorted { ($0.event.startsAt, $0.event.id.text) < ($1.event.startsAt, $1.event.id.text) }.prefix(limit))
    }
}

/// The SQL of line-ups.
enum LineupQueries {
    static func invite(_ slot: LineupService.Slot, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "event_lineup").model(slot, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
            .onConflict(with: ["event_id", "artist_id"]) { $0.set(excludedValueOf: "set_starts_at").set(excludedValueOf: "set_ends_at") }
            .run()
    }

    static func slot(event: UUID, artist: UUID, on sql: any SQLDatabase) async throws -> LineupService.Slot? {
        try await sql.select().column("*").from("event_lineup").where("event_id", .equal, event).where("artist_id", .equal, artist)
            .first(decoding: LineupService.Slot.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func slots(event: UUID, on sql: any SQLDatabase) async throws -> [LineupService.Slot] {
        try await sql.select().column("*").from("event_lineup").where("event_id", .equal, event)
            .orderBy("set_starts_at").orderBy("invited_at")
            .all(decoding: LineupService.Slot.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func answer(event: UUID, artist: UUID, status: LineupService.Slot.Status, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("event_lineup").set("status", to: status.rawValue).set("answered_at", to: now)
            .where("event_id", .equal, event).where("artist_id", .equal, artist).run()
    }

    /// Marks the followers told; true only for the one caller that marked it.
    static func markAnnounced(event: UUID, artist: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE event_lineup SET announced_at = \(bind: now)
            WHERE event_id = \(bind: event) AND artist_id = \(bind: artist) AND announced_at IS NULL RETURNING event_id
            """).first() != nil
    }

    static func acceptedArtists(events: [UUID], on sql: any SQLDatabase) async throws -> [(event: UUID, artist: UUID)] {
        guard !events.isEmpty else { return [] }
        return try await sql.select().columns("event_id", "artist_id").from("event_lineup").where("event_id", .in, events)
            .where("status", .equal, LineupService.Slot.Status.accepted.rawValue)
            .all().map { (try $0.decode(column: "event_id", as: UUID.self), try $0.decode(column: "artist_id", as: UUID.self)) }
    }

    static func acceptedEvents(artist: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("event_id").from("event_lineup").where("artist_id", .equal, artist)
            .where("status", .equal, LineupService.Slot.Status.accepted.rawValue).limit(200)
            .all(decodingColumn: "event_id", as: UUID.self)
    }
}
