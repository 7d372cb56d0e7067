import BasedAPI
@testable import BasedApp
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Issue 15's evening, end to end on both databases: the gazetteer places
/// people and shows, a confirmed artist's fans nearby are alerted, a ticket
/// is claimed, put in a calendar, shown as a QR code and admitted once; and
/// the rules around it (radius, weekly cap, capacity, payment at the door,
/// the venue's figures, sealed keys, holders told of changes).
@Suite("Show night", .serialized)
struct ShowNightTests {
    /// Five real GeoNames rows (cities15000 format): Leipzig, Cologne (with its
    /// other names), Berlin, Markkleeberg (10 km south of Leipzig) and a
    /// smaller Leipzig-named place, so resolving by population is tested.
    static let gazetteer = [
        "2879139\tLeipzig\tLeipzig\tLipsia,Leipcig,Лейпциг\t51.33962\t12.37129\tP\tPPLA2\tDE\t\t13\t\t\t\t587857\t\t113\tEurope/Berlin\t2024-01-01",
        "2886242\tCologne\tCologne\tKoeln,Köln,Colonia,Кёльн\t50.93333\t6.95\tP\tPPLA2\tDE\t\t07\t\t\t\t1075935\t\t37\tEurope/Berlin\t2024-01-01",
        "2950159\tBerlin\tBerlin\tBerlin,Berlín,Берлин\t52.52437\t13.41053\tP\tPPLC\tDE\t\t16\t\t\t\t3426354\t\t74\tEurope/Berlin\t2024-01-01",
        "2873776\tMarkkleeberg\tMarkkleeberg\t\t51.27730\t12.39720\tP\tPPL\tDE\t\t13\t\t\t\t24914\t\t120\tEurope/Berlin\t2024-01-01",
        "9999001\tLeipzig\tLeipzig\t\t46.46000\t-99.00000\tP\tPPL\tUS\t\tND\t\t\t\t20\t\t\t America/Chicago\t2024-01-01",
    ].joined(separator: "\n") + "\n"

    static func importPlaces(_ services: AppServices) async throws {
        let report = try await services.gazetteer.importFile(gazetteer)
        #expect(report.places == 5)
    }

    @Test("autocomplete finds a city by any of its names, folded, most populous first; a bad line names itself and imports nothing")
    func autocomplete() async throws {
        try await withApp { client, services in
            let bad = Self.gazetteer + "123\tBroken\n"
            await #expect(throws: Gazetteer.ImportError.self) { try await services.gazetteer.importFile(bad) }
            #expect(try await rowCount("places", services) == 0)
            try await Self.importPlaces(services)
            let leip = try await client.request(.get, "/api/v1/places?q=LEIP").decode(Schemas.PlaceList.self)
            #expect(leip.items.map(\.country) == ["DE", "US"])
            let koln = try await client.request(.get, "/api/v1/places?q=k%C3%B6ln").decode(Schemas.PlaceList.self)
            #expect(koln.items.map(\.name) == ["Cologne"])
            #expect(koln.items.first?.matched == "Köln")
            #expect(try await client.request(.get, "/api/v1/places?q=zzz").decode(Schemas.PlaceList.self).items.isEmpty)
            for query in ["q=", "q=%20%2F", "q=leip&limit=0", "q=leip&limit=51"] {
                #expect(try await client.request(.get, "/api/v1/places?\(query)").status == .unprocessableContent, "\(query)")
            }
            // Importing again updates and adds nothing twice.
            try await Self.importPlaces(services)
            #expect(try await rowCount("places", services) == 5)
        }
    }

