import Foundation
import SQLKit

/// Events as calendars: one event's .ics for anyone who may see it, and a
/// private feed per user (a secret URL, revocable) of the events they
/// answered and hold tickets for, that calendar apps subscribe to.
public struct CalendarService: Sendable {
    let database: Database
    let events: EventService
    let tickets: TicketService
    let accounts: AccountService

    /// One event as a calendar.
    public func calendar(event id: UUID, viewer: UUID?) async throws -> String {
        let view = try await events.event(id, viewer: viewer)
        let venue = try await accounts.user(id: view.event.venueId)
        return ICalendar(name: view.event.title, entries: [Self.entry(view.event, venue: venue)]).render()
    }

    /// Makes (or replaces) the user's feed secret; the path to subscribe to, shown this once.
    public func newFeed(_ identity: Identity, now: Date = Date()) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64URLEncodedString()
        try await CalendarQueries.setFeed(user: identity.userID, hash: Digest.sha256Hex(token), now: now, on: database.sql)
        return "/calendar/\(token).ics"
    }

    /// Revokes the feed: its URL stops answering.
    public func revokeFeed(_ identity: Identity) async throws {
        try await CalendarQueries.removeFeed(user: identity.userID, on: database.sql)
    }

    /// The feed a secret opens: RSVPs and tickets, soonest first; 404 for anything else.
    public func feed(token: String) async throws -> String {
        guard token.count <= 64, let user = try await CalendarQueries.user(hash: Digest.sha256Hex(token), on: database.sql),
              let owner = try await accounts.user(id: user)
        else { throw AppError.notFound("The calendar") }
        var byID: [UUID: Event] = [:]
        var cursor: String?
        repeat {
            let page = try await events.rsvps(of: user, cursor: cursor, limit: 100)
            for view in page.views { byID[view.event.id] = view.event }
            cursor = page.nextCursor
        } while cursor != nil && byID.count < 1000
        let identity = Identity(userID: owner.id, sessionID: owner.id, username: owner.username, role: owner.role)
        let held = Set(try await tickets.tickets(of: identity).filter { $0.ticket.state == .active }.map(\.ticket.eventId)).subtracting(byID.keys)
        for view in try await events.events(ids: Array(held), viewer: user) { byID[view.event.id] = view.event }
        let sorted = byID.values.sorted { ($0.startsAt, $0.id.text) < ($1.startsAt, $1.id.text) }
        let venues = try await accounts.users(ids: sorted.map(\.venueId))
        return ICalendar(name: "Based: @\(owner.username)", entries: sorted.map { Self.entry($0, venue: venues[$0.venueId]) }).render()
    }

    static func entry(_ event: Event, venue: User?) -> ICalendar.Entry {
        let place = [venue.map { $0.displayName.isEmpty ? $0.username : $0.displayName }, event.address, event.city].compactMap { $0 }.filter { !$0.isEmpty }
        return ICalendar.Entry(
            uid: "\(event.id.text)@based", start: event.startsAt, end: event.endsAt, summary: event.title, description: event.description,
            location: place.joined(separator: ", "), url: nil, cancelled: event.status == .cancelled, updated: event.updatedAt
        )
    }
}

/// The SQL of calendar feeds.
enum CalendarQueries {
    static func setFeed(user: UUID, hash: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "calendar_feeds").columns("user_id", "token_hash", "created_at")
            .values(SQLBind(user), SQLBind(hash), SQLBind(now))
            .onConflict(with: ["user_id"]) { $0.set(excludedValueOf: "token_hash").set(excludedValueOf: "created_at") }
            .run()
    }

    static func removeFeed(user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "calendar_feeds").where("user_id", .equal, user).run()
    }

    static func user(hash: String, on sql: any SQLDatabase) async throws -> UUID? {
        try await sql.select().column("user_id").from("calendar_feeds").where("token_hash", .equal, hash)
            .first(decodingColumn: "user_id", as: UUID.self)
    }
}
