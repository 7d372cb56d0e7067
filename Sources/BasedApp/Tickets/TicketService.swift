import BasedQR
import Crypto
import Foundation
import HTTPTypes
import SQLKit

/// Tickets to events: tiers a venue sets up, claims that never oversell (one
/// conditional write each for the tier's capacity and the holder's limit), a
/// waitlist whose next listener is offered a cancelled ticket for a while,
/// codes signed by the venue's Ed25519 key, and check-in at the door that
/// admits a ticket once. Payment: "reserve now, pay at the door" (docs/decisions.md).
public struct TicketService: Sendable {
    let database: Database
    let events: EventService
    let accounts: AccountService
    let blocks: BlockService
    let realtime: Realtime
    let analytics: AnalyticsLog
    /// How tickets are paid for; built in: reserve now, pay at the door.
    var payments: any PaymentProvider = PayAtDoor()
    /// Seals venues' private keys at rest; nil keeps them as they are (tests of old rows).
    var keySeal: KeySeal?
    /// Venues' keys and events' venues, which never change once made.
    let keys = VenueKeys()

    public struct TierInput: Sendable {
        public var name: String
        public var priceMinor: Int
        public var currency: String
        public var quantity: Int
        public var perPerson: Int
        public var salesStart: Date?
        public var salesEnd: Date?

        public init(name: String, priceMinor: Int, currency: String, quantity: Int, perPerson: Int, salesStart: Date? = nil, salesEnd: Date? = nil) {
            self.name = name
            self.priceMinor = priceMinor
            self.currency = currency
            self.quantity = quantity
            self.perPerson = perPerson
            self.salesStart = salesStart
            self.salesEnd = salesEnd
        }
    }

    /// A ticket with what its holder needs at the door.
    public struct Issued: Sendable {
        public var ticket: Ticket
        public var tier: TicketTier
        public var code: String
    }

    /// The outcome of a scan that admitted someone.
    public struct Admission: Sendable {
        public var ticket: Ticket
        public var holder: User?
        /// The tier's name, for the door to read out.
        public var tierName: String?
    }

    // MARK: Tiers

    public func createTier(_ identity: Identity, eventID: UUID, _ input: TierInput, now: Date = Date()) async throws -> TicketTier {
        let event = try await ownedEvent(identity, eventID)
        var fields: [AppError.FieldError] = []
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(name, min: 1, max: TicketLimits.nameCharacters) { fields.append(.init("name", problem)) }
        if !(0...TicketLimits.maxPriceMinor).contains(input.priceMinor) { fields.append(.init("priceMinor", "must be 0 to \(TicketLimits.maxPriceMinor)")) }
        if input.currency.count != 3 || !input.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            fields.append(.init("currency", "must be an ISO 4217 code such as EUR"))
        }
        if !(1...TicketLimits.maxQuantity).contains(input.quantity) { fields.append(.init("quantity", "must be 1 to \(TicketLimits.maxQuantity)")) }
        if !(1...TicketLimits.maxPerPerson).contains(input.perPerson) { fields.append(.init("perPerson", "must be 1 to \(TicketLimits.maxPerPerson)")) }
        if let start = input.salesStart, let end = input.salesEnd, end <= start { fields.append(.init("salesEnd", "must be after salesStart")) }
        if let end = input.salesEnd, end > event.endsAt ?? event.startsAt.addingTimeInterval(EventLimits.longest) {
            fields.append(.init("salesEnd", "must be before the event is over"))
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        guard event.status == .scheduled else { throw AppError.conflict("The event is cancelled.", code: "event_cancelled") }
        guard try await TicketQueries.tiers(event: eventID, on: database.sql).count < TicketLimits.tiersPerEvent else {
            throw AppError.conflict("An event has at most \(TicketLimits.tiersPerEvent) tiers.", code: "too_many_tiers")
        }
        let tier = TicketTier(
            id: .v7(now: now), eventId: eventID, name: name, priceMinor: input.priceMinor, currency: input.currency, quantity: input.quantity,
            claimed: 0, held: 0, perPerson: input.perPerson, salesStart: input.salesStart, salesEnd: input.salesEnd, createdAt: now
        )
        try await TicketQueries.insert(tier, on: database.sql)
        return tier
    }

    /// The event's tiers, for anyone who may see the event.
    public func tiers(eventID: UUID, viewer: UUID?) async throws -> [TicketTier] {
        _ = try await events.event(eventID, viewer: viewer)
        return try await TicketQueries.tiers(event: eventID, on: database.sql)
    }