    @Test("a city without a pin takes the gazetteer's coordinates; a pin the user sets wins over a later city")
    func cityResolves() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            try await Self.importPlaces(services)
            let placed = try await client.request(.patch, "/api/v1/me", json: #"{"city":"leipzig"}"#, token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(abs((placed.location?.latitude ?? 0) - 51.33962) < 1e-6)
            #expect(placed.locationFromCity == true)
            let pinned = try await client.request(.patch, "/api/v1/me", json: #"{"location":{"latitude":51.3,"longitude":12.4}}"#, token: ana.accessToken)
                .decode(Schemas.PrivateProfile.self)
            #expect(pinned.locationFromCity == false)
            let moved = try await client.request(.patch, "/api/v1/me", json: #"{"city":"Berlin"}"#, token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(moved.location?.latitude == 51.3)
            let unknown = try await client.request(.patch, "/api/v1/me", json: #"{"city":"Atlantis","clearLocation":true}"#, token: ana.accessToken)
                .decode(Schemas.PrivateProfile.self)
            #expect(unknown.location == nil)
            // "Leipzig, US" narrows to the country.
            let us = try #require(try await services.gazetteer.resolve(city: "Leipzig, US"))
            #expect(us.country == "US")
        }
    }

    @Test("a GeoNames line: its own name is kept in any script, other names only in Latin script, each key once")
    func gazetteerLine() throws {
        let entry = try GazetteerFile.entry("10172958\tAla Moana - Kakaʻako\tAla Moana - Kakaʻako\tМосква,Kakaako,KAKAAKO\t21.29649\t-157.85671\tP\tPPL\tUS\t\tHI\t\t\t\t18957\t\t\tPacific/Honolulu\t")
        #expect(entry.place.name == "Ala Moana - Kakaʻako")
        #expect(entry.keys.map(\.name) == ["Ala Moana - Kakaʻako", "Kakaako"])
        #expect(throws: GazetteerFile.LineError.columns(3)) { try GazetteerFile.entry("1\tA\tB") }
        #expect(throws: GazetteerFile.LineError.field("latitude")) {
            try GazetteerFile.entry("1\tA\tA\t\t95\t0\tP\tPPL\tDE\t\t\t\t\t\t1\t\t\t\t")
        }
    }

    @Test("pay at the door: a paid tier is reserved, paid when admitted, void when cancelled first; a free one stays free")
    func payAtDoor() async throws {
        let provider = PayAtDoor()
        let tier = TicketTier(
            id: UUID(), eventId: UUID(), name: "Door", priceMinor: 1200, currency: "EUR", quantity: 10, claimed: 0, held: 0, perPerson: 1,
            salesStart: nil, salesEnd: nil, createdAt: Date()
        )
        let reserved = try await provider.open(tier: tier, holder: UUID())
        #expect(reserved == TicketPayment(provider: "at_door", status: .reserved, amountMinor: 1200, currency: "EUR"))
        #expect(provider.admitted(reserved).status == .paid)
        #expect(provider.cancelled(reserved).status == .void)
        #expect(provider.cancelled(provider.admitted(reserved)).status == .paid)
        var free = tier
        free.priceMinor = 0
        #expect(try await provider.open(tier: free, holder: UUID()).status == .free)
    }

    @Test("the dashboard's figures from tickets alone: per tier, per day, per quarter hour, no-shows once the show started")
    func dashboardFigures() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let event = Event(
            id: UUID(), venueId: UUID(), title: "Show", description: "", startsAt: start, endsAt: nil, city: nil, address: nil,
            latitude: nil, longitude: nil, status: .scheduled, roomId: UUID(), createdAt: start, updatedAt: start
        )
        let tier = TicketTier(
            id: UUID(), eventId: event.id, name: "Door", priceMinor: 0, currency: "EUR", quantity: 10, claimed: 3, held: 0, perPerson: 1,
            salesStart: nil, salesEnd: nil, createdAt: start
        )
        func ticket(_ claimed: TimeInterval, checkedIn: TimeInterval?, state: Ticket.State = .active) -> Ticket {
            Ticket(
                id: UUID(), tierId: tier.id, eventId: event.id, holderId: UUID(), state: state, checkedInAt: checkedIn.map { start.addingTimeInterval($0) },
                checkedInBy: nil, createdAt: start.addingTimeInterval(claimed), paymentProvider: "at_door", paymentStatus: .free, amountMinor: 0, currency: "EUR"
            )
        }
        let tickets = [ticket(-3 * 86_400, checkedIn: 60), ticket(-86_400, checkedIn: 14 * 60), ticket(-86_400, checkedIn: nil),
                       ticket(-86_400, checkedIn: 20 * 60), ticket(-3600, checkedIn: nil, state: .cancelled)]
        let before = EventDashboard.make(event: event, tiers: [tier], tickets: tickets, waiting: [tier.id: 2], now: start.addingTimeInterval(-60))
        #expect(before.noShowRate == 0)
        let after = EventDashboard.make(event: event, tiers: [tier], tickets: tickets, waiting: [tier.id: 2], now: start.addingTimeInterval(3600))
        #expect(after.tiers.map { [$0.claimed, $0.cancelled, $0.checkedIn, $0.waitlisted] } == [[4, 1, 3, 2]])
        #expect(after.claimsByDay.map(\.count) == [1, 3, 1])
        #expect(after.checkInsByQuarterHour.map(\.count) == [2, 1])
        #expect(after.noShowRate == 0.25)
        #expect(EventDashboard.cell("-1+1") == "'-1+1" && EventDashboard.cell("a,b") == "\"a,b\"")
    }

