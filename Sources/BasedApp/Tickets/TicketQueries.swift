import Foundation
import SQLKit

/// The SQL of ticket tiers, tickets, holdings, the waitlist, door staff and venue keys.
/// Capacity and the per-person limit are each guarded by one conditional write.
enum TicketQueries {
    static func insert(_ tier: TicketTier, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "ticket_tiers").model(tier, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func tier(id: UUID, on sql: any SQLDatabase) async throws -> TicketTier? {
        try await sql.select().column("*").from("ticket_tiers").where("id", .equal, id)
            .first(decoding: TicketTier.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func tiers(event: UUID, on sql: any SQLDatabase) async throws -> [TicketTier] {
        try await sql.select().column("*").from("ticket_tiers").where("event_id", .equal, event)
            .orderBy("created_at").orderBy("id")
            .all(decoding: TicketTier.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Takes one ticket of the tier if one is free: the whole capacity check is this one statement.
    static func takeSeat(tier: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE ticket_tiers SET claimed = claimed + 1 WHERE id = \(bind: tier) AND claimed + held < quantity RETURNING id
            """).first() != nil
    }

    /// Turns a held seat (a waitlist offer) into a claimed one.
    static func takeHeldSeat(tier: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE ticket_tiers SET claimed = claimed + 1, held = held - 1 WHERE id = \(bind: tier) AND held > 0 RETURNING id
            """).first() != nil
    }

    /// A seat given back: freed, or kept back for the waitlisted listener just offered it.
    static func releaseSeat(tier: UUID, hold: Bool, on sql: any SQLDatabase) async throws {
        if hold {
            try await sql.raw("UPDATE ticket_tiers SET claimed = claimed - 1, held = held + 1 WHERE id = \(bind: tier) AND claimed > 0").run()
        } else {
            try await sql.raw("UPDATE ticket_tiers SET claimed = claimed - 1 WHERE id = \(bind: tier) AND claimed > 0").run()
        }
    }

    static func dropHold(tier: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE ticket_tiers SET held = held - 1 WHERE id = \(bind: tier) AND held > 0").run()
    }

    /// Counts one more ticket for the holder unless they have `limit` already (one statement, so concurrent claims cannot both pass).
    static func addHolding(tier: UUID, user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO ticket_holdings (tier_id, user_id, count) VALUES (\(bind: tier), \(bind: user), 1)
            ON CONFLICT (tier_id, user_id) DO UPDATE SET count = ticket_holdings.count + 1 WHERE ticket_holdings.count < \(bind: limit)
            RETURNING count
            """).first() != nil
    }

    static func removeHolding(tier: UUID, user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE ticket_holdings SET count = count - 1 WHERE tier_id = \(bind: tier) AND user_id = \(bind: user) AND count > 0").run()
    }

    static func insert(_ ticket: Ticket, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "tickets").model(ticket, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil).run()
    }

    static func ticket(id: UUID, on sql: any SQLDatabase) async throws -> Ticket? {
        try await sql.select().column("*").from("tickets").where("id", .equal, id)
            .first(decoding: Ticket.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func tickets(holder: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [Ticket] {
        try await sql.select().column("*").from("tickets").where("holder_id", .equal, holder)
            .orderBy("created_at", .descending).orderBy("id", .descending).limit(limit)
            .all(decoding: Ticket.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func reassignCheckIns(by staff: UUID, to other: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("tickets").set("checked_in_by", to: SQLBind(other)).where("checked_in_by", .equal, staff).run()
    }

    /// Cancels the holder's active ticket unless it was used at the door; `payment` is its payment's new status.
    static func cancel(id: UUID, holder: UUID, payment: TicketPayment.Status, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE tickets SET state = 'cancelled', payment_status = \(bind: payment.rawValue)
            WHERE id = \(bind: id) AND holder_id = \(bind: holder) AND state = 'active' AND checked_in_at IS NULL RETURNING id
            """).first() != nil
    }

    /// Marks the event's ticket used at `at` unless it was used earlier: the
    /// earliest scan wins, so a door device that was offline and syncs later
    /// cannot admit anyone twice. A payment still `reserved` becomes
    /// `reservedBecomes` (the provider's answer for an admitted ticket). The
    /// ticket as updated, and whether this scan admitted it (it was not used
    /// before); no ticket when nothing changed.
    static func checkIn(
        id: UUID, event: UUID, at: Date, by staff: UUID, reservedBecomes: TicketPayment.Status, on sql: any SQLDatabase
    ) async throws -> (ticket: Ticket?, admitted: Bool) {
        // The usual scan, a ticket not used yet, is one statement; a used one
        // is moved back only by an earlier scan (an offline device syncing).
        for unused in [true, false] {
            let updated = try await sql.raw("""
                UPDATE tickets SET checked_in_at = \(bind: at), checked_in_by = \(bind: staff),
                    payment_status = CASE payment_status WHEN 'reserved' THEN \(bind: reservedBecomes.rawValue) ELSE payment_status END
                WHERE id = \(bind: id) AND event_id = \(bind: event) AND state = 'active'
                    AND \(unsafeRaw: unused ? "checked_in_at IS NULL" : "checked_in_at IS NOT NULL") AND (checked_in_at IS NULL OR checked_in_at > \(bind: at))
                RETURNING *
                """).first(decoding: Ticket.self, keyDecodingStrategy: .snakeCaseColumns)
            if let updated { return (updated, unused) }
        }
        return (nil, false)
    }

    /// Distinct holders of the event's active tickets.
    static func holders(event: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().distinct().column("holder_id").from("tickets").where("event_id", .equal, event).where("state", .equal, "active")
            .all(decodingColumn: "holder_id", as: UUID.self)
    }

    static func hasHolder(event: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("holder_id").from("tickets").where("event_id", .equal, event).where("state", .equal, "active")
            .limit(1).first() != nil
    }

    /// Which of these events have a tier with a price.
    static func paidEvents(among events: [UUID], on sql: any SQLDatabase) async throws -> Set<UUID> {
        guard !events.isEmpty else { return [] }
        return Set(try await sql.select().distinct().column("event_id").from("ticket_tiers").where("event_id", .in, events)
            .where("price_minor", .greaterThan, 0).all(decodingColumn: "event_id", as: UUID.self))
    }

    /// Every ticket of an event, oldest first (the venue's dashboard and export).
    static func tickets(event: UUID, on sql: any SQLDatabase) async throws -> [Ticket] {
        try await sql.select().column("*").from("tickets").where("event_id", .equal, event).orderBy("created_at").orderBy("id")
            .all(decoding: Ticket.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// How many wait for each of the event's tiers.
    static func waiting(event: UUID, on sql: any SQLDatabase) async throws -> [UUID: Int] {
        struct Row: Decodable { var tierId: UUID; var n: Int }
        let rows = try await sql.raw("""
            SELECT w.tier_id, COUNT(*) AS n FROM ticket_waitlist w JOIN ticket_tiers t ON t.id = w.tier_id
            WHERE t.event_id = \(bind: event) GROUP BY w.tier_id
            """).all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.tierId, $0.n) }, uniquingKeysWith: +)
    }

    // MARK: Waitlist

    static func join(tier: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "ticket_waitlist").columns("tier_id", "user_id", "offered_until", "created_at")
            .values(SQLBind(tier), SQLBind(user), SQLLiteral.null, SQLBind(now))
            .ignoringConflicts(with: ["tier_id", "user_id"]).run()
    }

    /// Place in the queue (1 is next), or nil when not waiting. Compared in
    /// the database, stored time against stored time (a time read back and
    /// bound again need not compare equal to itself), ties by user id.
    static func position(tier: UUID, user: UUID, on sql: any SQLDatabase) async throws -> Int? {
        guard try await sql.select().column("user_id").from("ticket_waitlist")
            .where("tier_id", .equal, tier).where("user_id", .equal, user).first() != nil else { return nil }
        let ahead = try await sql.raw("""
            SELECT COUNT(*) AS n FROM ticket_waitlist w, ticket_waitlist me
            WHERE me.tier_id = \(bind: tier) AND me.user_id = \(bind: user) AND w.tier_id = me.tier_id
              AND (w.created_at < me.created_at OR (w.created_at = me.created_at AND w.user_id < me.user_id))
            """).first(decodingColumn: "n", as: Int.self) ?? 0
        return ahead + 1
    }

    /// Takes the user's live offer off the waitlist; true when they had one.
    static func takeOffer(tier: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            DELETE FROM ticket_waitlist WHERE tier_id = \(bind: tier) AND user_id = \(bind: user) AND offered_until > \(bind: now) RETURNING user_id
            """).first() != nil
    }

    /// Offers lapsed before now, each taken off the waitlist by exactly one caller.
    static func takeLapsedOffers(tier: UUID, now: Date, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.raw("""
            DELETE FROM ticket_waitlist WHERE tier_id = \(bind: tier) AND offered_until IS NOT NULL AND offered_until <= \(bind: now) RETURNING user_id
            """).all(decodingColumn: "user_id", as: UUID.self)
    }

    /// Offers the next waiting listener a held seat until `until`; their id, or nil when nobody waits.
    static func offerNext(tier: UUID, until: Date, on sql: any SQLDatabase) async throws -> UUID? {
        guard let next = try await sql.select().column("user_id").from("ticket_waitlist")
            .where("tier_id", .equal, tier).where("offered_until", .is, SQLLiteral.null)
            .orderBy("created_at").orderBy("user_id").limit(1)
            .first(decodingColumn: "user_id", as: UUID.self) else { return nil }
        let taken = try await sql.raw("""
            UPDATE ticket_waitlist SET offered_until = \(bind: until)
            WHERE tier_id = \(bind: tier) AND user_id = \(bind: next) AND offered_until IS NULL RETURNING user_id
            """).first() != nil
        return taken ? next : nil
    }

    // MARK: Door staff and keys

    static func addStaff(venue: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "door_staff").columns("venue_id", "user_id", "created_at")
            .values(SQLBind(venue), SQLBind(user), SQLBind(now)).ignoringConflicts(with: ["venue_id", "user_id"]).run()
    }

    static func removeStaff(venue: UUID, user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "door_staff").where("venue_id", .equal, venue).where("user_id", .equal, user).run()
    }

    static func staff(venue: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("user_id").from("door_staff").where("venue_id", .equal, venue)
            .orderBy("created_at").all(decodingColumn: "user_id", as: UUID.self)
    }

    static func isStaff(venue: UUID, user: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("user_id").from("door_staff").where("venue_id", .equal, venue).where("user_id", .equal, user)
            .first() != nil
    }

    struct KeyRow: Decodable { var privateKey: String; var publicKey: String }

    static func key(venue: UUID, on sql: any SQLDatabase) async throws -> KeyRow? {
        try await sql.select().columns("private_key", "public_key").from("venue_ticket_keys").where("venue_id", .equal, venue)
            .first(decoding: KeyRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func replacePrivateKey(venue: UUID, with privateKey: String, on sql: any SQLDatabase) async throws {
        try await sql.update("venue_ticket_keys").set("private_key", to: SQLBind(privateKey)).where("venue_id", .equal, venue).run()
    }

    /// Stores a new key unless the venue has one already (the first writer wins).
    static func insertKey(venue: UUID, privateKey: String, publicKey: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "venue_ticket_keys").columns("venue_id", "private_key", "public_key", "created_at")
            .values(SQLBind(venue), SQLBind(privateKey), SQLBind(publicKey), SQLBind(now))
            .ignoringConflicts(with: ["venue_id"]).run()
    }

    /// Holders admitted at the door of at least `minimum` different events, with how many.
    static func admittedEventCounts(minimum: Int, on sql: any SQLDatabase) async throws -> [(holder: UUID, events: Int)] {
        try await sql.raw("""
            SELECT holder_id, COUNT(DISTINCT event_id) AS n FROM tickets WHERE checked_in_at IS NOT NULL
            GROUP BY holder_id HAVING COUNT(DISTINCT event_id) >= \(bind: minimum)
            """).all().map { (try $0.decode(column: "holder_id", as: UUID.self), try $0.decode(column: "n", as: Int.self)) }
    }

    struct HistoricalCheckIn: Decodable {
        var id: UUID
        var eventId: UUID
        var checkedInAt: Date
    }

    /// Tickets admitted before `cutoff`, in id order after `after` (the analytics back-fill).
    static func historicalCheckIns(before cutoff: Date, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalCheckIn] {
        let query = sql.select().columns("id", "event_id", "checked_in_at").from("tickets").where("checked_in_at", .lessThan, cutoff)
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: HistoricalCheckIn.self, keyDecodingStrategy: .snakeCaseColumns)
    }
}
