import BasedAPI
import BasedApp
import BasedMedia
import Foundation
import HummingbirdTesting
import Testing

@Suite("Demo library")
struct DemoTests {
    @Test("the demo library goes through the upload path and every track becomes ready; seeding again adds nothing")
    func seed() async throws {
        try #require(Synthesizer.available, "fluidsynth and a GM soundfont are installed by scripts/install-deps.sh")
        try await withApp { client, services in
            let library = DemoLibrary(services: services, logger: .init(label: "test"))
            let uploaded = try await library.seed()
            #expect(uploaded == 5)
            let session = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"velvet_dusk","password":"\#(DemoLibrary.password)"}"#).decode(Schemas.Session.self)
            let tracks = try await client.request(.get, "/api/v1/users/velvet_dusk/tracks", token: session.accessToken).decode(Schemas.TrackPage.self).items
            #expect(tracks.count == 2)
            for track in tracks {
                let processed = try await client.waitUntilProcessed(track.id, token: session.accessToken)
                #expect(processed.state == .ready)
                #expect(processed.artwork != nil)
                #expect((processed.durationSeconds ?? 0) > 20)
            }
            let listener = try await client.request(.get, "/api/v1/users/demo_listener").decode(Schemas.PublicProfile.self)
            #expect(listener.followingCount == 4)
            // The venue's next show, with the demo listener going and its room open.
            let shows = try await client.request(.get, "/api/v1/events?venue=the_basement").decode(Schemas.EventPage.self).items
            #expect(shows.count == 1)
            #expect(shows.first?.goingCount == 1)
            #expect(shows.first?.roomId.isEmpty == false)
            #expect(try await library.seed() == 0)
            #expect(try await client.request(.get, "/api/v1/events?venue=the_basement").decode(Schemas.EventPage.self).items.count == 1)
        }
    }
}