    // MARK: The evening

    /// club (venue, pinned in Leipzig, with details) publishes a show two days
    /// ahead with a paid and a free tier, and invites band; returns both.
    static func setUpShow(_ client: some TestClientProtocol, _ services: AppServices) async throws -> (club: SessionBody, band: SessionBody, event: Schemas.Event, door: Schemas.TicketTier, guestList: Schemas.TicketTier) {
        try await importPlaces(services)
        let club = try await client.register("club", role: "venue")
        let details = #"{"city":"Leipzig","location":{"latitude":51.3397,"longitude":12.3731},"venue":{"address":"Karl-Liebknecht-Str. 1","capacity":400,"openingHours":"Thu–Sat from 22:00"}}"#
        #expect(try await client.request(.patch, "/api/v1/me", json: details, token: club.accessToken).status == .ok)
        let band = try await client.register("band", role: "artist")
        #expect(try await client.request(.patch, "/api/v1/me", json: #"{"genres":["Techno"]}"#, token: band.accessToken).status == .ok)
        let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Brass Night", startsIn: 2 * 86_400, extra: #","city":"Leipzig""#), token: club.accessToken)
            .decode(Schemas.Event.self)
        let door = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: #"{"name":"Door","priceMinor":1200,"currency":"EUR","quantity":100,"perPerson":2}"#, token: club.accessToken)
            .decode(Schemas.TicketTier.self)
        let guestList = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: #"{"name":"Guest list","priceMinor":0,"currency":"EUR","quantity":20,"perPerson":1}"#, token: club.accessToken)
            .decode(Schemas.TicketTier.self)
        #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: #"{"username":"band"}"#, token: club.accessToken).status == .created)
        return (club, band, event, door, guestList)
    }

