import BasedAPI
@testable import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Events: RSVPs", .serialized)
struct EventRSVPTests {
    @Test("an RSVP is counted for everyone and shown as mine only to its author")
    func rsvp() async throws {
        try await withApp { client, _ in
            let (_, event) = try await client.publishDubSession()
            let fan = try await client.register("fan")
            let other = try await client.register("other")
            let going = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            #expect(going.status == .ok)
            #expect(try going.decode(Schemas.Rsvp.self).status == .going)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            let seen = try await client.request(.get, "/api/v1/events/\(event.id)", token: fan.accessToken).decode(Schemas.Event.self)
            #expect(seen.goingCount == 2 && seen.interestedCount == 0 && seen.myRsvp == .going)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self).myRsvp == nil)
        }
    }

    @Test("answering again changes the answer; it is still one RSVP")
    func changeRSVP() async throws {
        try await withApp { client, services in
            let (_, event) = try await client.publishDubSession()
            let fan = try await client.register("fan")
            let other = try await client.register("other")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            let seen = try await client.request(.get, "/api/v1/events/\(event.id)", token: fan.accessToken).decode(Schemas.Event.self)
            #expect(seen.goingCount == 1 && seen.interestedCount == 1 && seen.myRsvp == .interested)
            #expect(try await rowCount("event_rsvps", services) == 2)
        }
    }

    @Test("my RSVPs list the events I answered, with my answer")
    func myRSVPs() async throws {
        try await withApp { client, _ in
            let (_, event) = try await client.publishDubSession()
            let fan = try await client.register("fan")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            let mine = try await client.request(.get, "/api/v1/me/rsvps", token: fan.accessToken).decode(Schemas.EventPage.self)
            #expect(mine.items.map(\.id) == [event.id])
            #expect(mine.items.first?.myRsvp == .interested)
        }
    }

    @Test("my RSVPs need a session")
    func myRSVPsAnonymously() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/me/rsvps")
            #expect(response.status == .unauthorized)
        }
    }

    @Test("an RSVP taken back, twice, is gone and leaves the others")
    func takeBack() async throws {
        try await withApp { client, services in
            let (_, event) = try await client.publishDubSession()
            let fan = try await client.register("fan")
            let other = try await client.register("other")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: fan.accessToken)
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            #expect(try await client.request(.delete, "/api/v1/events/\(event.id)/rsvp", token: fan.accessToken).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/events/\(event.id)/rsvp", token: fan.accessToken).status == .noContent)
            let mine = try await client.request(.get, "/api/v1/me/rsvps", token: fan.accessToken).decode(Schemas.EventPage.self)
            #expect(mine.items.isEmpty)
            #expect(try await rowCount("event_rsvps", services) == 1)
        }
    }

    @Test("a cancelled event takes no new RSVPs and no changes; cancelling again is fine")
    func cancelledTakesNoRSVPs() async throws {
        try await withApp { client, services in
            let (club, event) = try await client.publishDubSession()
            let fan = try await client.register("fan")
            let other = try await client.register("other")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            let cancelled = try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.decode(Schemas.Event.self).status == .cancelled)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken).status == .ok)
            let refused = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken)
            #expect(refused.status == .conflict)
            #expect(try refused.problem().code == "event_cancelled")
            #expect(try await rowCount("event_rsvps", services) == 1)
            let edit = try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"title":"Back on"}"#, token: club.accessToken)
            #expect(edit.status == .conflict)
        }
    }

    @Test("a cancelled event leaves the upcoming list, and stays readable and in its RSVPs")
    func cancelledStaysReadable() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishDubSession()
            let other = try await client.register("other")
            _ = try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: other.accessToken)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/events").decode(Schemas.EventPage.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self).status == .cancelled)
            let othersRSVPs = try await client.request(.get, "/api/v1/me/rsvps", token: other.accessToken).decode(Schemas.EventPage.self)
            #expect(othersRSVPs.items.map(\.status) == [.cancelled])
        }
    }
}
