import BasedGeo
import Foundation
import SQLKit

/// Events: who may publish and change them, what a valid one is, RSVPs, and
/// keeping the reminder in step with the start time.
public struct EventService: Sendable {
    let database: Database
    let conversations: ConversationService
    let jobs: JobQueue
    /// How long before the start the RSVPs are reminded (`BASED_EVENT_REMINDER_MINUTES`).
    let reminderLead: Duration
    let analytics: AnalyticsLog
    /// Told of every published, edited and cancelled event (search indexes them).
    var changes: ChangeFeed?
    /// Refuses titles with a blocked word, masks them in descriptions.
    var moderation: ModerationService?
    /// Where a show without a pin of its own is: its venue's pin, or the gazetteer's for its city.
    var accounts: AccountService?
    var gazetteer: Gazetteer?

    /// What an event is made of; for an edit, nil leaves a field as it is.
    public struct Input: Sendable {
        public var title: String?
        public var description: String?
        public var startsAt: Date?
        public var endsAt: Date?
        /// Removes the end time (an edit only).
        public var clearEndsAt = false
        /// An empty string removes it.
        public var city: String?
        /// An empty string removes it.
        public var address: String?
        /// A pin; both or neither.
        public var latitude: Double?
        public var longitude: Double?
        /// How many may RSVP going; `clearCapacity` removes it (an edit only).
        public var capacity: Int?
        public var clearCapacity = false

        public init(
            title: String? = nil, description: String? = nil, startsAt: Date? = nil, endsAt: Date? = nil, clearEndsAt: Bool = false,
            city: String? = nil, address: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
            capacity: Int? = nil, clearCapacity: Bool = false
        ) {
            self.capacity = capacity
            self.clearCapacity = clearCapacity
            self.latitude = latitude
            self.longitude = longitude
            self.title = title
            self.description = description
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.clearEndsAt = clearEndsAt
            self.city = city
            self.address = address
        }
    }

    /// An event as a viewer sees it: how many answered, and their own answer.
    public struct View: Sendable {
        public var event: Event
        public var going: Int
        public var interested: Int
        public var mine: RSVP.Status?
    }

    // MARK: Publishing