    /// Waits (at most a minute) until the queued show alerts and change notices have run.
    static func alertsSent(_ services: AppServices) async throws {
        for _ in 0..<600 {
            let waiting = try await services.database.sql.raw(
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = \(bind: ShowAlertJob.kind) AND state IN ('queued', 'running')"
            ).first(decodingColumn: "n", as: Int.self)
            if waiting == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("show alerts still queued after a minute")
    }

    static func notifications(_ client: some TestClientProtocol, _ session: SessionBody, kind: String) async throws -> [Schemas.Notification] {
        try await client.request(.get, "/api/v1/notifications?limit=100", token: session.accessToken).decode(Schemas.NotificationPage.self)
            .items.filter { $0.kind.rawValue == kind }
    }

    @Test("a show with two tiers: a fan 3 km away is alerted, claims a ticket, adds it to a calendar, shows its QR code and is admitted once")
    func evening() async throws {
        try await withApp { client, services in
            let (club, band, event, door, _) = try await Self.setUpShow(client, services)
            // The show took the venue's pin.
            #expect(abs((event.latitude ?? 0) - 51.3397) < 1e-9)
            let fan = try await client.register("fan")
            let faraway = try await client.register("faraway")
            #expect(try await client.request(.patch, "/api/v1/me", json: #"{"location":{"latitude":51.3667,"longitude":12.3731}}"#, token: fan.accessToken).status == .ok)
            #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"Berlin"}"#, token: faraway.accessToken).status == .ok)
            for person in [fan, faraway] {
                #expect(try await client.request(.put, "/api/v1/users/band/follow", token: person.accessToken).status == .ok)
            }
            // Accepting twice (two devices, a retry) alerts once.
            for _ in 0..<2 {
                #expect(try await client.request(.put, "/api/v1/events/\(event.id)/lineup/me", json: #"{"accept":true}"#, token: band.accessToken).status == .ok)
            }
            try await Self.alertsSent(services)
            let alerts = try await Self.notifications(client, fan, kind: "show_nearby")
            #expect(alerts.count == 1)
            #expect(alerts.first?.data.additionalProperties["eventId"] == event.id)
            #expect(alerts.first.flatMap { Double($0.data.additionalProperties["distanceKm"] ?? "") }.map { abs($0 - 3.0) < 0.2 } == true)
            #expect(try await Self.notifications(client, faraway, kind: "show_nearby").isEmpty)

            // Found on the map, with the filters that need other features.
            let mine = try await client.request(.get, "/api/v1/events/nearby?radiusKm=10&following=true&ticketed=true&genre=techno", token: fan.accessToken)
                .decode(Schemas.NearbyEventPage.self)
            #expect(mine.items.map(\.event.id) == [event.id])
            #expect(try await client.request(.get, "/api/v1/events/nearby?radiusKm=10&ticketed=false", token: fan.accessToken).decode(Schemas.NearbyEventPage.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/events/nearby?city=Leipzig&radiusKm=5").decode(Schemas.NearbyEventPage.self).items.count == 1)

            let ticket = try await client.request(.post, "/api/v1/tiers/\(door.id)/claims", token: fan.accessToken).decode(Schemas.IssuedTicket.self)
            #expect(ticket.payment?.status == .reserved && ticket.payment?.amountMinor == 1200 && ticket.payment?.provider == "at_door")
            let calendar = try await client.request(.get, "/api/v1/events/\(event.id)/calendar.ics")
            #expect(calendar.status == .ok && String(buffer: calendar.body).contains("SUMMARY:Brass Night"))
            let qr = try await client.request(.get, "/api/v1/tickets/\(ticket.id)/qr.svg", token: fan.accessToken)
            #expect(qr.status == .ok)
            #expect(qr.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
            #expect(String(buffer: qr.body).hasPrefix("<svg"))
            #expect(try await client.request(.get, "/api/v1/tickets/\(ticket.id)/qr.svg", token: faraway.accessToken).status == .notFound)

            let admitted = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":"\#(ticket.code)"}"#, token: club.accessToken)
                .decode(Schemas.Admission.self)
            #expect(admitted.holder?.username == "fan" && admitted.tier == "Door")
            #expect(admitted.payment?.status == .paid)
            let again = try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":"\#(ticket.code)"}"#, token: club.accessToken)
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("already_checked_in") && String(buffer: again.body).contains("@club"))
        }
    }

    @Test("alerts respect each radius (0 is off), come once per show and at most the weekly number, and never from a muted artist")
    func alertRules() async throws {
        try await withApp({ $0.showAlertsPerWeek = 1 }) { client, services in
            let (club, band, event, _, _) = try await Self.setUpShow(client, services)
            let second = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Second", startsIn: 3 * 86_400), token: club.accessToken)
                .decode(Schemas.Event.self)
            #expect(try await client.request(.post, "/api/v1/events/\(second.id)/lineup", json: #"{"username":"band"}"#, token: club.accessToken).status == .created)
            var fans: [SessionBody] = []
            for name in ["near", "off", "muting"] {
                let fan = try await client.register(name)
                #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"Markkleeberg"}"#, token: fan.accessToken).status == .ok)
                #expect(try await client.request(.put, "/api/v1/users/band/follow", token: fan.accessToken).status == .ok)
                fans.append(fan)
            }
            let off = #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"showAlertRadiusKm":0}"#
            #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: off, token: fans[1].accessToken).status == .ok)
            #expect(try await client.request(.put, "/api/v1/users/band/mute", token: fans[2].accessToken).status == .noContent)
            for id in [event.id, event.id, second.id] {
                #expect(try await client.request(.put, "/api/v1/events/\(id)/lineup/me", json: #"{"accept":true}"#, token: band.accessToken).status == .ok)
            }
            try await Self.alertsSent(services)
            #expect(try await Self.notifications(client, fans[0], kind: "show_nearby").count == 1)
            #expect(try await Self.notifications(client, fans[1], kind: "show_nearby").isEmpty)
            #expect(try await Self.notifications(client, fans[2], kind: "show_nearby").isEmpty)
            let tooFar = #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"showAlertRadiusKm":501}"#
            #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: tooFar, token: fans[0].accessToken).status == .unprocessableContent)
        }
    }

