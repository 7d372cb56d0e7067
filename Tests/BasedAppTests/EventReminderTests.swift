import BasedAPI
@testable import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Events: reminders", .serialized)
struct EventReminderTests {
    @Test("a published event's reminder is queued for two hours before its start")
    func reminderQueued() async throws {
        try await withApp({ $0.workers = 0 }) { client, services in
            let club = try await client.register("club", role: "venue")
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Kellerkind live", startsIn: 3 * 86_400), token: club.accessToken).decode(Schemas.Event.self)
            let reminders = try await services.jobs.jobs(kind: EventReminder.kind)
            #expect(reminders.count == 1)
            let first = try #require(reminders.first)
            #expect(first.state == .queued)
            #expect(abs(first.runAt.timeIntervalSince(event.startsAt.addingTimeInterval(-7200))) < 1)
        }
    }

    @Test("the reminder reaches those who RSVP'd, live and in the inbox, and nobody else")
    func reminderLive() async throws {
        // The in-process worker runs the reminder (BASED_WORKERS default).
        try await withLiveApp { client, port, services in
            let show = try await KellerkindLive.arrange(client, port, services)
            let live = try await show.fanSocket.next("notification")
            let notification = try #require(live["notification"] as? [String: Any])
            #expect(notification["kind"] as? String == "event_reminder")
            #expect(notification["actorId"] as? String == show.club.user.id)
            #expect(notification["subjectId"] as? String == "event:\(show.event.id)")
            let data = try #require(notification["data"] as? [String: String])
            #expect(data["eventId"] == show.event.id)
            #expect(data["roomId"] == show.event.roomId)
            #expect(data["title"] == "Kellerkind live")
            #expect(data["rsvp"] == "going")
            #expect(data["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == show.moved.startsAt)

            #expect(try await client.eventReminders(show.fan.accessToken).count == 1)
            #expect(try await waitFor { try await client.eventReminders(show.maybe.accessToken).count == 1 })
            #expect(try await waitFor { try await services.jobs.jobs(kind: EventReminder.kind).filter { $0.state == .done }.count == 1 })
            #expect(await show.bystanderSocket.all("notification").isEmpty)
            #expect(try await client.eventReminders(show.bystander.accessToken).count == 0)
            await show.close()
        }
    }

    @Test("a retried reminder, or the stale one for the old time, tells nobody twice")
    func reminderOnce() async throws {
        try await withLiveApp { client, port, services in
            let show = try await KellerkindLive.arrange(client, port, services)
            _ = try await show.fanSocket.next("notification")
            #expect(try await waitFor { try await services.jobs.jobs(kind: EventReminder.kind).filter { $0.state == .done }.count == 1 })
            #expect(try await waitFor { try await client.eventReminders(show.maybe.accessToken).count == 1 })

            // The same reminder again (a retry) tells nobody twice.
            try await EventReminder.enqueue(try eventRow(show.event.id, services), lead: .seconds(7200), jobs: services.jobs, now: Date(), on: services.database.sql)
            #expect(try await waitFor { try await services.jobs.jobs(kind: EventReminder.kind).filter { $0.state == .done }.count == 2 })
            // The first reminder, for the old time, comes due later and does nothing then either.
            // (Once the worker has run the analytics rollup the RSVPs queued, it is the only job to claim.)
            #expect(try await waitFor { try await services.jobs.jobs(kind: "analytics_rollup").allSatisfy { $0.state == .done } })
            let stale = try #require(try await services.jobs.claim(worker: "test", lease: .seconds(30), now: show.first.runAt.addingTimeInterval(1)))
            #expect(stale.id == show.first.id)
            await services.worker(concurrency: 1).execute(stale, worker: "test")
            #expect(try await services.jobs.job(id: show.first.id)?.state == .done)
            try await Task.sleep(for: .milliseconds(300))
            #expect(await show.fanSocket.all("notification").isEmpty)
            #expect(try await client.eventReminders(show.fan.accessToken).count == 1)
            #expect(try await client.eventReminders(show.maybe.accessToken).count == 1)
            await show.close()
        }
    }

