import BasedGeo
import Foundation

/// Tells people about shows: when an artist is confirmed on a bill, the
/// people near the show who follow or often hear them (one alert per show,
/// at most `perWeek` a week each, within the radius each chose); when a show
/// moves or is cancelled, everyone holding a ticket. Delivery goes through
/// `Realtime.notify` (live, inbox, push), which respects each person's muted
/// accounts, the kinds they turned off, and their quiet hours for pushes.
public struct ShowAlerts: Sendable {
    let database: Database
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

    /// The artist was confirmed on the event's bill: alerts the people near it
    /// who follow or often hear them. Returns who was told.
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
    public enum Change: String, Sendable { case moved, cancelled }

    /// Compares an event before and after a change; tells its ticket holders
    /// when it was cancelled, or moved in time or place. Returns who was told.
    @discardableResult
    public func eventChanged(before: Event, after: Event) async throws -> [UUID] {
        let change: Change
        if before.status == .scheduled, after.status == .cancelled {
            change = .cancelled
        } else if after.status == .scheduled,
                  before.startsAt != after.startsAt || before.address != after.address || before.city != after.city
                    || before.latitude != after.latitude || before.longitude != after.longitude {
            change = .moved
        } else {
            return []
        }
        var data = ["eventId": after.id.text, "title": after.title, "change": change.rawValue, "startsAt": after.startsAt.formatted(.iso8601)]
        if let address = after.address { data["address"] = address }
        if let city = after.city { data["city"] = city }
        var told: [UUID] = []
        for holder in try await tickets.holders(of: after.id) {
            if await realtime.notify(holder, kind: .eventChanged, actor: after.venueId, subject: after.subject, data: data) != nil {
                told.append(holder)
            }
        }
        return told
    }
}