    // MARK: Claims and the waitlist

    /// One ticket of the tier for the caller, or 409 `sold_out` (then the
    /// waitlist), `per_person_limit`, `sales_not_open`, `sales_closed` or `event_cancelled`.
    public func claim(_ identity: Identity, tierID: UUID, now: Date = Date()) async throws -> Issued {
        let (tier, event) = try await visibleTier(tierID, viewer: identity.userID)
        guard event.status == .scheduled, (event.endsAt ?? event.startsAt) > now else {
            throw AppError.conflict("The event is cancelled or over.", code: "event_cancelled")
        }
        if let start = tier.salesStart, now < start { throw AppError.conflict("Sales open at \(start.formatted(.iso8601)).", code: "sales_not_open") }
        if let end = tier.salesEnd, now >= end { throw AppError.conflict("Sales closed at \(end.formatted(.iso8601)).", code: "sales_closed") }
        await passOnLapsedOffers(tier: tierID, event: event, now: now)
        let user = identity.userID
        let payment = try await payments.open(tier: tier, holder: user)
        let ticket = try await database.transaction { sql -> Ticket in
            let offered = try await TicketQueries.takeOffer(tier: tierID, user: user, now: now, on: sql)
            guard try await TicketQueries.addHolding(tier: tierID, user: user, limit: tier.perPerson, on: sql) else {
                throw AppError.conflict("You hold \(tier.perPerson) of these tickets already, the most one person may.", code: "per_person_limit")
            }
            let seated = offered
                ? try await TicketQueries.takeHeldSeat(tier: tierID, on: sql)
                : try await TicketQueries.takeSeat(tier: tierID, on: sql)
            guard seated else {
                throw AppError.conflict("Sold out. Join the waitlist: POST /api/v1/tiers/\(tierID.text)/waitlist.", code: "sold_out")
            }
            let ticket = Ticket(
                id: .v7(now: now), tierId: tierID, eventId: event.id, holderId: user, state: .active,
                checkedInAt: nil, checkedInBy: nil, createdAt: now, paymentProvider: payment.provider, paymentStatus: payment.status,
                amountMinor: payment.amountMinor, currency: payment.currency
            )
            try await TicketQueries.insert(ticket, on: sql)
            return ticket
        }
        return Issued(ticket: ticket, tier: try await TicketQueries.tier(id: tierID, on: database.sql) ?? tier, code: try await code(ticket, venue: event.venueId))
    }

    /// Puts the caller on a sold-out tier's waitlist; their place in it (1 is next).
    public func joinWaitlist(_ identity: Identity, tierID: UUID, now: Date = Date()) async throws -> Int {
        let (tier, event) = try await visibleTier(tierID, viewer: identity.userID)
        guard event.status == .scheduled else { throw AppError.conflict("The event is cancelled.", code: "event_cancelled") }
        guard tier.available == 0 else {
            throw AppError.conflict("Tickets are still available; claim one instead.", code: "not_sold_out")
        }
        try await TicketQueries.join(tier: tierID, user: identity.userID, now: now, on: database.sql)
        return try await TicketQueries.position(tier: tierID, user: identity.userID, on: database.sql) ?? 1
    }

    /// Cancels the caller's ticket (not one used at the door). Its seat goes
    /// to the next listener waiting, as an offer for `TicketLimits.offerWindow`, or back on sale.
    public func cancel(_ identity: Identity, ticketID: UUID, now: Date = Date()) async throws {
        guard let ticket = try await TicketQueries.ticket(id: ticketID, on: database.sql), ticket.holderId == identity.userID else {
            throw AppError.notFound("The ticket")
        }
        guard try await release(ticket, now: now) else {
            throw AppError.conflict("The ticket was cancelled or used already.", code: "ticket_not_active")
        }
    }

    /// Cancels an active, unused ticket and passes its seat on; false when it was not active.
    private func release(_ ticket: Ticket, now: Date) async throws -> Bool {
        let until = now.addingTimeInterval(TicketLimits.offerWindow)
        let outcome = try await database.transaction { [payments] sql -> (cancelled: Bool, offered: UUID?) in
            guard try await TicketQueries.cancel(id: ticket.id, holder: ticket.holderId, payment: payments.cancelled(ticket.payment).status, on: sql) else {
                return (false, nil)
            }
            try await TicketQueries.removeHolding(tier: ticket.tierId, user: ticket.holderId, on: sql)
            let next = try await TicketQueries.offerNext(tier: ticket.tierId, until: until, on: sql)
            try await TicketQueries.releaseSeat(tier: ticket.tierId, hold: next != nil, on: sql)
            return (true, next)
        }
        if let offered = outcome.offered { await tellOffered(offered, tier: ticket.tierId, event: ticket.eventId, until: until) }
        return outcome.cancelled
    }

