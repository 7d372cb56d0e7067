import BasedAPI
@testable import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Events: publishing and pages", .serialized)
struct EventTests {
    // MARK: Publishing

    @Test("a venue publishes an event, which anyone may read without a token")
    func publish() async throws {
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            let created = try await client.request(.post, "/api/v1/events", json: brassNightJSON, token: club.accessToken)
            #expect(created.status == .created)
            let event = try created.decode(Schemas.Event.self)
            #expect(event.venue.username == "club")
            #expect(event.status == .scheduled)
            #expect(event.city == "Leipzig")
            #expect(event.goingCount == 0 && event.myRsvp == nil)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self).title == "Brass Night")
        }
    }

    @Test("a published event has its own room, with the venue as its admin, which anyone may join")
    func eventRoom() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let fan = try await client.register("fan")
            // The room is a real room of the event, with the venue as its admin.
            let room = try await client.request(.get, "/api/v1/conversations/\(event.roomId)", token: club.accessToken)
            #expect(room.status == .ok)
            let detail = try room.decode(Schemas.ConversationDetail.self)
            #expect(detail.kind == .room)
            #expect(detail.subject == "event:\(event.id)")
            #expect(detail.title == "Brass Night")
            #expect(detail.members.map(\.role) == [.admin])
            #expect(try await client.request(.put, "/api/v1/rooms/\(event.roomId)/membership", token: fan.accessToken).status == .ok)
        }
    }

    @Test("listeners do not publish events, and nothing is written for them")
    func listenersDoNotPublish() async throws {
        try await withApp { client, services in
            let fan = try await client.register("fan")
            let refused = try await client.request(.post, "/api/v1/events", json: brassNightJSON, token: fan.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "venue_only")
            #expect(try await rowCount("events", services) == 0)
            #expect(try await rowCount("conversations", services) == 0)
        }
    }

    @Test("publishing needs a session")
    func publishAnonymously() async throws {
        try await withApp { client, services in
            let response = try await client.request(.post, "/api/v1/events", json: brassNightJSON)
            #expect(response.status == .unauthorized)
            #expect(try await rowCount("events", services) == 0)
        }
    }

    @Test("another venue or a listener can neither change nor cancel someone else's event")
    func othersCannotChange() async throws {
        try await withApp { client, _ in
            let (_, event) = try await client.publishBrassNight()
            let hall = try await client.register("hall", role: "venue")
            let fan = try await client.register("fan")
            for token in [hall.accessToken, fan.accessToken] {
                let edit = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Mine now"}"#, token: token)
                #expect(edit.status == .forbidden)
                #expect(try edit.problem().code == "not_owner")
                #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: token).status == .forbidden)
            }
            let unchanged = try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self)
            #expect(unchanged.title == "Brass Night")
            #expect(unchanged.status == .scheduled)
        }
    }

    @Test("an unknown event is not found, to change or to read")
    func unknownEvent() async throws {
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            #expect(try await client.request(.patch, "/api/v1/events/\(UUID())", json: #"{"title":"Ghost"}"#, token: club.accessToken).status == .notFound)
            #expect(try await client.request(.patch, "/api/v1/events/not-an-id", json: #"{"title":"Ghost"}"#, token: club.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/events/\(UUID())").status == .notFound)
        }
    }

    @Test("the venue changes its event, and an empty city removes it")
    func venueChanges() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let renamed = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Brass Night II","city":""}"#, token: club.accessToken)
            #expect(renamed.status == .ok)
            let changed = try renamed.decode(Schemas.Event.self)
            #expect(changed.city == nil)
            #expect(changed.title == "Brass Night II")
        }
    }

    @Test("an admin may change any event, which stays the venue's")
    func adminChanges() async throws {
        try await withApp { client, services in
            let (_, event) = try await client.publishBrassNight()
            _ = try await services.accounts.createUser(
                .init(username: "root", email: "root@example.org", password: "admin horse battery", role: .admin), allowAdmin: true
            )
            let admin = try await client.signIn("root", password: "admin horse battery")
            let moderated = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Brass Night (moved)"}"#, token: admin.accessToken)
            #expect(moderated.status == .ok)
            let changed = try moderated.decode(Schemas.Event.self)
            #expect(changed.venue.username == "club")
            #expect(changed.title == "Brass Night (moved)")
        }
    }

    // MARK: Bad input

    @Test("bad event input gets a 422 naming the field and writes nothing")
    func badInput() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let soon = Date().addingTimeInterval(86_400)
            let cases: [(String, String)] = [
                (eventJSON(title: "Past", startsIn: -3600), "startsAt"),
                (#"{"title":"Backwards","startsAt":"\#(iso(soon))","endsAt":"\#(iso(soon.addingTimeInterval(-60)))"}"#, "endsAt"),
                (#"{"title":"Same time","startsAt":"\#(iso(soon))","endsAt":"\#(iso(soon))"}"#, "endsAt"),
                (eventJSON(title: "   ", startsIn: 3600), "title"),
                (eventJSON(title: String(repeating: "x", count: 201), startsIn: 3600), "title"),
                (eventJSON(title: "Long", startsIn: 3600, extra: #","description":"\#(String(repeating: "y", count: 5001))""#), "description"),
                (eventJSON(title: "Far", startsIn: 6 * 365 * 86_400), "startsAt"),
                (#"{"title":"No time"}"#, "startsAt"),
                (#"{"startsAt":"\#(iso(soon))"}"#, "title"),
            ]
            for (body, field) in cases {
                let response = try await client.request(.post, "/api/v1/events", json: body, token: club.accessToken)
                #expect(response.status == .unprocessableContent, "\(body.prefix(80))")
                #expect(try response.problem().fields?.map(\.field).contains(field) == true, "\(body.prefix(80)): \(String(buffer: response.body))")
            }
            #expect(try await rowCount("events", services) == 0)
            #expect(try await rowCount("conversations", services) == 0)
            #expect(try await services.jobs.jobs(kind: EventReminder.kind).isEmpty)
        }
    }

    @Test("a start that is not a date is a 422 saying what is wrong")
    func notADate() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            // The generated decoder cannot say which field, only what is wrong.
            let notADate = try await client.request(.post, "/api/v1/events", json: #"{"title":"Bad time","startsAt":"tomorrow"}"#, token: club.accessToken)
            #expect(notADate.status == .unprocessableContent)
            #expect(try notADate.problem().code == "invalid_date_time")
            #expect(try await rowCount("events", services) == 0)
        }
    }

    @Test("a 200-character title is fine, with its room and its reminder")
    func longestTitle() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            // Its room's title is cut to the room limit.
            let longest = try await client.request(.post, "/api/v1/events", json: eventJSON(title: String(repeating: "z", count: 200), startsIn: 3 * 86_400), token: club.accessToken)
            #expect(longest.status == .created)
            #expect(try longest.decode(Schemas.Event.self).title == String(repeating: "z", count: 200))
            #expect(try await rowCount("events", services) == 1)
            #expect(try await rowCount("conversations", services) == 1)
            #expect(try await services.jobs.jobs(kind: EventReminder.kind).count == 1)
        }
    }

    @Test("a bad change leaves the event and its reminder as they were")
    func badChange() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Unmoved", startsIn: 3 * 86_400), token: club.accessToken).decode(Schemas.Event.self)
            let moved = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Changed","startsAt":"\#(iso(Date().addingTimeInterval(-60)))"}"#, token: club.accessToken)
            #expect(moved.status == .unprocessableContent)
            let after = try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self)
            #expect(after.title == "Unmoved")
            #expect(after.startsAt == event.startsAt)
            let reminders = try await services.jobs.jobs(kind: EventReminder.kind)
            #expect(reminders.count == 1)
            #expect(abs((reminders.first?.runAt ?? .distantPast).timeIntervalSince(event.startsAt.addingTimeInterval(-7200))) < 1)
        }
    }

    @Test("an RSVP status that is not one is a 422 naming it")
    func badRSVPStatus() async throws {
        try await withApp { client, services in
            let (_, event) = try await client.publishBrassNight()
            let fan = try await client.register("fan")
            let badStatus = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"maybe"}"#, token: fan.accessToken)
            #expect(badStatus.status == .unprocessableContent)
            #expect(try badStatus.problem().fields?.first?.field == "status")
            #expect(try await rowCount("event_rsvps", services) == 0)
        }
    }

    @Test("an RSVP to an unknown event is not found")
    func rsvpUnknownEvent() async throws {
        try await withApp { client, services in
            let fan = try await client.register("fan")
            #expect(try await client.request(.put, "/api/v1/events/\(UUID())/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/events/\(UUID())/rsvp", token: fan.accessToken).status == .notFound)
            #expect(try await rowCount("event_rsvps", services) == 0)
        }
    }

    @Test("an RSVP needs a session")
    func rsvpAnonymously() async throws {
        try await withApp { client, services in
            let (_, event) = try await client.publishBrassNight()
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#).status == .unauthorized)
            #expect(try await rowCount("event_rsvps", services) == 0)
        }
    }

    @Test("a page limit out of range is a 422")
    func limitOutOfRange() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/events?limit=0")
            #expect(response.status == .unprocessableContent)
        }
    }

    @Test("a cursor that is not one is a 400 problem")
    func badCursor() async throws {
        try await withApp { client, _ in
            let cursor = try await client.request(.get, "/api/v1/events?cursor=bm9wZQ")
            #expect(cursor.status == .badRequest)
            #expect(try cursor.problem().code == "invalid_cursor")
        }
    }

    @Test("the events of an unknown venue are not found")
    func unknownVenue() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/events?venue=nobody")
            #expect(response.status == .notFound)
        }
    }

    // MARK: Pages

    @Test("upcoming events page soonest first, every one once")
    func pagination() async throws {
        try await withApp { client, _ in
            _ = try await client.publishWeek()
            var seen: [Schemas.Event] = []
            var cursor: String?
            repeat {
                let page = try await client.request(.get, "/api/v1/events?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).decode(Schemas.EventPage.self)
                #expect(page.items.count <= 2)
                seen += page.items
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 20
            #expect(seen.count == 7)
            #expect(Set(seen.map(\.id)).count == 7)
            #expect(seen.map(\.startsAt) == seen.map(\.startsAt).sorted())
            #expect(seen.map(\.title) == ["Day 1", "Day 2", "Day 3", "Day 3", "Day 4", "Day 5", "Day 9"])
        }
    }

    @Test("a venue's upcoming events page alone")
    func venuePages() async throws {
        try await withApp { client, _ in
            _ = try await client.publishWeek()
            let hallOnly = try await client.request(.get, "/api/v1/events?venue=hall").decode(Schemas.EventPage.self)
            #expect(hallOnly.items.map(\.title) == ["Day 1", "Day 2"])
            #expect(hallOnly.nextCursor == nil)
            let clubPage = try await client.request(.get, "/api/v1/events?venue=club&limit=4").decode(Schemas.EventPage.self)
            #expect(clubPage.items.map(\.title) == ["Day 3", "Day 3", "Day 4", "Day 5"])
            let rest = try await client.request(.get, "/api/v1/events?venue=club&limit=4&cursor=\(try #require(clubPage.nextCursor))").decode(Schemas.EventPage.self)
            #expect(rest.items.map(\.title) == ["Day 9"])
            #expect(rest.nextCursor == nil)
        }
    }
}