    @Test("a capacity of 5 holds under 12 people answering going at once; interested is still fine; withdrawing frees a place")
    func capacity() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Small room", startsIn: 86_400, extra: #","capacity":5"#), token: club.accessToken)
                .decode(Schemas.Event.self)
            #expect(event.capacity == 5)
            var people: [SessionBody] = []
            for index in 0..<12 { people.append(try await client.register("guest\(index)")) }
            // Each answer with its person: a task group yields results in the order they finish, not the order they were started.
            let answers = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { group in
                for (index, person) in people.enumerated() {
                    group.addTask { (index, try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: person.accessToken).status) }
                }
                return try await group.reduce(into: [Int: HTTPResponse.Status]()) { $0[$1.0] = $1.1 }
            }
            let statuses = people.indices.map { answers[$0] ?? .internalServerError }
            #expect(statuses.count { $0 == .ok } == 5)
            #expect(statuses.count { $0 == .conflict } == 7)
            let going = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM event_rsvps WHERE status = 'going'").first(decodingColumn: "n", as: Int.self)
            #expect(going == 5)
            let refused = try #require(zip(people, statuses).first { $0.1 == .conflict }?.0)
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"interested"}"#, token: refused.accessToken).status == .ok)
            let admitted = try #require(zip(people, statuses).first { $0.1 == .ok }?.0)
            #expect(try await client.request(.delete, "/api/v1/events/\(event.id)/rsvp", token: admitted.accessToken).status == .noContent)
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: refused.accessToken).status == .ok)
            for bad in [#","capacity":0"#, #","capacity":1000001"#, #","clearCapacity":true"#] {
                #expect(try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Bad", startsIn: 86_400, extra: bad), token: club.accessToken).status == .unprocessableContent, "\(bad)")
            }
        }
    }

    @Test("ticket holders are told when their show moves and when it is cancelled; people without a ticket are not")
    func holdersTold() async throws {
        try await withApp { client, services in
            let (club, _, event, _, guestList) = try await Self.setUpShow(client, services)
            let holder = try await client.register("holder")
            let other = try await client.register("other")
            #expect(try await client.request(.post, "/api/v1/tiers/\(guestList.id)/claims", token: holder.accessToken).status == .created)
            #expect(try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"description":"Same time"}"#, token: club.accessToken).status == .ok)
            try await Self.alertsSent(services)
            #expect(try await Self.notifications(client, holder, kind: "event_changed").isEmpty)
            let later = iso(Date().addingTimeInterval(4 * 86_400))
            #expect(try await client.request(.patch, "/api/v1/events/\(event.id)", json: #"{"startsAt":"\#(later)"}"#, token: club.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken).status == .ok)
            try await Self.alertsSent(services)
            let told = try await Self.notifications(client, holder, kind: "event_changed").map { $0.data.additionalProperties["change"] ?? "" }
            #expect(told.sorted() == ["cancelled", "moved"])
            #expect(try await Self.notifications(client, other, kind: "event_changed").isEmpty)
        }
    }

    @Test("the venue's dashboard counts per tier and the door; its CSV has a row per ticket, formulas defused; other venues are refused")
    func dashboard() async throws {
        try await withApp { client, services in
            let (club, _, event, door, _) = try await Self.setUpShow(client, services)
            let formula = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: #"{"name":"=HYPERLINK(\"x\")","priceMinor":500,"currency":"EUR","quantity":5,"perPerson":1}"#, token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            var codes: [String] = []
            for index in 0..<3 {
                let fan = try await client.register("fan\(index)")
                codes.append(try await client.request(.post, "/api/v1/tiers/\(door.id)/claims", token: fan.accessToken).decode(Schemas.IssuedTicket.self).code)
            }
            let last = try await client.register("late")
            #expect(try await client.request(.post, "/api/v1/tiers/\(formula.id)/claims", token: last.accessToken).status == .created)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":"\#(codes[0])"}"#, token: club.accessToken).status == .ok)
            let figures = try await client.request(.get, "/api/v1/events/\(event.id)/dashboard", token: club.accessToken).decode(Schemas.EventDashboard.self)
            #expect(figures.ticketsActive == 4 && figures.checkedIn == 1)
            #expect(figures.tiers.first { $0.id == door.id }.map { ($0.claimed, $0.checkedIn) } ?? (0, 0) == (3, 1))
            #expect(figures.checkInsByQuarterHour.map(\.count) == [1])
            #expect(figures.noShowRate == 0)
            let csv = try await client.request(.get, "/api/v1/events/\(event.id)/dashboard.csv", token: club.accessToken)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = String(buffer: csv.body).split(separator: "\r\n")
            #expect(lines.count == 5)
            #expect(lines.contains { $0.contains("\"'=HYPERLINK(\"\"x\"\")\"") })
            let hall = try await client.register("hall", role: "venue")
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)/dashboard", token: hall.accessToken).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)/dashboard.csv", token: last.accessToken).status == .forbidden)
        }
    }

    @Test("venue keys are stored sealed; a key stored in the clear before is sealed when next used, and its codes still check")
    func sealedKeys() async throws {
        try await withApp { client, services in
            let (club, _, event, door, _) = try await Self.setUpShow(client, services)
            let fan = try await client.register("fan")
            let ticket = try await client.request(.post, "/api/v1/tiers/\(door.id)/claims", token: fan.accessToken).decode(Schemas.IssuedTicket.self)
            let stored = try await services.database.sql.raw("SELECT private_key FROM venue_ticket_keys").first(decodingColumn: "private_key", as: String.self)
            #expect(stored?.hasPrefix("sealed1.") == true)
            // A seal with another secret does not open it.
            #expect(throws: KeySeal.Failure.self) { try KeySeal(secret: Data("another secret of enough length here".utf8)).open(stored ?? "", venue: UUID(uuidString: club.user.id)!) }
            // An old row in the clear: the next use seals it.
            let hall = try await client.register("hall", role: "venue")
            let key = Curve25519Key.make()
            try await services.database.sql.raw("""
                INSERT INTO venue_ticket_keys (venue_id, private_key, public_key, created_at)
                VALUES (\(bind: UUID(uuidString: hall.user.id)!), \(bind: key.privateKey), \(bind: key.publicKey), \(bind: Date()))
                """).run()
            let show = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Hall show", startsIn: 86_400), token: hall.accessToken).decode(Schemas.Event.self)
            let tier = try await client.request(.post, "/api/v1/events/\(show.id)/tiers", json: #"{"name":"Door","priceMinor":0,"currency":"EUR","quantity":5,"perPerson":1}"#, token: hall.accessToken)
                .decode(Schemas.TicketTier.self)
            let code = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: fan.accessToken).decode(Schemas.IssuedTicket.self).code
            let resealed = try await services.database.sql.raw("SELECT private_key FROM venue_ticket_keys WHERE venue_id = \(bind: UUID(uuidString: hall.user.id)!)")
                .first(decodingColumn: "private_key", as: String.self)
            #expect(resealed?.hasPrefix("sealed1.") == true)
            let published = try await client.request(.get, "/api/v1/venues/hall/ticket-key").decode(Schemas.TicketKey.self)
            #expect(published.publicKey == key.publicKey)
            #expect(try await client.request(.post, "/api/v1/events/\(show.id)/check-ins", json: #"{"code":"\#(code)"}"#, token: hall.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":"\#(ticket.code)"}"#, token: club.accessToken).status == .ok)
        }
    }

    @Test("venues near a point, nearest first, with their details; only venue accounts have details, and bad ones are 422s")
    func venues() async throws {
        try await withApp { client, services in
            let (_, band, _, _, _) = try await Self.setUpShow(client, services)
            let found = try await client.request(.get, "/api/v1/venues/nearby?city=Markkleeberg&radiusKm=20").decode(Schemas.NearbyVenuePage.self)
            #expect(found.items.map(\.venue.username) == ["club"])
            #expect(found.items.first?.details?.address == "Karl-Liebknecht-Str. 1")
            #expect(found.items.first.map { $0.distanceKm > 5 && $0.distanceKm < 10 } == true)
            #expect(try await client.request(.get, "/api/v1/venues/nearby?city=Berlin&radiusKm=20").decode(Schemas.NearbyVenuePage.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/users/club").decode(Schemas.PublicProfile.self).venue?.capacity == 400)
            #expect(try await client.request(.get, "/api/v1/users/band").decode(Schemas.PublicProfile.self).venue == nil)
            let refused = try await client.request(.patch, "/api/v1/me", json: #"{"venue":{"address":"x"}}"#, token: band.accessToken)
            #expect(refused.status == .forbidden)
            let club = try await client.signIn("club")
            for bad in [#"{"venue":{"capacity":0}}"#, #"{"venue":{"capacity":5,"clearCapacity":true}}"#, #"{"displayName":"New name","venue":{"openingHours":"\#(String(repeating: "x", count: 501))"}}"#] {
                #expect(try await client.request(.patch, "/api/v1/me", json: bad, token: club.accessToken).status == .unprocessableContent, "\(bad)")
            }
            // The refused change with a good display name changed nothing.
            #expect(try await client.request(.get, "/api/v1/users/club").decode(Schemas.PublicProfile.self).displayName != "New name")
            for query in ["city=Atlantis", "latitude=91&longitude=0", "city=Leipzig&radiusKm=0", "city=Leipzig&radiusKm=20000"] {
                #expect(try await client.request(.get, "/api/v1/venues/nearby?\(query)").status == .unprocessableContent, "\(query)")
            }
        }
    }

    @Test("a venue's photos: fitted into 1600 pixels, public, at most 8; a listener has none; text is refused; removing one removes it")
    func venuePhotos() async throws {
        var images: [[UInt8]] = [try await makeImage(width: 2000, height: 1000, format: "png")]
        for index in 0..<8 { images.append(try await makeImage(width: 64 + index, height: 48, format: "jpg")) }
        let uploads = images
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            let fan = try await client.register("fan")
            func upload(_ bytes: [UInt8], _ session: SessionBody) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/me/venue-photos", method: .post,
                    headers: [.authorization: "Bearer \(session.accessToken)", .contentType: "application/octet-stream"], body: ByteBuffer(bytes: bytes)
                )
            }
            let first = try await upload(uploads[0], club)
            #expect(first.status == .created)
            let photo = try #require(try first.decode(Schemas.VenuePhotoList.self).items.first)
            #expect((photo.width, photo.height) == (1600, 800))
            let served = try await client.request(.get, photo.url)
            #expect(served.status == .ok && served.headers[.contentType] == "image/jpeg")
            #expect(try await upload(uploads[1], fan).status == .forbidden)
            #expect(try await upload(Array("not an image".utf8), club).status == .unsupportedMediaType)
            for image in uploads[1..<8] { #expect(try await upload(image, club).status == .created) }
            let ninth = try await upload(uploads[8], club)
            #expect(ninth.status == .conflict && String(buffer: ninth.body).contains("too_many_photos"))
            #expect(try await client.request(.get, "/api/v1/users/club").decode(Schemas.PublicProfile.self).venue?.photos?.count == 8)
            #expect(try await client.request(.delete, "/api/v1/me/venue-photos/\(photo.id)", token: club.accessToken).status == .noContent)
            #expect(try await client.request(.get, photo.url).status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/me/venue-photos/\(photo.id)", token: club.accessToken).status == .notFound)
        }
    }

    @Test("an answer given after the reminder ran is reminded at once")
    func lateAnswerReminded() async throws {
        try await withApp { client, services in
            let club = try await client.register("club", role: "venue")
            // Starts in an hour; the reminder (two hours before) runs at once and finds nobody.
            let event = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Soon", startsIn: 3600), token: club.accessToken).decode(Schemas.Event.self)
            let before = try await services.jobs.jobs(kind: EventReminder.kind).count
            let fan = try await client.register("fan")
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken).status == .ok)
            let reminders = try await services.jobs.jobs(kind: EventReminder.kind)
            #expect(reminders.count == before + 1)
            #expect(reminders.allSatisfy { $0.runAt <= Date() })
        }
    }
}

/// A venue key made outside the server, as an old row stored it: raw Ed25519, base64url.
enum Curve25519Key {
    static func make() -> (privateKey: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation.base64URLEncodedString(), key.publicKey.rawRepresentation.base64URLEncodedString())
    }
}