    /// Erases a user from ticketing (their account is being deleted): their
    /// unused tickets are cancelled so the seats go to others, and tickets
    /// they admitted at a door no longer name them. Their ticket rows go with
    /// the account. Safe to run again.
    public func erase(_ user: UUID, ghost: UUID, now: Date = Date()) async throws {
        for ticket in try await TicketQueries.tickets(holder: user, limit: 10_000, on: database.sql) where ticket.state == .active {
            _ = try await release(ticket, now: now)
        }
        try await TicketQueries.reassignCheckIns(by: user, to: ghost, on: database.sql)
    }

    /// Gives the caller's ticket to another listener: a new ticket (and code)
    /// for them, the old code stops working. Not to oneself, not between
    /// people who blocked each other, not past the receiver's per-person limit,
    /// not once used at the door.
    public func transfer(_ identity: Identity, ticketID: UUID, to username: String, now: Date = Date()) async throws -> Issued {
        guard let ticket = try await TicketQueries.ticket(id: ticketID, on: database.sql), ticket.holderId == identity.userID else {
            throw AppError.notFound("The ticket")
        }
        guard let receiver = try await accounts.user(username: username) else { throw AppError.notFound("The user \(username)") }
        guard receiver.id != identity.userID else { throw AppError.validation("username", "is you; a ticket goes to someone else") }
        guard try await !blocks.isBlocked(between: identity.userID, and: receiver.id) else {
            throw AppError.forbidden("You cannot give a ticket to this user.", code: "blocked")
        }
        guard let tier = try await TicketQueries.tier(id: ticket.tierId, on: database.sql) else { throw AppError.notFound("The ticket") }
        let event = try await events.event(ticket.eventId, viewer: identity.userID).event
        let given = try await database.transaction { [payments] sql -> Ticket in
            guard try await TicketQueries.cancel(id: ticketID, holder: identity.userID, payment: payments.cancelled(ticket.payment).status, on: sql) else {
                throw AppError.conflict("The ticket was cancelled or used already.", code: "ticket_not_active")
            }
            try await TicketQueries.removeHolding(tier: tier.id, user: identity.userID, on: sql)
            guard try await TicketQueries.addHolding(tier: tier.id, user: receiver.id, limit: tier.perPerson, on: sql) else {
                throw AppError.conflict("@\(receiver.username) holds \(tier.perPerson) of these tickets already.", code: "per_person_limit")
            }
            // What was owed or paid goes with the ticket.
            let given = Ticket(
                id: .v7(now: now), tierId: tier.id, eventId: ticket.eventId, holderId: receiver.id, state: .active,
                checkedInAt: nil, checkedInBy: nil, createdAt: now, paymentProvider: ticket.paymentProvider, paymentStatus: ticket.paymentStatus,
                amountMinor: ticket.amountMinor, currency: ticket.currency
            )
            try await TicketQueries.insert(given, on: sql)
            return given
        }
        return Issued(ticket: given, tier: tier, code: try await code(given, venue: event.venueId))
    }

    /// Offers that lapsed go to the next listener waiting, or their seats back on sale.
    private func passOnLapsedOffers(tier: UUID, event: Event, now: Date) async {
        let until = now.addingTimeInterval(TicketLimits.offerWindow)
        let passed = try? await database.transaction { sql -> [UUID] in
            var offered: [UUID] = []
            for _ in try await TicketQueries.takeLapsedOffers(tier: tier, now: now, on: sql) {
                if let next = try await TicketQueries.offerNext(tier: tier, until: until, on: sql) {
                    offered.append(next)
                } else {
                    try await TicketQueries.dropHold(tier: tier, on: sql)
                }
            }
            return offered
        }
        for user in passed ?? [] { await tellOffered(user, tier: tier, event: event.id, until: until) }
    }

    private func tellOffered(_ user: UUID, tier: UUID, event: UUID, until: Date) async {
        _ = await realtime.notify(user, kind: .ticketOffer, actor: nil, subject: Event.subject(event), data: [
            "tierId": tier.text, "eventId": event.text, "until": until.formatted(.iso8601),
        ])
    }

