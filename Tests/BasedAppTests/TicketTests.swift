import BasedAPI
import BasedApp
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Tickets: tiers, claims that never oversell, the per-person limit, the
/// waitlist's offers, signed codes and one admission per ticket at the door.
@Suite("Tickets", .serialized)
struct TicketTests {
    @Test("a tier of -1 or a billion tickets, a bad currency or limit is a 422; only the event's venue adds tiers")
    func tierValidation() async throws {
        try await withApp { client, services in
            let (club, event) = try await client.publishBrassNight()
            for body in [
                #"{"name":"Door","priceMinor":1000,"currency":"EUR","quantity":-1,"perPerson":2}"#,
                #"{"name":"Door","priceMinor":1000,"currency":"EUR","quantity":1000000000,"perPerson":2}"#,
                #"{"name":"Door","priceMinor":1000,"currency":"euro","quantity":10,"perPerson":2}"#,
                #"{"name":"Door","priceMinor":-5,"currency":"EUR","quantity":10,"perPerson":0}"#,
            ] {
                let response = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: body, token: club.accessToken)
                #expect(response.status == .unprocessableContent || response.status == .badRequest, "\(body)")
            }
            let hall = try await client.register("hall", role: "venue")
            let other = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 10), token: hall.accessToken)
            #expect(other.status == .forbidden)
            #expect(try await rowCount("ticket_tiers", services) == 0)
        }
    }

    @Test("40 listeners rushing a tier of 10 get exactly 10 tickets; the rest are told it is sold out")
    func rush() async throws {
        try await withApp { client, services in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            var fans: [SessionBody] = []
            for index in 0..<40 { fans.append(try await client.register("fan\(index)")) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for fan in fans {
                    group.addTask { try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: fan.accessToken).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 10)
            #expect(statuses.filter { $0 == .conflict }.count == 30)
            #expect(try await rowCount("tickets", services) == 10)
            let tiers = try await client.request(.get, "/api/v1/events/\(event.id)/tiers").decode(Schemas.TicketTierList.self)
            #expect(tiers.items.first?.available == 0 && tiers.items.first?.soldOut == true)
        }
    }

    @Test("one listener claiming five at once holds only the per-person limit")
    func perPersonLimit() async throws {
        try await withApp { client, services in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 100, perPerson: 2), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let fan = try await client.register("fan")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<5 { group.addTask { try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: fan.accessToken).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 2)
            #expect(try await rowCount("tickets", services) == 2)
            let problem = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: fan.accessToken).problem()
            #expect(problem.code == "per_person_limit")
        }
    }

    @Test("a cancelled ticket is offered to the first in the waitlist, and held for them")
    func waitlistOffer() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 1), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ana = try await client.register("ana"), bob = try await client.register("bob"), cat = try await client.register("cat")
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self)
            #expect(try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: bob.accessToken).problem().code == "sold_out")
            let place = try await client.request(.post, "/api/v1/tiers/\(tier.id)/waitlist", token: bob.accessToken).decode(Schemas.WaitlistPlace.self)
            #expect(place.position == 1)
            #expect(try await client.request(.delete, "/api/v1/tickets/\(ticket.id)", token: ana.accessToken).status == .noContent)
            let inbox = try await client.request(.get, "/api/v1/notifications", token: bob.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.map(\.kind.rawValue) == ["ticket_offer"])
            // Held for bob: cat cannot take it, bob can.
            #expect(try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: cat.accessToken).problem().code == "sold_out")
            #expect(try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: bob.accessToken).status == .created)
            // A cancelled ticket cannot be cancelled again.
            #expect(try await client.request(.delete, "/api/v1/tickets/\(ticket.id)", token: ana.accessToken).status == .conflict)
        }
    }

    @Test("the door admits a ticket once; the second scan says when and by whom")
    func admitOnce() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ana = try await client.register("ana")
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self)
            let scan = #"{"code":\#(jsonString(ticket.code))}"#
            let first = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: club.accessToken)
            #expect(first.status == .ok)
            #expect(try first.decode(Schemas.Admission.self).holder?.username == "ana")
            let second = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: club.accessToken).problem()
            #expect(second.code == "already_checked_in")
            #expect(second.detail.contains("by @club"))
            // A used ticket cannot be cancelled.
            #expect(try await client.request(.delete, "/api/v1/tickets/\(ticket.id)", token: ana.accessToken).status == .conflict)
        }
    }

    @Test("another venue's staff are refused at the door; delegated door staff are let in")
    func doorStaff() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ana = try await client.register("ana")
            let code = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self).code
            let hall = try await client.register("hall", role: "venue")
            let door = try await client.register("door")
            _ = try await client.request(.put, "/api/v1/me/door-staff/door", token: hall.accessToken)
            let scan = #"{"code":\#(jsonString(code))}"#
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: hall.accessToken).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: door.accessToken).status == .forbidden)
            let staff = try await client.request(.put, "/api/v1/me/door-staff/door", token: club.accessToken).decode(Schemas.DoorStaffList.self)
            #expect(staff.items.map(\.username) == ["door"])
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: door.accessToken).status == .ok)
        }
    }

    @Test("a forged or altered code is a 422, another event's ticket a 409; the venue's key checks codes offline")
    func codes() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let other = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Dub Session", startsIn: 86_400), token: club.accessToken)
                .decode(Schemas.Event.self)
            let tier = try await client.request(.post, "/api/v1/events/\(other.id)/tiers", json: Self.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ana = try await client.register("ana")
            let code = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self).code
            // Offline: the venue's public key verifies the signature over the ticket and event ids.
            let key = try await client.request(.get, "/api/v1/venues/club/ticket-key").decode(Schemas.TicketKey.self)
            let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Self.base64URL(key.publicKey)))
            let bytes = try #require(Self.base64URL(String(code.dropFirst(4))))
            #expect(publicKey.isValidSignature(bytes.suffix(64), for: Data("based-ticket-v1".utf8) + bytes.prefix(32)))
            var altered = Array(code)
            altered[10] = altered[10] == "A" ? "B" : "A"
            for bad in [String(altered), "BT1.nothing", "hello"] {
                let response = try await client.request(.post, "/api/v1/events/\(other.id)/check-ins", json: #"{"code":\#(jsonString(bad))}"#, token: club.accessToken)
                #expect(response.status == .unprocessableContent, "\(bad)")
            }
            let wrong = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":\#(jsonString(code))}"#, token: club.accessToken)
            #expect(try wrong.problem().code == "wrong_event")
        }
    }

    @Test("a transfer gives a new code and kills the old one; not to oneself, not to someone blocked")
    func transfer() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: Self.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ana = try await client.register("ana"), bob = try await client.register("bob"), cat = try await client.register("cat")
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self)
            #expect(try await client.request(.post, "/api/v1/tickets/\(ticket.id)/transfer", json: #"{"username":"ana"}"#, token: ana.accessToken).status
                == .unprocessableContent)
            #expect(try await client.request(.put, "/api/v1/users/cat/block", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.post, "/api/v1/tickets/\(ticket.id)/transfer", json: #"{"username":"cat"}"#, token: ana.accessToken).status
                == .forbidden)
            _ = cat
            let given = try await client.request(.post, "/api/v1/tickets/\(ticket.id)/transfer", json: #"{"username":"bob"}"#, token: ana.accessToken)
            #expect(given.status == .created)
            let bobs = try given.decode(Schemas.IssuedTicket.self)
            #expect(bobs.code != ticket.code)
            let old = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":\#(jsonString(ticket.code))}"#, token: club.accessToken)
            #expect(try old.problem().code == "ticket_cancelled")
            let new = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":\#(jsonString(bobs.code))}"#, token: club.accessToken)
            #expect(try new.decode(Schemas.Admission.self).holder?.username == "bob")
            let mine = try await client.request(.get, "/api/v1/me/tickets", token: bob.accessToken).decode(Schemas.IssuedTicketList.self)
            #expect(mine.items.map(\.id) == [bobs.id])
        }
    }

    static func tier(quantity: Int, perPerson: Int = 4) -> String {
        #"{"name":"Door","priceMinor":1200,"currency":"EUR","quantity":\#(quantity),"perPerson":\#(perPerson)}"#
    }

    static func base64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
