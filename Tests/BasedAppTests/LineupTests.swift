import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Line-ups: invitations with set times, answers, followers told once, and the artist's page.
@Suite("Line-ups", .serialized)
struct LineupTests {
    @Test("a venue invites an artist; accepting puts them on the bill and their page, and tells their followers once")
    func acceptance() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            let band = try await client.register("band", role: "artist")
            let fan = try await client.register("fan")
            #expect(try await client.request(.put, "/api/v1/users/band/follow", token: fan.accessToken).status == .ok)
            let start = event.startsAt.addingTimeInterval(1800)
            let invite = #"{"username":"band","setStartsAt":"\#(iso(start))","setEndsAt":"\#(iso(start.addingTimeInterval(3600)))"}"#
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: invite, token: club.accessToken).status == .created)
            // Not on the public bill until accepted; the artist was told.
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)/lineup").decode(Schemas.LineupList.self).items.isEmpty)
            let invites = try await client.request(.get, "/api/v1/notifications", token: band.accessToken).decode(Schemas.NotificationPage.self)
            #expect(invites.items.map(\.kind.rawValue).contains("lineup_invite"))
            for _ in 0..<2 {
                let answered = try await client.request(.put, "/api/v1/events/\(event.id)/lineup/me", json: #"{"accept":true}"#, token: band.accessToken)
                #expect(try answered.decode(Schemas.LineupSlot.self).status == .accepted)
            }
            let bill = try await client.request(.get, "/api/v1/events/\(event.id)/lineup").decode(Schemas.LineupList.self)
            #expect(bill.items.map(\.artist.username) == ["band"])
            let told = try await client.request(.get, "/api/v1/notifications", token: fan.accessToken).decode(Schemas.NotificationPage.self)
            #expect(told.items.filter { $0.kind.rawValue == "lineup" }.count == 1)
            let page = try await client.request(.get, "/api/v1/artists/band")
            #expect(String(buffer: page.body).contains(event.id))
        }
    }

    @Test("only the event's venue invites, only artists are invited, and a set outside the event is refused")
    func refusals() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            _ = try await client.register("band", role: "artist")
            _ = try await client.register("fan")
            let hall = try await client.register("hall", role: "venue")
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: #"{"username":"band"}"#, token: hall.accessToken).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: #"{"username":"fan"}"#, token: club.accessToken).status == .unprocessableContent)
            let late = #"{"username":"band","setStartsAt":"\#(iso(event.startsAt.addingTimeInterval(30 * 86_400)))"}"#
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: late, token: club.accessToken).status == .unprocessableContent)
            let stranger = try await client.register("solo", role: "artist")
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/lineup/me", json: #"{"accept":true}"#, token: stranger.accessToken).status == .notFound)
        }
    }
}
