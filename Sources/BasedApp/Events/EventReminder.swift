import Foundation
import SQLKit

/// Reminds the people who RSVP'd to an event a while before it starts
/// (`BASED_EVENT_REMINDER_MINUTES`). Each event's creation and each move of
/// its start enqueue one; a reminder whose start time is no longer the
/// event's was overtaken by a newer one and does nothing.
struct EventReminder: JobHandler {
    static let kind = "event_reminder"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable {
        var eventId: UUID
        /// The start time this reminder is for.
        var startsAt: Date
    }

    let database: Database
    let realtime: Realtime

    /// Enqueues the reminder at `startsAt − lead`, or at once when that has passed.
    static func enqueue(_ event: Event, lead: Duration, jobs: JobQueue, now: Date, on sql: any SQLDatabase) async throws {
        let runAt = max(now, event.startsAt.addingTimeInterval(-lead.seconds))
        try await jobs.enqueue(kind: kind, payload: Payload(eventId: event.id, startsAt: event.startsAt), runAt: runAt, on: sql)
    }

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        let now = Date()
        guard let event = try await EventQueries.event(id: payload.eventId, on: database.sql),
              event.status == .scheduled,
              abs(event.startsAt.timeIntervalSince(payload.startsAt)) < 0.001,
              event.startsAt > now
        else { return }
        // Marked before notifying: a run cut short after the mark skips those
        // people rather than a retry telling anyone twice.
        for rsvp in try await EventQueries.markReminded(event: event.id, now: now, on: database.sql) {
            var data = [
                "eventId": event.id.text, "title": event.title, "startsAt": event.startsAt.formatted(.iso8601),
                "roomId": event.roomId.text, "rsvp": rsvp.status.rawValue,
            ]
            if let city = event.city { data["city"] = city }
            await realtime.notify(rsvp.userId, kind: .eventReminder, actor: event.venueId, subject: event.subject, data: data)
        }
    }

    func gaveUp(_ job: Job, reason: String) async {}
}
