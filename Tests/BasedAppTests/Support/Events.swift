import BasedAPI
import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

// Arrangements the event suites share.

/// A create request starting `startsIn` seconds from now (at a whole hour when `exact`, so several share a second).
func eventJSON(title: String, startsIn: TimeInterval, exact: Bool = false, extra: String = "") -> String {
    var start = Date().addingTimeInterval(startsIn)
    if exact { start = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 3600).rounded(.up) * 3600) }
    return #"{"title":\#(jsonString(title)),"startsAt":"\#(iso(start))"\#(extra)}"#
}

func iso(_ date: Date) -> String { date.formatted(.iso8601) }

/// Brass Night, three days ahead, with a description, city and address.
let brassNightJSON = eventJSON(title: "Brass Night", startsIn: 3 * 86_400, extra: #","description":"Three bands.","city":"Leipzig","address":"Karl-Liebknecht-Str. 1""#)

extension TestClientProtocol {
    /// The venue "club" publishes Brass Night.
    func publishBrassNight() async throws -> (SessionBody, Schemas.Event) {
        let club = try await register("club", role: "venue")
        let created = try await request(.post, "/api/v1/events", json: brassNightJSON, token: club.accessToken)
        #expect(created.status == .created)
        return (club, try created.decode(Schemas.Event.self))
    }

    /// The venue "club" publishes Dub Session, two days ahead.
    func publishDubSession() async throws -> (SessionBody, Schemas.Event) {
        let club = try await register("club", role: "venue")
        let created = try await request(.post, "/api/v1/events", json: eventJSON(title: "Dub Session", startsIn: 2 * 86_400), token: club.accessToken)
        #expect(created.status == .created)
        return (club, try created.decode(Schemas.Event.self))
    }

    /// Seven events of two venues, club and hall, published out of order; two start at the same second.
    func publishWeek() async throws -> [Schemas.Event] {
        let club = try await register("club", role: "venue")
        let hall = try await register("hall", role: "venue")
        var events: [Schemas.Event] = []
        for (days, venue) in [(5, club), (1, hall), (3, club), (3, club), (2, hall), (9, club), (4, club)] {
            let body = eventJSON(title: "Day \(days)", startsIn: TimeInterval(days * 86_400), exact: true)
            events.append(try await request(.post, "/api/v1/events", json: body, token: venue.accessToken).decode(Schemas.Event.self))
        }
        return events
    }

    /// The venue "club" publishes a show three hours ahead, and "fan" is going; returns the fan's session.
    func publishLateShowWithFan() async throws -> (SessionBody, Schemas.Event) {
        let club = try await register("club", role: "venue")
        let fan = try await register("fan")
        let event = try await request(.post, "/api/v1/events", json: eventJSON(title: "Late show", startsIn: 3 * 3600), token: club.accessToken).decode(Schemas.Event.self)
        _ = try await request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
        return (fan, event)
    }

    /// The event reminders in a user's inbox, newest first.
    func eventReminders(_ token: String) async throws -> [Schemas.Notification] {
        try await request(.get, "/api/v1/notifications?limit=100", token: token).decode(Schemas.NotificationPage.self).items.filter { $0.kind == .eventReminder }
    }
}
