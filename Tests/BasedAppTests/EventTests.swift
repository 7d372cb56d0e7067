@testable import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Events: publishing, RSVPs, reminders")
struct EventTests {
    @Test("a venue publishes an event with its chat room; a listener is refused; only the venue or an admin changes it")
    func publish() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let hall = try await client.register("hall", role: "venue")
            let fan = try await client.register("fan")
            let body = eventJSON(title: "Brass Night", startsIn: 3 * 86_400, extra: #","description":"Three bands.","city":"Leipzig","address":"Karl-Liebknecht-Str. 1""#)

            let created = try await client.request(.post, "/api/v1/events", json: body, token: club.accessToken)
            #expect(created.status == .created)
            let event = try created.decode(EventBody.self)
            #expect(event.venue.username == "club")
            #expect(event.status == "scheduled")
            #expect(event.city == "Leipzig")
            #expect(event.goingCount == 0 && event.myRsvp == nil)
            // The room is a real room of the event, with the venue as its admin.
            let room = try await client.request(.get, "/api/v1/conversations/\(event.roomId)", token: club.accessToken)
            #expect(room.status == .ok)
            let detail = try room.decode(RoomDetailBody.self)
            #expect(detail.kind == "room")
            #expect(detail.subject == "event:\(event.id)")
            #expect(detail.title == "Brass Night")
            #expect(detail.members.map(\.role) == ["admin"])
            // Anyone may join it and read the event without a token.
            #expect(try await client.request(.put, "/api/v1/rooms/\(event.roomId)/membership", token: fan.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(EventBody.self).title == "Brass Night")

            // Listeners do not publish; nothing is written for them.
            let refused = try await client.request(.post, "/api/v1/events", json: body, token: fan.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "venue_only")
            #expect(try await client.request(.post, "/api/v1/events", json: body).status == .unauthorized)
            #expect(try await count("events", services) == 1)
            #expect(try await count("conversations", services) == 1)

            // Someone else's event: another venue and a listener are refused, an unknown id is not found.
            for token in [hall.accessToken, fan.accessToken] {
                let edit = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Mine now"}"#, token: token)
                #expect(edit.status == .forbidden)
                #expect(try edit.problem().code == "not_owner")
                #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: token).status == .forbidden)
            }
            #expect(try await client.request(.patch, "/api/v1/events/\(UUID())", json: #"{"title":"Ghost"}"#, token: club.accessToken).status == .notFound)
            #expect(try await client.request(.patch, "/api/v1/events/not-an-id", json: #"{"title":"Ghost"}"#, token: club.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/events/\(UUID())").status == .notFound)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(EventBody.self).title == "Brass Night")

            // The venue and an admin may.
            let renamed = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Brass Night II","city":""}"#, token: club.accessToken)
            #expect(renamed.status == .ok)
            #expect(try renamed.decode(EventBody.self).city == nil)
            _ = try await services.accounts.createUser(
                .init(username: "root", email: "root@example.org", password: "admin horse battery", role: .admin), allowAdmin: true
            )
            let admin = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"root","password":"admin horse battery"}"#).decode(SessionBody.self)
            let moderated = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Brass Night (moved)"}"#, token: admin.accessToken)
            #expect(moderated.status == .ok)
            #expect(try moderated.decode(EventBody.self).venue.username == "club")
        }
    }

    @Test("bad input gets a precise 4xx and writes nothing")
    func badInput() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
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
            // A date that is not one: the generated decoder cannot say which field, only what is wrong.
            let notADate = try await client.request(.post, "/api/v1/events", json: #"{"title":"Bad time","startsAt":"tomorrow"}"#, token: club.accessToken)
            #expect(notADate.status == .unprocessableContent)
            #expect(try notADate.problem().code == "invalid_date_time")
            // A 200-character title is fine (its room's title is cut to the room limit).
            let longest = try await client.request(.post, "/api/v1/events", json: eventJSON(title: String(repeating: "z", count: 200), startsIn: 3 * 86_400), token: club.accessToken)
            #expect(longest.status == .created)
            let event = try longest.decode(EventBody.self)
            #expect(try await count("events", services) == 1)
            #expect(try await count("conversations", services) == 1)
            #expect(try await services.jobs.jobs(kind: EventReminder.kind).count == 1)

            // A bad change leaves the event as it was.
            let moved = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Changed","startsAt":"\#(iso(Date().addingTimeInterval(-60)))"}"#, token: club.accessToken)
            #expect(moved.status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(EventBody.self).title == String(repeating: "z", count: 200))
            #expect(try await services.jobs.jobs(kind: EventReminder.kind).count == 1)

            // RSVPs: a status that is not one, an event that does not exist.
            let badStatus = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"maybe"}"#, token: fan.accessToken)
            #expect(badStatus.status == .unprocessableContent)
            #expect(try badStatus.problem().fields?.first?.field == "status")
            #expect(try await client.request(.put, "/api/v1/events/\(UUID())/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/events/\(UUID())/rsvp", token: fan.accessToken).status == .notFound)
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#).status == .unauthorized)
            #expect(try await count("event_rsvps", services) == 0)

            // Pages: a limit out of range and a cursor that is not one.
            #expect(try await client.request(.get, "/api/v1/events?limit=0").status == .unprocessableContent)
            let cursor = try await client.request(.get, "/api/v1/events?cursor=bm9wZQ")
            #expect(cursor.status == .badRequest)
            #expect(try cursor.problem().code == "invalid_cursor")
            #expect(try await client.request(.get, "/api/v1/events?venue=nobody").status == .notFound)
        }
    }

    @Test("RSVP, change it, take it back; my RSVPs; a cancelled event takes no more RSVPs")
    func rsvps() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            let other = try await client.register("other")
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Dub Session", startsIn: 2 * 86_400), token: club.accessToken).decode(EventBody.self)

            let going = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            #expect(going.status == .ok)
            #expect(try going.decode(RsvpBody.self).status == "going")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            var seen = try await client.request(.get, "/api/v1/events/\(event.id)", token: fan.accessToken).decode(EventBody.self)
            #expect(seen.goingCount == 2 && seen.interestedCount == 0 && seen.myRsvp == "going")
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(EventBody.self).myRsvp == nil)

            // Answering again changes the answer; it is still one RSVP.
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            seen = try await client.request(.get, "/api/v1/events/\(event.id)", token: fan.accessToken).decode(EventBody.self)
            #expect(seen.goingCount == 1 && seen.interestedCount == 1 && seen.myRsvp == "interested")
            var mine = try await client.request(.get, "/api/v1/me/rsvps", token: fan.accessToken).decode(EventPageBody.self)
            #expect(mine.items.map(\.id) == [event.id])
            #expect(mine.items.first?.myRsvp == "interested")
            #expect(try await client.request(.get, "/api/v1/me/rsvps").status == .unauthorized)

            // Taken back (twice is fine).
            #expect(try await client.request(.delete, "/api/v1/events/\(event.id)/rsvp", token: fan.accessToken).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/events/\(event.id)/rsvp", token: fan.accessToken).status == .noContent)
            mine = try await client.request(.get, "/api/v1/me/rsvps", token: fan.accessToken).decode(EventPageBody.self)
            #expect(mine.items.isEmpty)
            #expect(try await count("event_rsvps", services) == 1)

            // Cancelled: no new RSVPs, no changes, gone from the upcoming list, still readable and in my RSVPs.
            let cancelled = try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.decode(EventBody.self).status == "cancelled")
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken).status == .ok)
            let refused = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            #expect(refused.status == .conflict)
            #expect(try refused.problem().code == "event_cancelled")
            #expect(try await count("event_rsvps", services) == 1)
            let edit = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Back on"}"#, token: club.accessToken)
            #expect(edit.status == .conflict)
            #expect(try await client.request(.get, "/api/v1/events").decode(EventPageBody.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(EventBody.self).status == "cancelled")
            let othersRSVPs = try await client.request(.get, "/api/v1/me/rsvps", token: other.accessToken).decode(EventPageBody.self)
            #expect(othersRSVPs.items.map(\.status) == ["cancelled"])
        }
    }

    @Test("upcoming events page soonest first, every one once; a venue's alone")
    func pagination() async throws {
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            let hall = try await client.register("hall", role: "venue")
            // Published out of order; two start at the same second.
            var expected: [(Int, String)] = []
            for (days, venue) in [(5, club), (1, hall), (3, club), (3, club), (2, hall), (9, club), (4, club)] {
                let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Day \(days)", startsIn: TimeInterval(days * 86_400), exact: true), token: venue.accessToken).decode(EventBody.self)
                expected.append((days, event.id))
            }
            var seen: [EventBody] = []
            var cursor: String?
            repeat {
                let page = try await client.request(.get, "/api/v1/events?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).decode(EventPageBody.self)
                #expect(page.items.count <= 2)
                seen += page.items
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 20
            #expect(seen.count == 7)
            #expect(Set(seen.map(\.id)).count == 7)
            #expect(seen.map(\.startsAt) == seen.map(\.startsAt).sorted())
            #expect(seen.map(\.title) == ["Day 1", "Day 2", "Day 3", "Day 3", "Day 4", "Day 5", "Day 9"])

            let hallOnly = try await client.request(.get, "/api/v1/events?venue=hall").decode(EventPageBody.self)
            #expect(hallOnly.items.map(\.title) == ["Day 1", "Day 2"])
            #expect(hallOnly.nextCursor == nil)
            let clubPage = try await client.request(.get, "/api/v1/events?venue=club&limit=4").decode(EventPageBody.self)
            #expect(clubPage.items.map(\.title) == ["Day 3", "Day 3", "Day 4", "Day 5"])
            let rest = try await client.request(.get, "/api/v1/events?venue=club&limit=4&cursor=\(try #require(clubPage.nextCursor))").decode(EventPageBody.self)
            #expect(rest.items.map(\.title) == ["Day 9"])
            #expect(rest.nextCursor == nil)
        }
    }

    @Test("the reminder reaches those who RSVP'd live and in the inbox, once; nobody else")
    func reminderLive() async throws {
        // The in-process worker runs the reminder (BASED_WORKERS default).
        try await withLiveApp { client, port, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            let maybe = try await client.register("maybe")
            let bystander = try await client.register("bystander")
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Kellerkind live", startsIn: 3 * 86_400), token: club.accessToken).decode(EventBody.self)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: maybe.accessToken)
            // Three days away: its reminder waits two hours before the start.
            let first = try #require(try await services.jobs.jobs(kind: EventReminder.kind).first)
            #expect(first.state == .queued)
            #expect(abs(first.runAt.timeIntervalSince(event.startsAt.addingTimeInterval(-7200))) < 1)

            let fanSocket = try await TestSocket.connect(port: port, token: fan.accessToken)
            let bystanderSocket = try await TestSocket.connect(port: port, token: bystander.accessToken)
            _ = try await fanSocket.next("hello")
            _ = try await bystanderSocket.next("hello")

            // Moved to start in 30 minutes, within the 2-hour lead: the reminder is due at once.
            let moved = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"startsAt":"\#(iso(Date().addingTimeInterval(1800)))"}"#, token: club.accessToken).decode(EventBody.self)
            let live = try await fanSocket.next("notification")
            let notification = try #require(live["notification"] as? [String: Any])
            #expect(notification["kind"] as? String == "event_reminder")
            #expect(notification["actorId"] as? String == club.user.id)
            #expect(notification["subjectId"] as? String == "event:\(event.id)")
            let data = try #require(notification["data"] as? [String: String])
            #expect(data["eventId"] == event.id)
            #expect(data["roomId"] == event.roomId)
            #expect(data["title"] == "Kellerkind live")
            #expect(data["rsvp"] == "going")
            #expect(data["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == moved.startsAt)

            #expect(try await remindersInInbox(client, fan.accessToken) == 1)
            #expect(try await waitFor { try await remindersInInbox(client, maybe.accessToken) == 1 })
            #expect(try await waitFor { try await services.jobs.jobs(kind: EventReminder.kind).filter { $0.state == .done }.count == 1 })
            #expect(await bystanderSocket.all("notification").isEmpty)
            #expect(try await remindersInInbox(client, bystander.accessToken) == 0)

            // The same reminder again (a retry) tells nobody twice.
            try await EventReminder.enqueue(try eventRow(event.id, services), lead: .seconds(7200), jobs: services.jobs, now: Date(), on: services.database.sql)
            #expect(try await waitFor { try await services.jobs.jobs(kind: EventReminder.kind).filter { $0.state == .done }.count == 2 })
            // The first reminder, for the old time, comes due later and does nothing then either.
            let stale = try #require(try await services.jobs.claim(worker: "test", lease: .seconds(30), now: first.runAt.addingTimeInterval(1)))
            #expect(stale.id == first.id)
            await services.worker(concurrency: 1).execute(stale, worker: "test")
            #expect(try await services.jobs.job(id: first.id)?.state == .done)
            try await Task.sleep(for: .milliseconds(300))
            #expect(await fanSocket.all("notification").isEmpty)
            #expect(try await remindersInInbox(client, fan.accessToken) == 1)
            #expect(try await remindersInInbox(client, maybe.accessToken) == 1)
            await fanSocket.close()
            await bystanderSocket.close()
        }
    }

    @Test("a rescheduled event reminds again at its new time, not before; one published inside the lead reminds at once; a cancelled one reminds nobody")
    func reminderSchedule() async throws {
        // No in-process worker: the test takes due jobs itself at chosen times.
        try await withApp({ $0.workers = 0 }) { client, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            let worker = services.worker(concurrency: 1)
            let now = Date()
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Late show", startsIn: 3 * 3600), token: club.accessToken).decode(EventBody.self)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)

            // Due two hours before the start, not earlier.
            #expect(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600 - 60)) == nil)
            let due = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600 + 60)))
            await worker.execute(due, worker: "w")
            var inbox = try await reminders(client, fan.accessToken)
            #expect(inbox.count == 1)
            #expect(inbox.first?.data["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == event.startsAt)

            // Moved two hours later: everyone is reminded again, two hours before the new time.
            let later = event.startsAt.addingTimeInterval(7200)
            #expect(try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"startsAt":"\#(iso(later))"}"#, token: club.accessToken).status == .ok)
            #expect(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3 * 3600 - 60)) == nil)
            let again = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3 * 3600 + 60)))
            await worker.execute(again, worker: "w")
            inbox = try await reminders(client, fan.accessToken)
            #expect(inbox.count == 2)
            #expect(inbox.first?.data["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == later)

            // Published 30 minutes before it starts, inside the 2-hour lead: the reminder is due at once.
            let rightAway = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Pop-up gig", startsIn: 1800), token: club.accessToken).decode(EventBody.self)
            _ = try await client.request(.put, "/api/v1/events/\(rightAway.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            let immediate = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30)))
            await worker.execute(immediate, worker: "w")
            inbox = try await reminders(client, fan.accessToken)
            #expect(inbox.count == 3)
            #expect(inbox.first?.data["eventId"] == rightAway.id)
            #expect(inbox.first?.data["rsvp"] == "interested")

            // Cancelled before its reminder runs: nobody hears of it.
            let soon = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Called off", startsIn: 1800), token: club.accessToken).decode(EventBody.self)
            _ = try await client.request(.put, "/api/v1/events/\(soon.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            _ = try await client.request(.post, "/api/v1/events/\(soon.id)/cancel", token: club.accessToken)
            let pending = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30)))
            await worker.execute(pending, worker: "w")
            #expect(try await services.jobs.job(id: pending.id)?.state == .done)
            #expect(try await reminders(client, fan.accessToken).count == 3)
            let reminded = try await services.database.sql.select().column("reminded_at").from("event_rsvps").where("event_id", .equal, UUID(uuidString: soon.id)!)
                .first(decodingColumn: "reminded_at", as: Date?.self)
            #expect(reminded == .some(nil))
        }
    }

    // MARK: Helpers

    private func remindersInInbox(_ client: any TestClientProtocol, _ token: String) async throws -> Int {
        try await reminders(client, token).count
    }

    private func reminders(_ client: any TestClientProtocol, _ token: String) async throws -> [NotificationPageBody.Item] {
        try await client.request(.get, "/api/v1/notifications?limit=100", token: token).decode(NotificationPageBody.self).items.filter { $0.kind == "event_reminder" }
    }

    private func count(_ table: String, _ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decodingColumn: "n", as: Int.self) ?? -1
    }

    private func eventRow(_ id: String, _ services: AppServices) async throws -> Event {
        let uuid = try #require(UUID(uuidString: id))
        return try #require(try await EventQueries.event(id: uuid, on: services.database.sql))
    }
}

/// A create request starting `startsIn` seconds from now (at a whole hour when `exact`, so several share a second).
private func eventJSON(title: String, startsIn: TimeInterval, exact: Bool = false, extra: String = "") -> String {
    var start = Date().addingTimeInterval(startsIn)
    if exact { start = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 3600).rounded(.up) * 3600) }
    return #"{"title":\#(jsonString(title)),"startsAt":"\#(iso(start))"\#(extra)}"#
}

private func iso(_ date: Date) -> String { date.formatted(.iso8601) }

struct EventBody: Decodable {
    struct Venue: Decodable { var id: String; var username: String }
    var id: String
    var venue: Venue
    var title: String
    var description: String
    var startsAt: Date
    var endsAt: Date?
    var city: String?
    var address: String?
    var status: String
    var roomId: String
    var goingCount: Int
    var interestedCount: Int
    var myRsvp: String?
}

struct EventPageBody: Decodable {
    var items: [EventBody]
    var nextCursor: String?
}

struct RsvpBody: Decodable {
    var eventId: String
    var status: String
}

struct RoomDetailBody: Decodable {
    struct Member: Decodable { var role: String }
    var kind: String
    var title: String?
    var subject: String?
    var members: [Member]
}
