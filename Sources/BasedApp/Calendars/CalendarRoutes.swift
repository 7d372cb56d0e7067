import BasedAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The .ics files, routed by hand (text/calendar, and the feed is opened by
/// its secret, not a session): `/api/v1/events/{id}/calendar.ics` and
/// `/calendar/{secret}.ics`. Making and revoking a feed is in the API.
struct CalendarRoutes: Sendable {
    let calendars: CalendarService

    func register(on router: Router<BasedRequestContext>) {
        router.get("/api/v1/events/:eventId/calendar.ics") { _, context in
            guard let id = context.parameters.get("eventId").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("The event") }
            return Self.ics(try await calendars.calendar(event: id, viewer: context.identity?.userID), filename: "event.ics", cache: "private, max-age=300")
        }
        router.get("/calendar/:file") { _, context in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".ics") else { throw AppError.notFound("The calendar") }
            return Self.ics(try await calendars.feed(token: String(file.dropLast(4))), filename: "based.ics", cache: "private, no-cache")
        }
    }

    static func ics(_ text: String, filename: String, cache: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8", .cacheControl: cache,
                .contentDisposition: "inline; filename=\"\(filename)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}

extension APIHandler {
    func createCalendarFeed(_ input: Operations.CreateCalendarFeed.Input) async throws -> Operations.CreateCalendarFeed.Output {
        let identity = try RequestScope.requireIdentity()
        return .created(.init(body: .json(.init(path: try await services.calendars.newFeed(identity)))))
    }

    func revokeCalendarFeed(_ input: Operations.RevokeCalendarFeed.Input) async throws -> Operations.RevokeCalendarFeed.Output {
        let identity = try RequestScope.requireIdentity()
        try await services.calendars.revokeFeed(identity)
        return .noContent(.init())
    }
}
