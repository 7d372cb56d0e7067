import BasedGeo
import Foundation
import SQLKit

/// The SQL of events and RSVPs.
enum EventQueries {
    static func insert(_ event: Event, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "events").model(event, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    /// Replaces every column of the event's row.
    static func update(_ event: Event, on sql: any SQLDatabase) async throws {
        try await sql.update("events").set(model: event, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
            .where("id", .equal, event.id).run()
    }

    static func event(id: UUID, on sql: any SQLDatabase) async throws -> Event? {
        try await sql.select().column("*").from("events").where("id", .equal, id)
            .first(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The events with these ids, in one query; unknown ids are absent.
    static func events(ids: [UUID], on sql: any SQLDatabase) async throws -> [Event] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("*").from("events").where("id", .in, ids)
            .all(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Scheduled events that have not ended (or, without an end, not started)
    /// at `now`, soonest first, after the cursor `(startsAt, id)`.
    static func upcoming(venue: UUID?, now: Date, after: (Date, UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [Event] {
        var query = sql.select().column("*").from("events")
            .where("status", .equal, Event.Status.scheduled.rawValue)
            .where { $0.where("starts_at", .greaterThan, now).orWhere("ends_at", .greaterThan, now) }
        if let venue { query = query.where("venue_id", .equal, venue) }
        return try await query.page(byTime: "starts_at", of: "events", after: after, .ascending, limit: limit)
            .all(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Scheduled events with a pin inside the box, that have not ended by `from` and start by `to`, soonest first.
    static func within(_ box: Geo.Box, from: Date, to: Date?, limit: Int, on sql: any SQLDatabase) async throws -> [Event] {
        let query = sql.select().column("*").from("events")
            .where("latitude", .greaterThanOrEqual, box.latitudes.lowerBound).where("latitude", .lessThanOrEqual, box.latitudes.upperBound)
            .where { group in
                for range in box.longitudes {
                    group.orWhere { $0.where("longitude", .greaterThanOrEqual, range.lowerBound).where("longitude", .lessThanOrEqual, range.upperBound) }
                }
                return group
            }
            .where("status", .equal, Event.Status.scheduled.rawValue)
            .where { $0.where("starts_at", .greaterThanOrEqual, from).orWhere("ends_at", .greaterThan, from) }
        if let to { query.where("starts_at", .lessThanOrEqual, to) }
        return try await query.orderBy("starts_at").orderBy("id").limit(limit)
            .all(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct Entry: Decodable {
        var rsvpStatus: RSVP.Status
        var rsvpCreatedAt: Date
        var event: Event

        enum CodingKeys: String, CodingKey { case rsvpStatus = "rsvp_status", rsvpCreatedAt = "rsvp_created_at" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            rsvpStatus = try container.decode(RSVP.Status.self, forKey: .rsvpStatus)
            rsvpCreatedAt = try container.decode(Date.self, forKey: .rsvpCreatedAt)
            event = try Event(from: decoder)
        }
    }

    /// A user's RSVPs to events that have not ended, cancelled ones included
    /// (so they learn of it), soonest first, after the cursor.
    static func rsvps(of user: UUID, now: Date, after: (Date, UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [Entry] {
        let query = sql.select()
            .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("events")))
            .column(SQLColumn("status", table: "event_rsvps"), as: "rsvp_status")
            .column(SQLColumn("created_at", table: "event_rsvps"), as: "rsvp_created_at")
            .from("event_rsvps")
            .join("events", on: SQLColumn("id", table: "events"), .equal, SQLColumn("event_id", table: "event_rsvps"))
            .where(SQLColumn("user_id", table: "event_rsvps"), .equal, SQLBind(user))
            .where {
                $0.where(SQLColumn("starts_at", table: "events"), .greaterThan, SQLBind(now))
                    .orWhere(SQLColumn("ends_at", table: "events"), .greaterThan, SQLBind(now))
            }
        return try await query.page(byTime: "starts_at", of: "events", after: after, .ascending, limit: limit)
            .all(decoding: Entry.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Sets (or changes) a user's answer, only while the event is scheduled
    /// and has not started: one conditional statement, never read-then-write.
    /// Nil when the event took no answer. A changed answer keeps `reminded_at`.
    static func answer(_ user: UUID, to event: UUID, status: RSVP.Status, now: Date, on sql: any SQLDatabase) async throws -> RSVP? {
        // SQLite needs the WHERE for `INSERT … SELECT … ON CONFLICT` to parse; it is there anyway.
        try await sql.raw("""
            INSERT INTO event_rsvps (event_id, user_id, status, created_at)
            SELECT id, \(bind: user), \(bind: status.rawValue), \(bind: now) FROM events
            WHERE id = \(bind: event) AND status = 'scheduled' AND starts_at > \(bind: now)
            ON CONFLICT (event_id, user_id) DO UPDATE SET status = excluded.status
            RETURNING *
            """).first(decoding: RSVP.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Counts one more person going, only while the event is scheduled, has not
    /// started and has room: one conditional UPDATE, so concurrent answers can
    /// never exceed the capacity. When the counter says full it is counted again
    /// from the answers (people whose accounts were erased leave no row but were
    /// counted) and the write is tried once more.
    static func takePlace(event: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        func take() async throws -> Bool {
            try await sql.raw("""
                UPDATE events SET going = going + 1
                WHERE id = \(bind: event) AND status = 'scheduled' AND starts_at > \(bind: now) AND (capacity IS NULL OR going < capacity)
                RETURNING going
                """).first() != nil
        }
        if try await take() { return true }
        try await recount(event: event, on: sql)
        return try await take()
    }

    /// One person fewer going: the counter is set from the answers, which the caller changes next.
    static func givePlaceBack(event: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE events SET going = (SELECT COUNT(*) FROM event_rsvps WHERE event_id = \(bind: event) AND status = 'going') - 1
            WHERE id = \(bind: event)
            """).run()
    }

    private static func recount(event: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE events SET going = (SELECT COUNT(*) FROM event_rsvps WHERE event_id = \(bind: event) AND status = 'going')
            WHERE id = \(bind: event)
            """).run()
    }

    static func ids(venue: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("id").from("events").where("venue_id", .equal, venue).all(decodingColumn: "id", as: UUID.self)
    }

    static func delete(venue: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "events").where("venue_id", .equal, venue).run()
    }

    static func deleteRSVP(event: UUID, user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "event_rsvps").where("event_id", .equal, event).where("user_id", .equal, user).run()
    }

    static func rsvp(event: UUID, user: UUID, on sql: any SQLDatabase) async throws -> RSVP? {
        try await sql.select().column("*").from("event_rsvps").where("event_id", .equal, event).where("user_id", .equal, user)
            .first(decoding: RSVP.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// How many are going and interested, per event.
    static func counts(of events: [UUID], on sql: any SQLDatabase) async throws -> [UUID: [RSVP.Status: Int]] {
        guard !events.isEmpty else { return [:] }
        struct Row: Decodable { var eventId: UUID; var status: RSVP.Status; var n: Int }
        let rows = try await sql.select().column("event_id").column("status").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("event_rsvps").where("event_id", .in, events).groupBy("event_id").groupBy("status")
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return rows.reduce(into: [:]) { $0[$1.eventId, default: [:]][$1.status] = $1.n }
    }

    /// The viewer's own answers to these events.
    static func answers(of user: UUID, to events: [UUID], on sql: any SQLDatabase) async throws -> [UUID: RSVP.Status] {
        guard !events.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from("event_rsvps").where("user_id", .equal, user).where("event_id", .in, events)
            .all(decoding: RSVP.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.eventId, $0.status) }, uniquingKeysWith: { a, _ in a })
    }

    /// A new time reminds everyone again.
    static func clearReminders(of event: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("event_rsvps").set("reminded_at", to: SQLLiteral.null).where("event_id", .equal, event).run()
    }

    /// Marks the not yet reminded RSVPs of an event reminded and returns whose
    /// they were: one statement, so a retried or concurrent run takes nobody twice.
    static func markReminded(event: UUID, now: Date, on sql: any SQLDatabase) async throws -> [RSVP] {
        try await sql.update("event_rsvps").set("reminded_at", to: SQLBind(now))
            .where("event_id", .equal, event).where("reminded_at", .is, SQLLiteral.null)
            .returning(SQLLiteral.all)
            .all(decoding: RSVP.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of scheduled events that have not ended, by id.
    static func scheduled(endingAfter now: Date, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Event] {
        var query = sql.select().column("*").from("events").where("status", .equal, Event.Status.scheduled.rawValue)
            .where { $0.where("ends_at", .greaterThan, now).orWhere { $0.where("ends_at", .is, SQLLiteral.null).where("starts_at", .greaterThan, now.addingTimeInterval(-12 * 3600)) } }
        if let after { query = query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Scheduled, upcoming events, newest announced first (by id), of some venues or in a city (any letter case).
    static func announced(venues: [UUID]?, city: String?, now: Date, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Event] {
        let query = sql.select().column("*").from("events")
            .where("status", .equal, Event.Status.scheduled.rawValue)
            .where { $0.where("starts_at", .greaterThan, now).orWhere("ends_at", .greaterThan, now) }
        if let venues { query.where("venue_id", .in, venues) }
        if let city { query.where(SQLFunction("LOWER", args: SQLIdentifier("city")), .equal, SQLBind(city.lowercased())) }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit).all(decoding: Event.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct HistoricalRSVP: Decodable {
        var eventId: UUID
        var userId: UUID
        var createdAt: Date
    }

    /// RSVPs given before `cutoff`, in key order after `after` (the analytics back-fill).
    static func historicalRSVPs(before cutoff: Date, after: (event: UUID, user: UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalRSVP] {
        let after = after.map { SQLQueryString("AND (event_id, user_id) > (\(bind: $0.event), \(bind: $0.user))") }
        return try await sql.raw("""
            SELECT event_id, user_id, created_at FROM event_rsvps
            WHERE created_at < \(bind: cutoff) \(after ?? "")
            ORDER BY event_id, user_id LIMIT \(bind: limit)
            """).all(decoding: HistoricalRSVP.self, keyDecodingStrategy: .snakeCaseColumns)
    }
}