    /// Publishes an event with its chat room and its reminder, all or nothing.
    public func create(_ identity: Identity, _ input: Input, now: Date = Date()) async throws -> Event {
        guard identity.role == .venue || identity.role == .admin else {
            throw AppError.forbidden("Only venue accounts publish events.", code: "venue_only")
        }
        var fields: [AppError.FieldError] = []
        if input.title == nil { fields.append(.init("title", "is required")) }
        if input.startsAt == nil { fields.append(.init("startsAt", "is required")) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let id = UUID.v7(now: now)
        var event = Event(
            id: id, venueId: identity.userID, title: "", description: "", startsAt: now, endsAt: nil, city: nil, address: nil,
            latitude: nil, longitude: nil, status: .scheduled, roomId: id, createdAt: now, updatedAt: now
        )
        try Self.apply(input, to: &event, now: now, isNew: true)
        try await placePin(of: &event, input)
        let screening = try screen(input, event)
        if let description = screening?.text("description") { event.description = description }
        let lead = reminderLead
        let created = try await database.transaction { [conversations, jobs, event] sql in
            var event = event
            let roomTitle = String(event.title.prefix(MessagingLimits.titleCharacters))
            event.roomId = try await conversations.createRoom(by: identity.userID, title: roomTitle, subject: event.subject, on: sql).id
            try await EventQueries.insert(event, on: sql)
            try await EventReminder.enqueue(event, lead: lead, jobs: jobs, now: now, on: sql)
            return event
        }
        try await moderation?.flag(screening, thing: .event, id: created.id, author: identity.userID)
        await changes?.announce(.event, created.id)
        return created
    }

    /// A show the venue gave no pin is where its venue is (when it is in the
    /// venue's city) or where the gazetteer puts its city; a pin set for the
    /// show always wins. Runs after `apply`, on a new city as on a new event.
    private func placePin(of event: inout Event, _ input: Input) async throws {
        if input.latitude != nil {
            event.pinFromCity = false
            return
        }
        guard event.latitude == nil || event.pinFromCity == true, event.pinFromCity == nil || input.city != nil else { return }
        var pin: (Double, Double)?
        if let venue = try await accounts?.user(id: event.venueId), let lat = venue.latitude, let lon = venue.longitude,
           event.city == nil || event.city?.lowercased() == venue.city?.lowercased() {
            pin = (lat, lon)
        } else if let city = event.city, let place = try await gazetteer?.resolve(city: city) {
            pin = (place.latitude, place.longitude)
        }
        if let pin {
            (event.latitude, event.longitude, event.pinFromCity) = (pin.0, pin.1, true)
        } else if event.pinFromCity == true {
            (event.latitude, event.longitude, event.pinFromCity) = (nil, nil, nil)
        }
    }

    /// The title is refused with a blocked word, the description masked; only fields the input sets.
    private func screen(_ input: Input, _ event: Event) throws -> ModerationService.Screening? {
        try moderation?.screen([
            ("title", input.title.map { _ in event.title }, .name),
            ("description", input.description.map { _ in event.description }, .freeText),
        ])
    }

    /// Changes an event (its venue or an admin). A new start time clears who
    /// was reminded and schedules the reminder again.
    public func update(_ identity: Identity, eventID: UUID, _ input: Input, now: Date = Date()) async throws -> Event {
        let lead = reminderLead
        let (updated, screening) = try await database.transaction { [jobs] sql in
            var event = try await Self.owned(identity, eventID, on: sql)
            guard event.status == .scheduled else { throw AppError.conflict("The event was cancelled.", code: "event_cancelled") }
            let previousStart = event.startsAt
            try Self.apply(input, to: &event, now: now, isNew: false)
            try await placePin(of: &event, input)
            let screening = try screen(input, event)
            if let description = screening?.text("description") { event.description = description }
            event.updatedAt = now
            try await EventQueries.update(event, on: sql)
            if event.startsAt != previousStart {
                try await EventQueries.clearReminders(of: event.id, on: sql)
                try await EventReminder.enqueue(event, lead: lead, jobs: jobs, now: now, on: sql)
            }
            return (event, screening)
        }
        try await moderation?.flag(screening, thing: .event, id: updated.id, author: identity.userID)
        await changes?.announce(.event, updated.id)
        return updated
    }

    /// Cancels an event (its venue or an admin); cancelling twice changes nothing.
    /// Its reminder then does nothing and it takes no more RSVPs.
    public func cancel(_ identity: Identity, eventID: UUID, now: Date = Date()) async throws -> Event {
        let cancelled = try await database.transaction { sql in
            var event = try await Self.owned(identity, eventID, on: sql)
            guard event.status == .scheduled else { return event }
            event.status = .cancelled
            event.updatedAt = now
            try await EventQueries.update(event, on: sql)
            return event
        }
        await changes?.announce(.event, cancelled.id)
        return cancelled
    }

    /// Cancels an event by a moderator's decision (its takedown): as its venue cancelling it.
    @discardableResult
    public func cancelByModeration(_ eventID: UUID, now: Date = Date()) async throws -> Bool {
        let cancelled = try await database.transaction { sql -> Bool in
            guard var event = try await EventQueries.event(id: eventID, on: sql) else { throw AppError.notFound("The event") }
            guard event.status == .scheduled else { return false }
            event.status = .cancelled
            event.updatedAt = now
            try await EventQueries.update(event, on: sql)
            return true
        }
        if cancelled { await changes?.announce(.event, eventID) }
        return cancelled
    }

    /// Brings back an event a moderator cancelled (the decision was reversed).
    public func restoreByModeration(_ eventID: UUID, now: Date = Date()) async throws {
        let restored = try await database.transaction { sql -> Bool in
            guard var event = try await EventQueries.event(id: eventID, on: sql), event.status == .cancelled else { return false }
            event.status = .scheduled
            event.updatedAt = now
            try await EventQueries.update(event, on: sql)
            return true
        }
        if restored { await changes?.announce(.event, eventID) }
    }

    /// Deletes every event of a venue whose account is being erased (their
    /// RSVPs, lineups and tickets go with them). Safe to run again.
    public func erase(venue: UUID) async throws {
        let ids = try await EventQueries.ids(venue: venue, on: database.sql)
        try await EventQueries.delete(venue: venue, on: database.sql)
        await changes?.announce(.event, ids)
    }

    // MARK: Reading

    /// Upcoming events newest announced first, of some venues or in a city (feeds).
    public func announced(venues: [UUID]?, city: String?, before: UUID?, limit: Int, viewer: UUID?, now: Date = Date()) async throws -> [View] {
        if venues?.isEmpty == true { return [] }
        let rows = try await EventQueries.announced(venues: venues, city: city, now: now, before: before, limit: limit, on: database.sql)
        return try await views(rows, viewer: viewer)
    }

    /// A page of scheduled events that have not ended, in id order (search indexes them).
    public func scheduled(after: UUID?, limit: Int, now: Date = Date()) async throws -> [Event] {
        try await EventQueries.scheduled(endingAfter: now, after: after, limit: limit, on: database.sql)
    }

    /// Those of these events that are scheduled and have not ended.
    public func scheduled(ids: [UUID], now: Date = Date()) async throws -> [Event] {
        let byID = Dictionary(try await EventQueries.events(ids: Array(Set(ids)), on: database.sql).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }.filter { event in
            event.status == .scheduled && (event.endsAt ?? event.startsAt.addingTimeInterval(12 * 3600)) > now
        }
    }

    /// The events with these ids as the viewer sees them, in the order of `ids`; unknown ids are absent.
    public func events(ids: [UUID], viewer: UUID?) async throws -> [View] {
        guard !ids.isEmpty else { return [] }
        let found = try await EventQueries.events(ids: Array(Set(ids)), on: database.sql)
        let byID = Dictionary(try await views(found, viewer: viewer).map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    /// Any event, cancelled ones included: events are public.
    /// Orders of nearby events.
    public enum NearbyOrder: String, Sendable { case date, distance }

    /// Scheduled events within `radiusKm` of a point that have not ended
    /// (or start within `from`…`to`), soonest or nearest first, with their
    /// distance. The box around the point is scanned by index; the exact
    /// distance then filters it.
    public func nearby(
        latitude: Double, longitude: Double, radiusKm: Double, from: Date?, to: Date?, order: NearbyOrder, limit: Int?, viewer: UUID?,
        now: Date = Date()
    ) async throws -> [(view: View, distanceKm: Double)] {
        let size = try Self.pageSize(limit)
        let page = Array(try await nearbyEvents(latitude: latitude, longitude: longitude, radiusKm: radiusKm, from: from, to: to, order: order, now: now).prefix(size))
        let views = try await views(page.map(\.event), viewer: viewer)
        return zip(views, page).map { ($0, $1.distanceKm) }
    }

    /// Every scheduled show within `radiusKm` (at most the 2,000 soonest the
    /// index box yields), in the order asked for, with its distance; for callers
    /// that filter further before taking a page.
    public func nearbyEvents(
        latitude: Double, longitude: Double, radiusKm: Double, from: Date?, to: Date?, order: NearbyOrder, now: Date = Date()
    ) async throws -> [(event: Event, distanceKm: Double)] {
        var fields = Geo.problems(latitude: latitude, longitude: longitude)
        if !(radiusKm.isFinite && radiusKm > 0 && radiusKm <= Geo.maxRadiusKm) {
            fields.append(.init("radiusKm", "must be more than 0 and at most \(Int(Geo.maxRadiusKm))"))
        }
        if let from, let to, to <= from { fields.append(.init("to", "must be after from")) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let centre = (latitude: latitude, longitude: longitude)
        let box = Geo.box(around: centre, radiusKm: radiusKm)
        let rows = try await EventQueries.within(box, from: from ?? now, to: to, limit: 2000, on: database.sql)
        let near = rows.compactMap { event -> (event: Event, distanceKm: Double)? in
            guard let lat = event.latitude, let lon = event.longitude else { return nil }
            let distance = Geo.distanceKm(centre, (lat, lon))
            return distance <= radiusKm ? (event, distance) : nil
        }
        return order == .date
            ? near.sorted { ($0.event.startsAt, $0.event.id.text) < ($1.event.startsAt, $1.event.id.text) }
            : near.sorted { ($0.distanceKm, $0.event.startsAt) < ($1.distanceKm, $1.event.startsAt) }
    }

    public func event(_ id: UUID, viewer: UUID?) async throws -> View {
        guard let event = try await EventQueries.event(id: id, on: database.sql) else { throw AppError.notFound("The event") }
        return try await views([event], viewer: viewer)[0]
    }

    /// Scheduled events that have not ended, soonest first; optionally one venue's.
    public func upcoming(venue: UUID?, viewer: UUID?, cursor: String?, limit: Int?, now: Date = Date()) async throws -> (views: [View], nextCursor: String?) {
        let size = try Self.pageSize(limit)
        let after = try cursor.map(TimeIDCursor.decode)
        let rows = try await EventQueries.upcoming(venue: venue, now: now, after: after, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        let next = rows.count > size ? shown.last.map { TimeIDCursor.encode($0.startsAt, $0.id) } : nil
        return (try await views(shown, viewer: viewer), next)
    }

    /// The user's RSVPs to events that have not ended, soonest first (cancelled ones too, so they see it).
    public func rsvps(of user: UUID, cursor: String?, limit: Int?, now: Date = Date()) async throws -> (views: [View], nextCursor: String?) {
        let size = try Self.pageSize(limit)
        let after = try cursor.map(TimeIDCursor.decode)
        let rows = try await EventQueries.rsvps(of: user, now: now, after: after, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        let next = rows.count > size ? shown.last.map { TimeIDCursor.encode($0.event.startsAt, $0.event.id) } : nil
        return (try await views(shown.map(\.event), viewer: user), next)
    }

    private func views(_ events: [Event], viewer: UUID?) async throws -> [View] {
        let ids = events.map(\.id)
        let counts = try await EventQueries.counts(of: ids, on: database.sql)
        var mine: [UUID: RSVP.Status] = [:]
        if let viewer { mine = try await EventQueries.answers(of: viewer, to: ids, on: database.sql) }
        return events.map { event in
            View(event: event, going: counts[event.id]?[.going] ?? 0, interested: counts[event.id]?[.interested] ?? 0, mine: mine[event.id])
        }
    }

    // MARK: RSVPs

    /// Whose analytics an event's RSVPs and check-ins count in: its venue and
    /// every artist who accepted a place on its bill.
    public func figureOwners(of eventID: UUID) async throws -> [UUID] {
        guard let event = try await EventQueries.event(id: eventID, on: database.sql) else { return [] }
        return try await Self.figureOwners(of: event, on: database.sql)
    }

    /// RSVPs from before analytics existed, as the facts they would have
    /// recorded (one per owner of the event's figures), a page at a time.
    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let after = try AnalyticsHistoryPage.keys(cursor, count: 2) { keys -> (event: UUID, user: UUID)? in
            guard let event = UUID(uuidString: keys[0]), let user = UUID(uuidString: keys[1]) else { return nil }
            return (event, user)
        }
        let rows = try await EventQueries.historicalRSVPs(before: cutoff, after: after, limit: limit, on: database.sql)
        var owners: [UUID: [UUID]] = [:]
        for event in Set(rows.map(\.eventId)) { owners[event] = try await figureOwners(of: event) }
        return AnalyticsHistoryPage(
            facts: rows.flatMap { row in (owners[row.eventId] ?? []).map { AnalyticsLog.Fact(.rsvp, owner: $0, at: row.createdAt) } },
            next: rows.count == limit ? rows.last.map { AnalyticsHistoryPage.cursor($0.eventId.text, $0.userId.text) } : nil
        )
    }

    static func figureOwners(of event: Event, on sql: any SQLDatabase) async throws -> [UUID] {
        let artists = try await LineupQueries.slots(event: event.id, on: sql).filter { $0.status == .accepted }.map(\.artistId)
        return [event.venueId] + artists.filter { $0 != event.venueId }
    }

    /// Sets the user's answer. One conditional statement, so an event
    /// cancelled at the same moment takes no RSVP; answering again changes it.
    public func rsvp(_ user: UUID, eventID: UUID, status: RSVP.Status, now: Date = Date()) async throws -> RSVP {
        let lead = reminderLead
        let answered = try await database.transaction { [analytics, jobs] sql -> RSVP? in
            let before = try await EventQueries.rsvp(event: eventID, user: user, on: sql)
            // A capacity is guarded by one conditional write on the event's counter.
            if status == .going, before?.status != .going {
                guard try await EventQueries.takePlace(event: eventID, now: now, on: sql) else {
                    guard let event = try await EventQueries.event(id: eventID, on: sql), event.status == .scheduled, event.startsAt > now else { return nil }
                    throw AppError.conflict("The event is full: \(event.capacity ?? 0) people are going.", code: "event_full")
                }
            } else if before?.status == .going, status != .going {
                try await EventQueries.givePlaceBack(event: eventID, on: sql)
            }
            guard let stored = try await EventQueries.answer(user, to: eventID, status: status, now: now, on: sql) else { return nil }
            // A first answer counts in the figures of the venue and of the artists on
            // the bill; changing it does not.
            if before == nil, let event = try await EventQueries.event(id: eventID, on: sql) {
                let owners = try await Self.figureOwners(of: event, on: sql)
                try await analytics.record(owners.map { .init(.rsvp, owner: $0, at: now) }, on: sql)
                // The reminder may have run already: an answer that late is reminded at once.
                if now >= event.startsAt.addingTimeInterval(-lead.seconds) {
                    try await EventReminder.enqueue(event, lead: lead, jobs: jobs, now: now, on: sql)
                }
            }
            return stored
        }
        if let answered { return answered }
        guard let event = try await EventQueries.event(id: eventID, on: database.sql) else { throw AppError.notFound("The event") }
        guard event.status == .scheduled else { throw AppError.conflict("The event was cancelled.", code: "event_cancelled") }
        throw AppError.conflict("The event has started; RSVPs are closed.", code: "event_started")
    }

    /// Takes the user's answer back; nothing to take back is fine.
    public func withdraw(_ user: UUID, eventID: UUID) async throws {
        guard try await EventQueries.event(id: eventID, on: database.sql) != nil else { throw AppError.notFound("The event") }
        try await database.transaction { sql in
            if try await EventQueries.rsvp(event: eventID, user: user, on: sql)?.status == .going {
                try await EventQueries.givePlaceBack(event: eventID, on: sql)
            }
            try await EventQueries.deleteRSVP(event: eventID, user: user, on: sql)
        }
    }

    // MARK: Rules

    /// The event for changing: 404 when it does not exist, 403 `not_owner`
    /// when it is someone else's (events are public, so the id hides nothing).
    private static func owned(_ identity: Identity, _ id: UUID, on sql: any SQLDatabase) async throws -> Event {
        guard let event = try await EventQueries.event(id: id, on: sql) else { throw AppError.notFound("The event") }
        guard event.venueId == identity.userID || identity.role == .admin else {
            throw AppError.forbidden("Only the event's venue may change it.", code: "not_owner")
        }
        return event
    }

    /// Applies and checks an input; every offending field is reported at once.
    static func apply(_ input: Input, to event: inout Event, now: Date, isNew: Bool) throws {
        var fields: [AppError.FieldError] = []
        if let title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(title, min: 1, max: EventLimits.titleCharacters) { fields.append(.init("title", problem)) }
            event.title = title
        }
        if let description = input.description {
            if let problem = Validation.text(description, max: EventLimits.descriptionCharacters, multiline: true) {
                fields.append(.init("description", problem))
            }
            event.description = description
        }
        if let startsAt = input.startsAt.map(Self.wholeSeconds) {
            // Whole seconds: the time round-trips exactly through both databases and the reminder's payload.
            if startsAt <= now {
                fields.append(.init("startsAt", "must be in the future"))
            } else if startsAt.timeIntervalSince(now) > EventLimits.horizon {
                fields.append(.init("startsAt", "must be within 5 years"))
            }
            event.startsAt = startsAt
        }
        if input.clearEndsAt { event.endsAt = nil }
        if let endsAt = input.endsAt.map(Self.wholeSeconds) { event.endsAt = endsAt }
        if let endsAt = event.endsAt, input.endsAt != nil || input.startsAt != nil, !fields.contains(where: { $0.field == "startsAt" }) {
            if endsAt <= event.startsAt {
                fields.append(.init("endsAt", "must be after startsAt"))
            } else if endsAt.timeIntervalSince(event.startsAt) > EventLimits.longest {
                fields.append(.init("endsAt", "must be at most 31 days after startsAt"))
            }
        }
        if let city = input.city?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(city, max: EventLimits.cityCharacters) { fields.append(.init("city", problem)) }
            event.city = city.isEmpty ? nil : city
        }
        if let address = input.address?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(address, max: EventLimits.addressCharacters) { fields.append(.init("address", problem)) }
            event.address = address.isEmpty ? nil : address
        }
        fields += Geo.problems(latitude: input.latitude, longitude: input.longitude)
        if let latitude = input.latitude, let longitude = input.longitude {
            event.latitude = latitude
            event.longitude = longitude
        }
        if isNew, input.clearEndsAt { fields.append(.init("clearEndsAt", "is only for changing an event")) }
        if isNew, input.clearCapacity { fields.append(.init("clearCapacity", "is only for changing an event")) }
        if let capacity = input.capacity {
            if input.clearCapacity { fields.append(.init("clearCapacity", "cannot be combined with capacity")) }
            if !(1...EventLimits.maxCapacity).contains(capacity) {
                fields.append(.init("capacity", "must be between 1 and \(EventLimits.maxCapacity)"))
            }
            event.capacity = capacity
        } else if input.clearCapacity {
            event.capacity = nil
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
    }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static func pageSize(_ limit: Int?) throws -> Int {
        try PageSize.resolve(limit)
    }
}
