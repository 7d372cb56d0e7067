import BasedGeo
import Foundation

/// Tells people about shows: when an artist is confirmed on a bill, the
/// people near the show who follow or often hear them (one alert per show,
/// at most `perWeek` a week each, within the radius each chose); when a show
/// moves or is cancelled, everyone holding a ticket. The request that
/// confirms or changes a show only queues the telling (`ShowAlertJob`), so it
/// answers at once however many people are told. Delivery goes through
/// `Realtime.notify` (live, inbox, push), which respects each person's muted
/// accounts, the kinds they turned off, and their quiet hours for pushes.
public struct ShowAlerts: Sendable {
    let database: Database
    let jobs: JobQueue
    let events: EventService
    let tickets: TicketService
    let accounts: AccountService
    let follows: FollowService
    let plays: PlayService
    let tracks: TrackService
    let notifications: NotificationService
    let realtime: Realtime
    /// At most this many show alerts per person in any 7 days (`BASED_SHOW_ALERTS_PER_WEEK`).
    let perWeek: Int

    /// Listeners who finished at least this many of an artist's tracks in the
    /// last `listeningWindow` "often listen to" them.
    static let oftenPlays = 3
    static let listeningWindow: TimeInterval = 90 * 86_400

    /// The artist was confirmed on the event's bill: queues the alerts. A
    /// second confirmation (a retry, another device) while they wait is the same job.
    public func confirmed(_ artist: UUID, eventID: UUID) async throws {
        try await jobs.enqueue(
            kind: ShowAlertJob.kind, payload: ShowAlertJob.Payload(eventId: eventID, artistId: artist, change: nil),
            dedupeKey: "show-confirmed:\(eventID.text):\(artist.text)", on: database.sql
        )
    }

    /// An event was edited or cancelled: queues the notice to its ticket holders
    /// when it moved or was cancelled and someone holds a ticket.
    public func changed(before: Event, after: Event) async throws {
        guard let change = Self.change(before: before, after: after), try await tickets.hasHolders(after.id) else { return }
        try await jobs.enqueue(kind: ShowAlertJob.kind, payload: ShowAlertJob.Payload(eventId: after.id, artistId: nil, change: change), on: database.sql)
    }

    /// Alerts the people near the event who follow or often hear the artist
    /// confirmed on its bill (run by the job). Returns who was told.
    @discardableResult
    public func artistConfirmed(_ artist: UUID, eventID: UUID, now: Date = Date()) async throws -> [UUID] {
        let event = try await events.event(eventID, viewer: nil).event
        guard event.status == .scheduled, event.startsAt > now, let lat = event.latitude, let lon = event.longitude else { return [] }
        var fans = Set(try await follows.followerIDs(of: artist))
        fans.formUnion(try await frequentListeners(of: artist, now: now))
        fans.subtract([artist, event.venueId])
        guard !fans.isEmpty else { return [] }
        let people = try await accounts.users(ids: Array(fans))
        let radii = try await notifications.alertRadii(of: Array(fans))
        let near = people.values.compactMap { person -> (UUID, Double)? in
            guard let radius = radii[person.id], radius > 0, let plat = person.latitude, let plon = person.longitude else { return nil }
            let distance = Geo.distanceKm((lat, lon), (plat, plon))
            return distance <= Double(radius) ? (person.id, distance) : nil
        }
        let recent = try await ShowAlertQueries.recentCounts(of: near.map(\.0), since: now.addingTimeInterval(-7 * 86_400), on: database.sql)
        let artistName = try await accounts.user(id: artist)?.displayName ?? ""
        let venueName = try await accounts.user(id: event.venueId)?.displayName ?? ""
        var told: [UUID] = []
        for (person, distance) in near.sorted(by: { $0.1 < $1.1 }) where (recent[person] ?? 0) < perWeek {
            guard try await ShowAlertQueries.record(user: person, event: event.id, now: now, on: database.sql) else { continue }
            var data = [
                "eventId": event.id.text, "title": event.title, "startsAt": event.startsAt.formatted(.iso8601),
                "artistName": artistName, "venueName": venueName, "distanceKm": String(format: "%.1f", distance),
            ]
            if let city = event.city { data["city"] = city }
            if await realtime.notify(person, kind: .showNearby, actor: artist, subject: event.subject, data: data) != nil {
                told.append(person)
            }
        }
        return told
    }

    /// Listeners who finished at least `oftenPlays` of the artist's tracks lately.
    func frequentListeners(of artist: UUID, now: Date) async throws -> [UUID] {
        let ids = try await tracks.trackIDs(of: artist, limit: 2000)
        guard !ids.isEmpty else { return [] }
        return try await plays.topListeners(of: ids, since: now.addingTimeInterval(-Self.listeningWindow), limit: 50_000)
            .filter { $0.plays >= Self.oftenPlays }.map(\.user)
    }

    /// What changed about a show, for its ticket holders.
    public enum Change: String, Codable, Sendable { case moved, cancelled }

    /// Cancelled, or moved in time or place; nil for any other edit.
    static func change(before: Event, after: Event) -> Change? {
        if before.status == .scheduled, after.status == .cancelled { return .cancelled }
        if after.status == .scheduled,
           before.startsAt != after.startsAt || before.address != after.address || before.city != after.city
            || before.latitude != after.latitude || before.longitude != after.longitude {
            return .moved
        }
        return nil
    }

    /// Tells the event's ticket holders it moved or was cancelled, with its
    /// details as they are now (run by the job). Returns who was told.
    @discardableResult
    public func tellHolders(eventID: UUID, change: Change) async throws -> [UUID] {
        let event = try await events.event(eventID, viewer: nil).event
        var data = ["eventId": event.id.text, "title": event.title, "change": change.rawValue, "startsAt": event.startsAt.formatted(.iso8601)]
        if let address = event.address { data["address"] = address }
        if let city = event.city { data["city"] = city }
        var told: [UUID] = []
        for holder in try await tickets.holders(of: event.id) {
            if await realtime.notify(holder, kind: .eventChanged, actor: event.venueId, subject: event.subject, data: data) != nil {
                told.append(holder)
            }
        }
        return told
    }
}

/// Runs the telling `ShowAlerts` queues: alerts for an artist confirmed on a
/// bill (each person alerted once per show, however often it runs), or a
/// notice to ticket holders that their show moved or was cancelled.
struct ShowAlertJob: JobHandler {
    static let kind = "show_alerts"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable {
        var eventId: UUID
        /// Set for a confirmation.
        var artistId: UUID?
        /// Set for a change.
        var change: ShowAlerts.Change?
    }

    let alerts: ShowAlerts

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        if let artist = payload.artistId {
            try await alerts.artistConfirmed(artist, eventID: payload.eventId)
        } else if let change = payload.change {
            try await alerts.tellHolders(eventID: payload.eventId, change: change)
        }
    }

    func gaveUp(_ job: Job, reason: String) async {}
}
