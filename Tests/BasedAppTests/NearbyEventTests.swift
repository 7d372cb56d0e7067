import BasedAPI
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Shows near a point, through the endpoint, on both databases (the geometry is `BasedGeoTests`').
@Suite("Nearby events", .serialized)
struct NearbyEventTests {
    @Test("a listener 3 km away finds the show; one 300 km away with a 25 km radius does not; nearest first on request")
    func nearby() async throws {
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            // Two shows in Leipzig (one 1 km further out) and one in Munich.
            for (title, lat, lon) in [("Connewitz", 51.3200, 12.3750), ("Centre", 51.3397, 12.3731), ("Munich", 48.1351, 11.5820)] {
                let body = eventJSON(title: title, startsIn: 86_400, extra: #","latitude":\#(lat),"longitude":\#(lon)"#)
                #expect(try await client.request(.post, "/api/v1/events", json: body, token: club.accessToken).status == .created)
            }
            let here = "latitude=51.3600&longitude=12.3900"
            let page = try await client.request(.get, "/api/v1/events/nearby?\(here)&radiusKm=25&sort=distance").decode(Schemas.NearbyEventPage.self)
            #expect(page.items.map(\.event.title) == ["Centre", "Connewitz"])
            #expect(page.items.allSatisfy { $0.distanceKm < 10 })
            let far = try await client.request(.get, "/api/v1/events/nearby?latitude=48.1351&longitude=11.5820&radiusKm=25").decode(Schemas.NearbyEventPage.self)
            #expect(far.items.map(\.event.title) == ["Munich"])
        }
    }

    @Test("coordinates out of range and a radius of 0 or 20,000 km are 422s; an event with half a pin is refused")
    func badInput() async throws {
        try await withApp { client, services in
            for query in ["latitude=91&longitude=0", "latitude=0&longitude=181", "latitude=10&longitude=10&radiusKm=0",
                          "latitude=10&longitude=10&radiusKm=20000", "longitude=10"] {
                let response = try await client.request(.get, "/api/v1/events/nearby?\(query)")
                #expect(response.status == .unprocessableContent || response.status == .badRequest, "\(query)")
            }
            let club = try await client.register("club", role: "venue")
            let half = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Half", startsIn: 86_400, extra: #","latitude":51.3"#), token: club.accessToken)
            #expect(half.status == .unprocessableContent)
            #expect(try await rowCount("events", services) == 0)
        }
    }
}