    public func tickets(of identity: Identity) async throws -> [Issued] {
        let tickets = try await TicketQueries.tickets(holder: identity.userID, limit: 200, on: database.sql)
        var issued: [Issued] = []
        var tiers: [UUID: TicketTier] = [:]
        for ticket in tickets {
            if tiers[ticket.tierId] == nil { tiers[ticket.tierId] = try await TicketQueries.tier(id: ticket.tierId, on: database.sql) }
            guard let tier = tiers[ticket.tierId], let event = try? await events.event(ticket.eventId, viewer: identity.userID).event else { continue }
            issued.append(Issued(ticket: ticket, tier: tier, code: try await code(ticket, venue: event.venueId)))
        }
        return issued
    }

    /// Distinct holders of the event's active tickets (told when it moves or is cancelled).
    public func holders(of eventID: UUID) async throws -> [UUID] {
        try await TicketQueries.holders(event: eventID, on: database.sql)
    }

    /// Whether anyone holds a ticket for the event (one indexed row read).
    public func hasHolders(_ eventID: UUID) async throws -> Bool {
        try await TicketQueries.hasHolder(event: eventID, on: database.sql)
    }

    /// Which of these events sell a ticket with a price.
    public func paidEvents(among events: [UUID]) async throws -> Set<UUID> {
        try await TicketQueries.paidEvents(among: events, on: database.sql)
    }

    /// The caller's ticket's code as a QR code in SVG (its holder only; others get 404).
    public func qrCode(_ identity: Identity, ticketID: UUID) async throws -> String {
        guard let ticket = try await TicketQueries.ticket(id: ticketID, on: database.sql), ticket.holderId == identity.userID else {
            throw AppError.notFound("The ticket")
        }
        guard ticket.state == .active else { throw AppError.conflict("The ticket was cancelled.", code: "ticket_cancelled") }
        let venue = try await venue(of: ticket.eventId)
        let code = try await code(ticket, venue: venue)
        return try QRCode(text: code, correction: .medium).svg(moduleSize: 8, quietZone: 4, title: "Ticket code")
    }

    // MARK: The venue's figures

    /// The event's ticket and door figures, for its venue or an admin.
    public func dashboard(_ identity: Identity, eventID: UUID, now: Date = Date()) async throws -> (EventDashboard, going: Int, capacity: Int?) {
        let event = try await ownedEvent(identity, eventID)
        async let tiers = TicketQueries.tiers(event: eventID, on: database.sql)
        async let tickets = TicketQueries.tickets(event: eventID, on: database.sql)
        async let waiting = TicketQueries.waiting(event: eventID, on: database.sql)
        let dashboard = EventDashboard.make(event: event, tiers: try await tiers, tickets: try await tickets, waiting: try await waiting, now: now)
        let view = try await events.event(eventID, viewer: nil)
        return (dashboard, view.going, event.capacity)
    }

    /// Every ticket of the event as CSV, for its venue or an admin.
    public func export(_ identity: Identity, eventID: UUID) async throws -> String {
        _ = try await ownedEvent(identity, eventID)
        return EventDashboard.csv(
            tiers: try await TicketQueries.tiers(event: eventID, on: database.sql), tickets: try await TicketQueries.tickets(event: eventID, on: database.sql)
        )
    }

    // MARK: The door

    /// Holders admitted at the door of at least `minimum` different events,
    /// with how many (for achievements; never shown as a list).
    public func admittedEventCounts(minimum: Int) async throws -> [UUID: Int] {
        Dictionary(try await TicketQueries.admittedEventCounts(minimum: minimum, on: database.sql).map { ($0.holder, $0.events) }, uniquingKeysWith: max)
    }

