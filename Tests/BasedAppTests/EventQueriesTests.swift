@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `EventQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Event queries", .serialized)
struct EventQueriesTests {
    @Test("paging upcoming events past a cursor returns the next ones, soonest first, and none twice")
    func upcomingPages() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let now = wholeSecond()
            // Three share a start, so the id decides among them.
            for hours in [5, 1, 3, 3, 3, 2, 9] {
                _ = try await makeEvent(venue: venue, startsIn: TimeInterval(hours * 3600), now: now, services)
            }
            var seen: [Event] = []
            var cursor: (Date, UUID)?
            while true {
                let page = try await EventQueries.upcoming(venue: nil, now: now, after: cursor, limit: 2, on: sql)
                #expect(page.count <= 2)
                seen += page
                guard page.count == 2, let last = page.last else { break }
                cursor = (last.startsAt, last.id)
            }
            #expect(seen.count == 7)
            #expect(Set(seen.map(\.id)).count == 7)
            let keys = seen.map { ($0.startsAt, $0.id.uuidString) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
            #expect(seen.map { $0.startsAt.timeIntervalSince(now) / 3600 } == [1, 2, 3, 3, 3, 5, 9])
        }
    }

    @Test("upcoming events leave out cancelled and finished ones, and keep one under way")
    func upcomingLeavesOut() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let now = wholeSecond()
            let ahead = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            var cancelled = try await makeEvent(venue: venue, startsIn: 7200, now: now, services)
            cancelled.status = .cancelled
            try await EventQueries.update(cancelled, on: sql)
            let underWay = try await makeEvent(venue: venue, startsIn: -3600, endsIn: 3600, now: now, services)
            _ = try await makeEvent(venue: venue, startsIn: -7200, endsIn: -3600, now: now, services)
            _ = try await makeEvent(venue: venue, startsIn: -60, now: now, services)
            let upcoming = try await EventQueries.upcoming(venue: nil, now: now, after: nil, limit: 50, on: sql)
            #expect(upcoming.map(\.id) == [underWay.id, ahead.id])
        }
    }

    @Test("a venue's upcoming events are only its own")
    func upcomingOfVenue() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let club = try await makeUser("club", role: .venue, services)
            let hall = try await makeUser("hall", role: .venue, services)
            let now = wholeSecond()
            let clubs = try await makeEvent(venue: club, startsIn: 7200, now: now, services)
            _ = try await makeEvent(venue: hall, startsIn: 3600, now: now, services)
            #expect(try await EventQueries.upcoming(venue: club, now: now, after: nil, limit: 50, on: sql).map(\.id) == [clubs.id])
        }
    }

    @Test("an event reads back as it was written, and an update replaces every column")
    func roundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let now = wholeSecond()
            var event = try await makeEvent(venue: venue, startsIn: 3600, endsIn: 7200, now: now, services)
            #expect(try await EventQueries.event(id: event.id, on: sql) == event)
            event.title = "Renamed"
            event.endsAt = nil
            event.city = nil
            event.address = "Somewhere 1"
            try await EventQueries.update(event, on: sql)
            #expect(try await EventQueries.event(id: event.id, on: sql) == event)
            #expect(try await EventQueries.event(id: UUID(), on: sql) == nil)
        }
    }

    @Test("an answer sets an RSVP, and a second answer changes it without forgetting the reminder")
    func answerAndChange() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let fan = try await makeUser("fan", services)
            let now = wholeSecond()
            let event = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            let first = try #require(try await EventQueries.answer(fan, to: event.id, status: .going, now: now, on: sql))
            #expect(first.status == .going && first.userId == fan && first.eventId == event.id && first.remindedAt == nil)
            let reminded = try await EventQueries.markReminded(event: event.id, now: now, on: sql)
            #expect(reminded.map(\.userId) == [fan])
            let changed = try #require(try await EventQueries.answer(fan, to: event.id, status: .interested, now: now.addingTimeInterval(60), on: sql))
            #expect(changed.status == .interested)
            #expect(changed.remindedAt == now)
            #expect(changed.createdAt == now)
            #expect(try await EventQueries.rsvp(event: event.id, user: fan, on: sql) == changed)
        }
    }

    @Test("an event that is cancelled, has started or does not exist takes no answer")
    func answerRefused() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let fan = try await makeUser("fan", services)
            let now = wholeSecond()
            var cancelled = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            cancelled.status = .cancelled
            try await EventQueries.update(cancelled, on: sql)
            let started = try await makeEvent(venue: venue, startsIn: -60, endsIn: 3600, now: now, services)
            #expect(try await EventQueries.answer(fan, to: cancelled.id, status: .going, now: now, on: sql) == nil)
            #expect(try await EventQueries.answer(fan, to: started.id, status: .going, now: now, on: sql) == nil)
            #expect(try await EventQueries.answer(fan, to: UUID(), status: .going, now: now, on: sql) == nil)
            #expect(try await rowCount("event_rsvps", services) == 0)
        }
    }

    @Test("counts are per event and answer, and a viewer's answers are only their own")
    func countsAndAnswers() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let cyd = try await makeUser("cyd", services)
            let now = wholeSecond()
            let one = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            let two = try await makeEvent(venue: venue, startsIn: 7200, now: now, services)
            let none = try await makeEvent(venue: venue, startsIn: 9000, now: now, services)
            _ = try await EventQueries.answer(ana, to: one.id, status: .going, now: now, on: sql)
            _ = try await EventQueries.answer(ben, to: one.id, status: .going, now: now, on: sql)
            _ = try await EventQueries.answer(cyd, to: one.id, status: .interested, now: now, on: sql)
            _ = try await EventQueries.answer(ana, to: two.id, status: .interested, now: now, on: sql)
            let counts = try await EventQueries.counts(of: [one.id, two.id, none.id], on: sql)
            #expect(counts == [one.id: [.going: 2, .interested: 1], two.id: [.interested: 1]])
            #expect(try await EventQueries.counts(of: [], on: sql).isEmpty)
            #expect(try await EventQueries.answers(of: ana, to: [one.id, two.id, none.id], on: sql) == [one.id: .going, two.id: .interested])
            #expect(try await EventQueries.answers(of: ben, to: [two.id], on: sql).isEmpty)
        }
    }

    @Test("taking an RSVP back removes only that person's")
    func deleteRSVP() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let event = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            _ = try await EventQueries.answer(ana, to: event.id, status: .going, now: now, on: sql)
            _ = try await EventQueries.answer(ben, to: event.id, status: .going, now: now, on: sql)
            try await EventQueries.deleteRSVP(event: event.id, user: ana, on: sql)
            #expect(try await EventQueries.rsvp(event: event.id, user: ana, on: sql) == nil)
            #expect(try await EventQueries.rsvp(event: event.id, user: ben, on: sql)?.status == .going)
        }
    }

    @Test("marking reminded takes each RSVP once, until the reminders are cleared")
    func markRemindedOnce() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let event = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            let other = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            _ = try await EventQueries.answer(ana, to: event.id, status: .going, now: now, on: sql)
            _ = try await EventQueries.answer(ben, to: event.id, status: .interested, now: now, on: sql)
            _ = try await EventQueries.answer(ana, to: other.id, status: .going, now: now, on: sql)
            let first = try await EventQueries.markReminded(event: event.id, now: now, on: sql)
            #expect(Set(first.map(\.userId)) == [ana, ben])
            #expect(first.allSatisfy { $0.remindedAt == now })
            #expect(try await EventQueries.markReminded(event: event.id, now: now, on: sql).isEmpty)
            // The other event's RSVP was not touched.
            #expect(try await EventQueries.rsvp(event: other.id, user: ana, on: sql)?.remindedAt == nil)
            try await EventQueries.clearReminders(of: event.id, on: sql)
            #expect(try await EventQueries.markReminded(event: event.id, now: now, on: sql).count == 2)
        }
    }

    @Test("a user's RSVPs are theirs, soonest first, cancelled ones included and finished ones not, paged past a cursor")
    func rsvpsOfUser() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let venue = try await makeUser("club", role: .venue, services)
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let later = try await makeEvent(venue: venue, startsIn: 7200, now: now, services)
            let soon = try await makeEvent(venue: venue, startsIn: 3600, now: now, services)
            var called = try await makeEvent(venue: venue, startsIn: 5400, now: now, services)
            let finishing = try await makeEvent(venue: venue, startsIn: 60, endsIn: 120, now: now, services)
            let bens = try await makeEvent(venue: venue, startsIn: 1800, now: now, services)
            for event in [later, soon, called, finishing] {
                _ = try await EventQueries.answer(ana, to: event.id, status: .going, now: now, on: sql)
            }
            _ = try await EventQueries.answer(ben, to: bens.id, status: .interested, now: now, on: sql)
            called.status = .cancelled
            try await EventQueries.update(called, on: sql)
            // Seen after the short one has ended.
            let after = now.addingTimeInterval(600)
            let first = try await EventQueries.rsvps(of: ana, now: after, after: nil, limit: 2, on: sql)
            #expect(first.map(\.event.id) == [soon.id, called.id])
            #expect(first.map(\.event.status) == [.scheduled, .cancelled])
            #expect(first.allSatisfy { $0.rsvpStatus == .going && $0.rsvpCreatedAt == now })
            let last = try #require(first.last)
            let rest = try await EventQueries.rsvps(of: ana, now: after, after: (last.event.startsAt, last.event.id), limit: 2, on: sql)
            #expect(rest.map(\.event.id) == [later.id])
        }
    }

    /// A scheduled event of `venue`, with its own room, starting `startsIn` seconds after `now`.
    private func makeEvent(venue: UUID, startsIn: TimeInterval, endsIn: TimeInterval? = nil, now: Date, _ services: AppServices) async throws -> Event {
        let event = Event(
            id: .v7(), venueId: venue, title: "Show", description: "", startsAt: now.addingTimeInterval(startsIn),
            endsAt: endsIn.map { now.addingTimeInterval($0) }, city: "Leipzig", address: nil, status: .scheduled,
            roomId: try await makeRoom(services, now: now), createdAt: now, updatedAt: now
        )
        try await EventQueries.insert(event, on: services.database.sql)
        return event
    }
}