    @Test("the reminder is due two hours before the start, not earlier")
    func reminderDue() async throws {
        // No in-process worker: the test takes due jobs itself at chosen times.
        try await withApp({ $0.workers = 0 }) { client, services in
            let now = Date()
            let (fan, event) = try await client.publishLateShowWithFan()
            let worker = services.worker(concurrency: 1)
            try await Self.runAnalyticsRollup(services, worker)
            #expect(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600 - 60)) == nil)
            let due = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600 + 60)))
            await worker.execute(due, worker: "w")
            let inbox = try await client.eventReminders(fan.accessToken)
            #expect(inbox.count == 1)
            #expect(inbox.first?.data.additionalProperties["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == event.startsAt)
        }
    }

    @Test("a rescheduled event reminds again two hours before its new time, not before")
    func reminderRescheduled() async throws {
        try await withApp({ $0.workers = 0 }) { client, services in
            let now = Date()
            let (fan, event) = try await client.publishLateShowWithFan()
            let club = try await client.signIn("club")
            let worker = services.worker(concurrency: 1)
            try await Self.runAnalyticsRollup(services, worker)
            let due = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600 + 60)))
            await worker.execute(due, worker: "w")

            // Moved two hours later: everyone is reminded again, two hours before the new time.
            let later = event.startsAt.addingTimeInterval(7200)
            #expect(try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"startsAt":"\#(iso(later))"}"#, token: club.accessToken).status == .ok)
            #expect(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3 * 3600 - 60)) == nil)
            let again = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3 * 3600 + 60)))
            await worker.execute(again, worker: "w")
            let inbox = try await client.eventReminders(fan.accessToken)
            #expect(inbox.count == 2)
            #expect(inbox.first?.data.additionalProperties["startsAt"].flatMap { try? Date($0, strategy: .iso8601) } == later)
        }
    }

    @Test("an event published inside the two-hour lead reminds at once")
    func reminderAtOnce() async throws {
        try await withApp({ $0.workers = 0 }) { client, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            let worker = services.worker(concurrency: 1)
            // Published 30 minutes before it starts.
            let rightAway = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Pop-up gig", startsIn: 1800), token: club.accessToken).decode(Schemas.Event.self)
            _ = try await client.request(.put, "/api/v1/events/\(rightAway.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            let immediate = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30)))
            await worker.execute(immediate, worker: "w")
            let inbox = try await client.eventReminders(fan.accessToken)
            #expect(inbox.count == 1)
            #expect(inbox.first?.data.additionalProperties["eventId"] == rightAway.id)
            #expect(inbox.first?.data.additionalProperties["rsvp"] == "interested")
        }
    }

    @Test("an event cancelled before its reminder runs reminds nobody")
    func reminderCancelled() async throws {
        try await withApp({ $0.workers = 0 }) { client, services in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            let worker = services.worker(concurrency: 1)
            let soon = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Called off", startsIn: 1800), token: club.accessToken).decode(Schemas.Event.self)
            _ = try await client.request(.put, "/api/v1/events/\(soon.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            _ = try await client.request(.post, "/api/v1/events/\(soon.id)/cancel", token: club.accessToken)
            let pending = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30)))
            await worker.execute(pending, worker: "w")
            #expect(try await services.jobs.job(id: pending.id)?.state == .done)
            #expect(try await client.eventReminders(fan.accessToken).isEmpty)
            let reminded = try await services.database.sql.select().column("reminded_at").from("event_rsvps").where("event_id", .equal, UUID(uuidString: soon.id)!)
                .first(decodingColumn: "reminded_at", as: Date?.self)
            #expect(reminded == .some(nil))
        }
    }

    private func eventRow(_ id: String, _ services: AppServices) async throws -> Event {
        let uuid = try #require(UUID(uuidString: id))
        return try #require(try await EventQueries.event(id: uuid, on: services.database.sql))
    }

    /// Runs the jobs due within the minute (the analytics rollup the RSVPs
    /// queued), so that the reminder, due an hour on, is the only one left.
    static func runAnalyticsRollup(_ services: AppServices, _ worker: JobWorker) async throws {
        var ran = 0
        while let job = try await services.jobs.claim(worker: "w", lease: .seconds(30), now: Date().addingTimeInterval(60)) {
            #expect(job.kind != EventReminder.kind)
            await worker.execute(job, worker: "w")
            ran += 1
        }
        #expect(ran >= 1)
    }
}

/// Kellerkind live: published three days ahead by "club"; "fan" is going,
/// "maybe" interested, "bystander" neither; fan and bystander have sockets
/// open; then the show is moved to start in 30 minutes, within the two-hour
/// lead, so its reminder is due at once.
private struct KellerkindLive {
    var club: SessionBody
    var fan: SessionBody
    var maybe: SessionBody
    var bystander: SessionBody
    var event: Schemas.Event
    var moved: Schemas.Event
    /// The reminder queued for the first time.
    var first: Job
    var fanSocket: TestSocket
    var bystanderSocket: TestSocket

    static func arrange(_ client: any TestClientProtocol, _ port: Int, _ services: AppServices) async throws -> KellerkindLive {
        let club = try await client.register("club", role: "venue")
        let fan = try await client.register("fan")
        let maybe = try await client.register("maybe")
        let bystander = try await client.register("bystander")
        let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Kellerkind live", startsIn: 3 * 86_400), token: club.accessToken).decode(Schemas.Event.self)
        _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
        _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: maybe.accessToken)
        let first = try #require(try await services.jobs.jobs(kind: EventReminder.kind).first)
        let fanSocket = try await TestSocket.connect(port: port, token: fan.accessToken)
        let bystanderSocket = try await TestSocket.connect(port: port, token: bystander.accessToken)
        _ = try await fanSocket.next("hello")
        _ = try await bystanderSocket.next("hello")
        let moved = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"startsAt":"\#(iso(Date().addingTimeInterval(1800)))"}"#, token: club.accessToken).decode(Schemas.Event.self)
        return KellerkindLive(
            club: club, fan: fan, maybe: maybe, bystander: bystander, event: event, moved: moved,
            first: first, fanSocket: fanSocket, bystanderSocket: bystanderSocket
        )
    }

    func close() async {
        await fanSocket.close()
        await bystanderSocket.close()
    }
}