    /// Admissions from before analytics existed, as the facts they would have
    /// recorded (one per owner of the event's figures), a page at a time.
    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let rows = try await TicketQueries.historicalCheckIns(before: cutoff, after: try AnalyticsHistoryPage.uuid(cursor), limit: limit, on: database.sql)
        var owners: [UUID: [UUID]] = [:]
        for event in Set(rows.map(\.eventId)) { owners[event] = try await events.figureOwners(of: event) }
        return AnalyticsHistoryPage(
            facts: rows.flatMap { row in (owners[row.eventId] ?? []).map { AnalyticsLog.Fact(.checkin, owner: $0, at: row.checkedInAt) } },
            next: rows.count == limit ? rows.last?.id.text : nil
        )
    }

    /// Admits the ticket a code names, once. The caller is the event's venue
    /// or one of its door staff; `scannedAt` is when an offline door device
    /// scanned it (the earliest scan of a ticket wins). The venue of an event
    /// and a venue's public key never change, so both are remembered: a scan
    /// costs the staff check (for staff), the conditional update and its reads.
    public func checkIn(_ identity: Identity, eventID: UUID, code: String, scannedAt: Date?, now: Date = Date()) async throws -> Admission {
        let venue = try await venue(of: eventID)
        var allowed = identity.userID == venue || identity.role == .admin
        if !allowed { allowed = try await TicketQueries.isStaff(venue: venue, user: identity.userID, on: database.sql) }
        guard allowed else { throw AppError.forbidden("Only the venue and its door staff check tickets in.", code: "not_door_staff") }
        guard let publicKey = try await publicKey(venue: venue), let payload = TicketCodes.verify(code, key: publicKey) else {
            throw AppError.validation("code", "is not a ticket of this venue (forged, altered or from another venue)")
        }
        guard payload.event == eventID else {
            throw AppError.conflict("This ticket is for another event.", code: "wrong_event")
        }
        let at = min(scannedAt ?? now, now)
        // Read before the write transaction, so that the write lock is held for
        // the writes only; remembered for a few seconds through a rush at the door.
        let owners = try await figureOwners(of: eventID)
        let outcome = try await database.transaction { [analytics, payments] sql -> (ticket: Ticket?, admitted: Bool) in
            let reserved = TicketPayment(provider: payments.id, status: .reserved, amountMinor: 0, currency: "")
            let outcome = try await TicketQueries.checkIn(
                id: payload.ticket, event: eventID, at: at, by: identity.userID, reservedBecomes: payments.admitted(reserved).status, on: sql
            )
            if outcome.admitted, let ticket = outcome.ticket {
                try await analytics.record(owners.map { .init(.checkin, owner: $0, at: ticket.checkedInAt ?? at) }, on: sql)
            }
            return outcome
        }
        guard let ticket = outcome.ticket else {
            // Not changed: say why, from the ticket as it is.
            guard let ticket = try await TicketQueries.ticket(id: payload.ticket, on: database.sql), ticket.eventId == eventID else {
                throw AppError.validation("code", "names no ticket")
            }
            guard ticket.state == .active else { throw AppError.conflict("This ticket was cancelled.", code: "ticket_cancelled") }
            var staff: User?
            if let by = ticket.checkedInBy { staff = try await accounts.user(id: by) }
            let time = ticket.checkedInAt.map { $0.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) } ?? "?"
            throw AppError.conflict("Already checked in at \(time) by @\(staff?.username ?? "?").", code: "already_checked_in")
        }
        if !outcome.admitted {
            // An offline device's earlier scan moved the time back; the ticket was admitted before.
            var staff: User?
            if let by = ticket.checkedInBy { staff = try await accounts.user(id: by) }
            let time = ticket.checkedInAt.map { $0.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) } ?? "?"
            throw AppError.conflict("Already checked in at \(time) by @\(staff?.username ?? "?").", code: "already_checked_in")
        }
        async let holder = accounts.user(id: ticket.holderId)
        async let tier = TicketQueries.tier(id: ticket.tierId, on: database.sql)
        return Admission(ticket: ticket, holder: try await holder, tierName: try await tier?.name)
    }

    /// Whose figures an admission counts in (the venue and the artists on the
    /// bill), remembered for `VenueKeys.ownersValidity`: a bill changed within
    /// those seconds counts a check-in for the bill as it was.
    private func figureOwners(of eventID: UUID) async throws -> [UUID] {
        if let owners = keys.owners(of: eventID) { return owners }
        let owners = try await events.figureOwners(of: eventID)
        keys.remember(owners: owners, of: eventID)
        return owners
    }

    /// The venue of an event (remembered: it never changes).
    private func venue(of eventID: UUID) async throws -> UUID {
        if let venue = keys.venue(of: eventID) { return venue }
        let event = try await events.event(eventID, viewer: nil).event
        keys.remember(venue: event.venueId, of: eventID)
        return event.venueId
    }

    /// The venue's public key, if it has one yet (remembered: it never changes).
    private func publicKey(venue: UUID) async throws -> Curve25519.Signing.PublicKey? {
        if let key = keys.publicKey(of: venue) { return key }
        guard let stored = try await TicketQueries.key(venue: venue, on: database.sql), let raw = Data(base64URLEncoded: stored.publicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { return nil }
        keys.remember(publicKey: key, of: venue)
        return key
    }

    /// Lets a user check tickets in at the venue's events (venues only).
    public func setDoorStaff(_ identity: Identity, username: String, on: Bool, now: Date = Date()) async throws -> [User] {
        guard identity.role == .venue else { throw AppError.forbidden("Only venue accounts have door staff.", code: "venue_only") }
        guard let user = try await accounts.user(username: username), user.id != identity.userID else { throw AppError.notFound("The user \(username)") }
        if on {
            try await TicketQueries.addStaff(venue: identity.userID, user: user.id, now: now, on: database.sql)
        } else {
            try await TicketQueries.removeStaff(venue: identity.userID, user: user.id, on: database.sql)
        }
        return try await doorStaff(identity)
    }

    public func doorStaff(_ identity: Identity) async throws -> [User] {
        let ids = try await TicketQueries.staff(venue: identity.userID, on: database.sql)
        let users = try await accounts.users(ids: ids)
        return ids.compactMap { users[$0] }
    }

    /// The venue's public key (raw Ed25519, base64url), for door devices that check codes offline.
    public func publicKey(venue username: String) async throws -> String {
        guard let venue = try await accounts.user(username: username), venue.role == .venue || venue.role == .admin else {
            throw AppError.notFound("The venue \(username)")
        }
        return try await signingKey(venue: venue.id).publicKey.rawRepresentation.base64URLEncodedString()
    }

    // MARK: Keys and codes

    private func code(_ ticket: Ticket, venue: UUID) async throws -> String {
        try TicketCodes.make(.init(ticket: ticket.id, event: ticket.eventId), key: try await signingKey(venue: venue))
    }

    /// The venue's signing key, made the first time it is needed, stored
    /// sealed (`KeySeal`); a key stored before sealing is sealed when next read.
    private func signingKey(venue: UUID) async throws -> Curve25519.Signing.PrivateKey {
        if let key = keys.privateKey(of: venue) { return key }
        if let stored = try await TicketQueries.key(venue: venue, on: database.sql) {
            let key = try openKey(stored.privateKey, venue: venue)
            if let keySeal, !KeySeal.isSealed(stored.privateKey) {
                try await TicketQueries.replacePrivateKey(venue: venue, with: try keySeal.seal(key.rawRepresentation, venue: venue), on: database.sql)
            }
            keys.remember(privateKey: key, of: venue)
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        let stored = try keySeal?.seal(key.rawRepresentation, venue: venue) ?? key.rawRepresentation.base64URLEncodedString()
        try await TicketQueries.insertKey(
            venue: venue, privateKey: stored, publicKey: key.publicKey.rawRepresentation.base64URLEncodedString(), now: Date(), on: database.sql
        )
        // Another request may have stored its key first; theirs is the one.
        guard let winner = try await TicketQueries.key(venue: venue, on: database.sql) else { return key }
        let chosen = try openKey(winner.privateKey, venue: venue)
        keys.remember(privateKey: chosen, of: venue)
        return chosen
    }

    private func openKey(_ stored: String, venue: UUID) throws -> Curve25519.Signing.PrivateKey {
        if KeySeal.isSealed(stored) {
            guard let keySeal else { throw KeySeal.Failure("A venue's ticket key is sealed and no seal key is loaded.") }
            return try Curve25519.Signing.PrivateKey(rawRepresentation: try keySeal.open(stored, venue: venue))
        }
        guard let raw = Data(base64URLEncoded: stored) else { throw KeySeal.Failure("A venue's ticket key is unreadable.") }
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    // MARK: Lookups

    private func ownedEvent(_ identity: Identity, _ id: UUID) async throws -> Event {
        let event = try await events.event(id, viewer: identity.userID).event
        guard event.venueId == identity.userID || identity.role == .admin else {
            throw AppError.forbidden("Only the event's venue sets up its tickets.", code: "not_event_owner")
        }
        return event
    }

    private func visibleTier(_ id: UUID, viewer: UUID) async throws -> (TicketTier, Event) {
        guard let tier = try await TicketQueries.tier(id: id, on: database.sql) else { throw AppError.notFound("The ticket tier") }
        return (tier, try await events.event(tier.eventId, viewer: viewer).event)
    }
}
