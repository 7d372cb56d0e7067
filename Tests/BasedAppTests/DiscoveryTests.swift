import BasedAPI
@testable import BasedApp
import Foundation
import HummingbirdTesting
import Testing

@Suite("Discovery", .serialized)
struct DiscoveryTests {
    @Test("a new listener who picks two genres and a city gets local recommendations with reasons at once")
    func coldStart() async throws {
        try await withApp { client, services in
            let techno = try await client.discoveryTrack("kai", city: "Leipzig", genre: "Techno", frequency: 300)
            let jazz = try await client.discoveryTrack("mira", city: "Leipzig", genre: "Jazz", frequency: 500)
            let berlin = try await client.discoveryTrack("otto", city: "Berlin", genre: "Techno", frequency: 700)
            let folk = try await client.discoveryTrack("lou", city: "Paris", genre: "Folk", frequency: 900)
            let ana = try await client.register("ana")
            let profile = #"{"city":"Leipzig","genres":["techno","Dub"]}"#
            #expect(try await client.request(.patch, "/api/v1/me", json: profile, token: ana.accessToken).status == .ok)
            try await services.discovery.waitForTracks(4)

            let home = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            let forYou = try #require(home.shelves.first { $0.id == .forYou })
            let reasons = Dictionary(forYou.items.map { ($0.track.id, $0.reason) }, uniquingKeysWith: { first, _ in first })
            // Local and of their genre first; local alone; their genre elsewhere; nothing for the folk of Paris.
            #expect(forYou.items.first?.track.id == techno.id)
            #expect(Set(reasons.keys) == [techno.id, jazz.id, berlin.id])
            #expect(reasons[techno.id] == "Because you like techno")
            #expect(reasons[jazz.id] == "From Leipzig")
            #expect(reasons[berlin.id] == "Because you like techno")
            #expect(reasons[folk.id] == nil)
            let local = try #require(home.shelves.first { $0.id == .local })
            #expect(local.title == "Local this week in Leipzig")
            #expect(Set(local.items.map(\.track.id)) == [techno.id, jazz.id])
            #expect(local.items.allSatisfy { $0.reason == "From Leipzig" })
            // Nothing heard yet: no "because you liked", and no shows without a location.
            #expect(!home.shelves.contains { $0.id == .becauseYouLiked || $0.id == .showsNearYou })

            // Home is the listener's own: no token, no Home.
            #expect(try await client.request(.get, "/api/v1/me/home").status == .unauthorized)
        }
    }

    @Test("similar tracks and radio come from the sound; a skip steers away; nothing repeats; another user's station is refused")
    func soundAndRadio() async throws {
        try await withApp { client, services in
            let low = try await client.discoveryTrack("kai", title: "Low One", frequency: 180)
            let lowToo = try await client.discoveryTrack("mira", title: "Low Two", frequency: 200)
            let high = try await client.discoveryTrack("otto", title: "High One", frequency: 3_000)
            let highToo = try await client.discoveryTrack("lou", title: "High Two", frequency: 3_300)
            let hidden = try await client.discoveryTrack("sol", title: "Low Hidden", frequency: 190, visibility: "private")
            try await services.discovery.waitForVectors(4)

            let similar = try await client.request(.get, "/api/v1/tracks/\(low.id)/similar?limit=3").decode(Schemas.RecommendationList.self)
            #expect(similar.items.first?.track.id == lowToo.id)
            #expect(similar.items.first?.reason == "Sounds like Low One")
            #expect(!similar.items.contains { $0.track.id == low.id || $0.track.id == hidden.id })
            #expect(try await client.request(.get, "/api/v1/tracks/\(low.id)/similar?limit=0").status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/tracks/\(hidden.id)/similar").status == .notFound)
            #expect(try await client.request(.get, "/api/v1/tracks/\(UUID())/similar").status == .notFound)

            let artists = try await client.request(.get, "/api/v1/artists/kai/similar").decode(Schemas.SimilarArtists.self)
            #expect(artists.items.first?.artist.username == "mira")
            #expect(!artists.items.contains { $0.artist.username == "kai" || $0.artist.username == "sol" })

            let ana = try await client.register("ana")
            let started = try await client.request(.post, "/api/v1/radio", json: #"{"trackId":"\#(low.id)","count":1}"#, token: ana.accessToken)
            #expect(started.status == .created)
            let station = try started.decode(Schemas.RadioBatch.self)
            #expect(station.items.map(\.track.id) == [lowToo.id])
            #expect(station.items.first?.reason == "Radio from Low One")
            // Skipping the low sound: the station turns to the high tracks, and the seed and what was played never come back while others are left.
            let next = try await client.request(
                .post, "/api/v1/radio/\(station.id)/next", json: #"{"skipped":["\#(lowToo.id)"],"count":2}"#, token: ana.accessToken
            ).decode(Schemas.RadioBatch.self)
            #expect(Set(next.items.map(\.track.id)) == [high.id, highToo.id])

            // Another user's station is not theirs to play.
            let ben = try await client.register("ben")
            #expect(try await client.request(.post, "/api/v1/radio/\(station.id)/next", json: "{}", token: ben.accessToken).status == .notFound)
            // Bad seeds and moods.
            let moodProblem = try await client.request(.post, "/api/v1/radio", json: #"{"mood":"furious"}"#, token: ana.accessToken)
            #expect(moodProblem.status == .unprocessableContent)
            #expect(try moodProblem.problem().detail.contains("calm, chill, happy, melancholic, upbeat, energetic") == true)
            #expect(try await client.request(.post, "/api/v1/radio", json: #"{"trackId":"\#(hidden.id)"}"#, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.post, "/api/v1/radio", json: #"{"artist":"nobody"}"#, token: ana.accessToken).status == .notFound)
            let twoSeeds = #"{"trackId":"\#(low.id)","artist":"kai"}"#
            #expect(try await client.request(.post, "/api/v1/radio", json: twoSeeds, token: ana.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.post, "/api/v1/radio", json: "{}", token: ana.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.post, "/api/v1/radio", json: #"{"mood":"calm","count":21}"#, token: ana.accessToken).status == .unprocessableContent)
            // A mood alone makes a station too.
            let calm = try await client.request(.post, "/api/v1/radio", json: #"{"mood":"calm","count":4}"#, token: ana.accessToken)
            #expect(calm.status == .created)
            let calmItems = try calm.decode(Schemas.RadioBatch.self).items
            #expect(calmItems.count == 4)
            #expect(calmItems.allSatisfy { $0.reason == "Calm radio" })
        }
    }

    @Test("what similar listeners played is recommended with its reason; blocked artists never appear")
    func collaborative() async throws {
        try await withApp { client, services in
            let (a, b, c, d) = try await client.fourTones(services)
            // Five listeners who played Alpha also played Beta to the end; Delta's listeners are others.
            for index in 0..<5 {
                let fan = try await client.register("fan\(index)")
                try await client.play([a.id, b.id], token: fan.accessToken)
            }
            for index in 0..<3 {
                let other = try await client.register("other\(index)")
                try await client.play([c.id, d.id], token: other.accessToken)
            }
            try await services.discovery.train()
            let ana = try await client.register("ana")
            try await client.play([a.id], token: ana.accessToken)
            let home = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            let forYou = try #require(home.shelves.first { $0.id == .forYou })
            #expect(forYou.items.first?.track.id == b.id)
            #expect(forYou.items.first?.reason == "Popular with listeners who share your taste")
            // What they heard is not recommended back.
            #expect(!forYou.items.contains { $0.track.id == a.id })
            #expect(home.shelves.first { $0.id == .becauseYouLiked }?.title == "Because you liked Alpha")

            // Blocking Beta's artist takes Beta out of every shelf.
            #expect(try await client.request(.put, "/api/v1/users/mira/block", token: ana.accessToken).status == .noContent)
            let blocked = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            #expect(!blocked.shelves.flatMap(\.items).contains { $0.track.id == b.id })
            let similar = try await client.request(.get, "/api/v1/tracks/\(a.id)/similar", token: ana.accessToken).decode(Schemas.RecommendationList.self)
            #expect(!similar.items.contains { $0.track.id == b.id })
            #expect(try await client.request(.get, "/api/v1/artists/mira/similar", token: ana.accessToken).status == .notFound)
        }
    }

    @Test("playlist additions teach discovery: the model learns from them, a listener's own are folded in and not recommended back")
    func additions() async throws {
        try await withApp { client, services in
            let (a, b, c, d) = try await client.fourTones(services)
            // Nobody plays anything: five listeners put Alpha and Beta in a playlist, three others Gamma and Delta.
            func collect(_ tracks: [String], as username: String) async throws -> SessionBody {
                let fan = try await client.register(username)
                let list = try await client.playlist("\(username)'s mix", token: fan.accessToken)
                let ids = tracks.map { "\"\($0)\"" }.joined(separator: ",")
                #expect(try await client.request(.post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":[\#(ids)]}"#, token: fan.accessToken).status == .ok)
                return fan
            }
            for index in 0..<5 { _ = try await collect([a.id, b.id], as: "fan\(index)") }
            for index in 0..<3 { _ = try await collect([c.id, d.id], as: "other\(index)") }
            try await services.discovery.train()
            // Ana has only added Alpha to a playlist of her own.
            let ana = try await collect([a.id], as: "ana")
            let home = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            let forYou = try #require(home.shelves.first { $0.id == .forYou })
            #expect(forYou.items.first?.track.id == b.id)
            #expect(forYou.items.first?.reason == "Popular with listeners who share your taste")
            #expect(!home.shelves.flatMap(\.items).contains { $0.track.id == a.id }, "what she added is hers already")
            // Without the additions the model would know nothing: a listener who added nothing gets no such pick.
            let ben = try await client.register("ben")
            let cold = try await client.request(.get, "/api/v1/me/home", token: ben.accessToken).decode(Schemas.Home.self)
            #expect(!cold.shelves.flatMap(\.items).contains { $0.reason == "Popular with listeners who share your taste" })
        }
    }

    @Test("a track made private or deleted leaves discovery")
    func hiddenTracksLeave() async throws {
        try await withApp { client, services in
            let kept = try await client.discoveryTrack("kai", title: "Kept", frequency: 300)
            let hidden = try await client.discoveryTrack("mira", title: "Hidden", frequency: 320)
            try await services.discovery.waitForVectors(2)
            let artist = try await client.signIn("mira")
            let patch = try await client.request(.patch, "/api/v1/tracks/\(hidden.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            #expect(patch.status == .ok)
            #expect(services.discovery.size.tracks == 1)
            let similar = try await client.request(.get, "/api/v1/tracks/\(kept.id)/similar").decode(Schemas.RecommendationList.self)
            #expect(similar.items.isEmpty)
        }
    }

    @Test("taste matching is opt-in both ways; compatibility, blends and neighbours follow it; listening shows on boards only by choice")
    func tasteMatching() async throws {
        try await withApp { client, services in
            let a = try await client.discoveryTrack("kai", title: "Alpha", city: "Leipzig", frequency: 300)
            let b = try await client.discoveryTrack("mira", title: "Beta", frequency: 900)
            let c = try await client.discoveryTrack("otto", title: "Gamma", frequency: 2_000)
            try await services.discovery.waitForTracks(3)
            let ana = try await client.register("ana"), ben = try await client.register("ben"), cara = try await client.register("cara")
            for session in [ana, ben, cara] {
                #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"Leipzig"}"#, token: session.accessToken).status == .ok)
            }
            try await client.play([a.id, b.id], token: ana.accessToken)
            try await client.play([a.id, b.id], token: ben.accessToken)
            try await client.play([c.id], token: cara.accessToken)

            // Off by default, for the asker and for the other.
            let off = try await client.request(.get, "/api/v1/users/ben/compatibility", token: ana.accessToken)
            #expect(off.status == .forbidden)
            #expect(try off.problem().code == "taste_matching_off")
            let on = #"{"tasteMatching":true}"#
            let settings = try await client.request(.patch, "/api/v1/me/discovery-settings", json: on, token: ana.accessToken).decode(Schemas.DiscoverySettings.self)
            #expect(settings.tasteMatching && settings.publicBoards && !settings.publicListening)
            #expect(try await client.request(.get, "/api/v1/users/ben/compatibility", token: ana.accessToken).status == .forbidden)
            #expect(try await client.request(.patch, "/api/v1/me/discovery-settings", json: on, token: ben.accessToken).status == .ok)
            let match = try await client.request(.get, "/api/v1/users/ben/compatibility", token: ana.accessToken).decode(Schemas.Compatibility.self)
            #expect(match.percent > 50)
            #expect(Set(match.sharedArtists.map(\.username)) == ["kai", "mira"])
            #expect(Set(match.sharedTracks.map(\.id)) == [a.id, b.id])
            #expect(try await client.request(.get, "/api/v1/users/ana/compatibility", token: ana.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/users/nobody/compatibility", token: ana.accessToken).status == .notFound)
            // Cara did not opt in: she is neither compared nor listed as a neighbour.
            #expect(try await client.request(.get, "/api/v1/users/cara/compatibility", token: ana.accessToken).status == .forbidden)
            let neighbours = try await client.request(.get, "/api/v1/me/taste-neighbours", token: ana.accessToken).decode(Schemas.TasteNeighbours.self)
            #expect(neighbours.items.map(\.user.username) == ["ben"])
            #expect(try await client.request(.get, "/api/v1/me/taste-neighbours", token: cara.accessToken).status == .forbidden)

            // A blend is the asker's private playlist.
            let blend = try await client.request(.post, "/api/v1/users/ben/blend", token: ana.accessToken)
            #expect(blend.status == .created)
            let playlist = try blend.decode(Schemas.PlaylistSummary.self)
            #expect(playlist.visibility == ._private)
            #expect(playlist.title.hasPrefix("Blend: "))
            #expect(playlist.trackCount >= 2)
            #expect(try await client.request(.get, "/api/v1/playlists/\(playlist.id)", token: cara.accessToken).status == .notFound)

            // Top fans: nobody until a listener chooses to show their listening.
            #expect(try await client.request(.get, "/api/v1/artists/kai/top-fans").decode(Schemas.TopFans.self).items.isEmpty)
            #expect(try await client.request(.patch, "/api/v1/me/discovery-settings", json: #"{"publicListening":true}"#, token: ben.accessToken).status == .ok)
            let fans = try await client.request(.get, "/api/v1/artists/kai/top-fans").decode(Schemas.TopFans.self)
            #expect(fans.items.map(\.fan.username) == ["ben"])
            #expect(fans.items.first?.plays == 1)

            // The local chart counts listeners, names none, and leaves out an artist who opted out.
            let chart = try await client.request(.get, "/api/v1/charts/local?city=leipzig").decode(Schemas.LocalChart.self)
            #expect(chart.items.map(\.artist.username) == ["kai"])
            #expect(chart.items.first?.listeners == 2)
            let all = try await client.request(.get, "/api/v1/charts/local").decode(Schemas.LocalChart.self)
            #expect(Set(all.items.prefix(2).map(\.artist.username)) == ["kai", "mira"])
            #expect(all.items.map(\.listeners) == [2, 2, 1])
            #expect(all.items.last?.artist.username == "otto")
            let kai = try await client.signIn("kai")
            #expect(try await client.request(.patch, "/api/v1/me/discovery-settings", json: #"{"publicBoards":false}"#, token: kai.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/charts/local?city=leipzig").decode(Schemas.LocalChart.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/charts/local?limit=0").status == .unprocessableContent)
        }
    }

    @Test("the swipe deck never offers a track swiped or heard; swipes teach; only public tracks can be swiped")
    func swipes() async throws {
        try await withApp { client, services in
            let a = try await client.discoveryTrack("kai", title: "Alpha", frequency: 300)
            let b = try await client.discoveryTrack("mira", title: "Beta", frequency: 900)
            let c = try await client.discoveryTrack("otto", title: "Gamma", frequency: 2_000)
            let hidden = try await client.discoveryTrack("sol", title: "Hidden", frequency: 600, visibility: "private")
            try await services.discovery.waitForTracks(3)
            let ana = try await client.register("ana")
            let deck = try await client.request(.get, "/api/v1/me/swipe-deck?count=5", token: ana.accessToken).decode(Schemas.RecommendationList.self)
            #expect(Set(deck.items.map(\.track.id)) == [a.id, b.id, c.id])
            #expect(try await client.request(.put, "/api/v1/me/swipes/\(a.id)", json: #"{"liked":true}"#, token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.put, "/api/v1/me/swipes/\(b.id)", json: #"{"liked":false}"#, token: ana.accessToken).status == .noContent)
            let after = try await client.request(.get, "/api/v1/me/swipe-deck", token: ana.accessToken).decode(Schemas.RecommendationList.self)
            #expect(after.items.map(\.track.id) == [c.id])
            // Swiped tracks are not recommended back either.
            let home = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            #expect(!home.shelves.flatMap(\.items).contains { $0.track.id == a.id || $0.track.id == b.id })
            #expect(try await client.request(.put, "/api/v1/me/swipes/\(hidden.id)", json: #"{"liked":true}"#, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.put, "/api/v1/me/swipes/\(UUID())", json: #"{"liked":true}"#, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/me/swipe-deck?count=0", token: ana.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.put, "/api/v1/me/swipes/\(c.id)", json: #"{"liked":true}"#).status == .unauthorized)
        }
    }

    @Test("the weekly local mix holds unheard music of the listener's city, the same on every call; saved, it is a private playlist")
    func discoverLocal() async throws {
        try await withApp { client, services in
            let near = try await client.discoveryTrack("kai", title: "Near", city: "Leipzig", frequency: 300)
            let heard = try await client.discoveryTrack("mira", title: "Heard", city: "Leipzig", frequency: 500)
            _ = try await client.discoveryTrack("otto", title: "Far", city: "Berlin", frequency: 700)
            try await services.discovery.waitForTracks(3)
            let ana = try await client.register("ana")
            #expect(try await client.request(.get, "/api/v1/me/discover-local", token: ana.accessToken).decode(Schemas.RecommendationList.self).items.isEmpty)
            let noCity = try await client.request(.post, "/api/v1/me/discover-local", token: ana.accessToken)
            #expect(noCity.status == .conflict)
            #expect(try noCity.problem().code == "no_city")
            #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"leipzig"}"#, token: ana.accessToken).status == .ok)
            try await client.play([heard.id], token: ana.accessToken)
            let mix = try await client.request(.get, "/api/v1/me/discover-local", token: ana.accessToken).decode(Schemas.RecommendationList.self)
            #expect(mix.items.map(\.track.id) == [near.id])
            #expect(mix.items.first?.reason == "From Leipzig")
            let again = try await client.request(.get, "/api/v1/me/discover-local", token: ana.accessToken).decode(Schemas.RecommendationList.self)
            #expect(again.items.map(\.track.id) == mix.items.map(\.track.id))
            let saved = try await client.request(.post, "/api/v1/me/discover-local", token: ana.accessToken)
            #expect(saved.status == .created)
            let playlist = try saved.decode(Schemas.PlaylistSummary.self)
            #expect(playlist.visibility == ._private)
            #expect(playlist.trackCount == 1)
            #expect(playlist.title.hasPrefix("Discover local: leipzig, week "))
            #expect(try await client.request(.get, "/api/v1/me/discover-local").status == .unauthorized)
        }
    }

    @Test("the venue board counts the next 30 days' shows and leaves out a venue that opted out")
    func venueBoard() async throws {
        try await withApp { client, _ in
            _ = try await client.publishWeek()
            let board = try await client.request(.get, "/api/v1/charts/venues").decode(Schemas.VenueChart.self)
            #expect(board.items.map(\.venue.username) == ["club", "hall"])
            #expect(board.items.map(\.shows) == [5, 2])
            #expect(try await client.request(.get, "/api/v1/charts/venues?city=Leipzig").decode(Schemas.VenueChart.self).items.isEmpty)
            let club = try await client.signIn("club")
            #expect(try await client.request(.patch, "/api/v1/me/discovery-settings", json: #"{"publicBoards":false}"#, token: club.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/charts/venues").decode(Schemas.VenueChart.self).items.map(\.venue.username) == ["hall"])
            #expect(try await client.request(.get, "/api/v1/charts/venues?limit=101").status == .unprocessableContent)
        }
    }

    @Test("achievements: a first upload is earned and announced once; ones that reveal listening show to others only by choice")
    func achievements() async throws {
        try await withApp { client, services in
            _ = try await client.discoveryTrack("kai", title: "Alpha", frequency: 300)
            try await services.discovery.waitForTracks(1)
            let kai = try await client.signIn("kai")
            let shown = try await client.request(.get, "/api/v1/users/kai/achievements").decode(Schemas.AchievementList.self)
            #expect(shown.items.map(\.id) == [.firstUpload])
            #expect(shown.items.first?.title == "First upload")
            func achievementNotices(_ token: String) async throws -> [Schemas.Notification] {
                try await client.request(.get, "/api/v1/notifications", token: token).decode(Schemas.NotificationPage.self).items.filter { $0.kind == .achievement }
            }
            #expect(try await achievementNotices(kai.accessToken).count == 1)

            let ana = try await client.register("ana"), ben = try await client.register("ben")
            let anaID = try #require(UUID(uuidString: ana.user.id))
            try await services.discovery.award(.earlyListener, to: anaID)
            try await services.discovery.award(.earlyListener, to: anaID)
            #expect(try await achievementNotices(ana.accessToken).count == 1)
            #expect(try await client.request(.get, "/api/v1/users/ana/achievements", token: ana.accessToken).decode(Schemas.AchievementList.self).items.map(\.id) == [.earlyListener])
            // Listening is private: others see it once Ana shows her listening.
            #expect(try await client.request(.get, "/api/v1/users/ana/achievements", token: ben.accessToken).decode(Schemas.AchievementList.self).items.isEmpty)
            #expect(try await client.request(.get, "/api/v1/users/ana/achievements").decode(Schemas.AchievementList.self).items.isEmpty)
            #expect(try await client.request(.patch, "/api/v1/me/discovery-settings", json: #"{"publicListening":true}"#, token: ana.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/users/ana/achievements", token: ben.accessToken).decode(Schemas.AchievementList.self).items.map(\.id) == [.earlyListener])
            #expect(try await client.request(.get, "/api/v1/users/nobody/achievements").status == .notFound)
            // The periodic evaluation runs over the real activity without awarding what nobody earned.
            try await services.discovery.train()
            #expect(try await achievementNotices(ben.accessToken).isEmpty)
        }
    }

    @Test("an artist on the bill of a show near the listener rises, saying where and when; the show is on Home")
    func showsNearby() async throws {
        try await withApp { client, services in
            let horns = try await client.discoveryTrack("band", title: "Horns", genre: "Jazz", frequency: 400)
            let solo = try await client.discoveryTrack("solo", title: "Solo", genre: "Jazz", frequency: 600)
            try await services.discovery.waitForTracks(2)
            let club = try await client.register("club", role: "venue")
            let body = eventJSON(title: "Brass Night", startsIn: 3 * 86_400, extra: #","latitude":51.34,"longitude":12.37"#)
            let event = try await client.request(.post, "/api/v1/events", json: body, token: club.accessToken).decode(Schemas.Event.self)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: #"{"username":"band"}"#, token: club.accessToken).status == .created)
            let band = try await client.signIn("band")
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/lineup/me", json: #"{"accept":true}"#, token: band.accessToken).status == .ok)
            let ana = try await client.register("ana")
            let profile = #"{"genres":["jazz"],"location":{"latitude":51.34,"longitude":12.37}}"#
            #expect(try await client.request(.patch, "/api/v1/me", json: profile, token: ana.accessToken).status == .ok)
            let home = try await client.request(.get, "/api/v1/me/home", token: ana.accessToken).decode(Schemas.Home.self)
            #expect(home.shelves.first { $0.id == .showsNearYou }?.events.map(\.id) == [event.id])
            let forYou = try #require(home.shelves.first { $0.id == .forYou })
            #expect(forYou.items.first?.track.id == horns.id)
            #expect(forYou.items.first?.reason.hasPrefix("On at club ") == true, "\(forYou.items.first?.reason ?? "")")
            #expect(forYou.items.first { $0.track.id == solo.id }?.reason == "Because you like jazz")
        }
    }
}

extension TestClientProtocol {
    /// An artist (registered here) with one ready, public track of a tone.
    func discoveryTrack(
        _ username: String, title: String? = nil, city: String? = nil, genre: String? = nil, frequency: Int, visibility: String = "public"
    ) async throws -> Schemas.Track {
        let artist = try await register(username, role: "artist")
        if let city {
            #expect(try await request(.patch, "/api/v1/me", json: #"{"city":\#(jsonString(city))}"#, token: artist.accessToken).status == .ok)
        }
        let audio = try await makeAudio(seconds: 6, frequency: frequency, tags: ["title": title ?? "\(username) tone"])
        let created = try await upload(audio, token: artist.accessToken, query: "visibility=\(visibility)").decode(Schemas.Track.self)
        var track = try await waitUntilProcessed(created.id, token: artist.accessToken)
        #expect(track.state == .ready)
        if let genre {
            let response = try await request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"genre":\#(jsonString(genre))}"#, token: artist.accessToken)
            track = try response.decode(Schemas.Track.self)
        }
        return track
    }

    /// Alpha, Beta, Gamma and Delta: four artists' tones, far apart in sound, with their vectors in discovery.
    func fourTones(_ services: AppServices) async throws -> (Schemas.Track, Schemas.Track, Schemas.Track, Schemas.Track) {
        let a = try await discoveryTrack("kai", title: "Alpha", frequency: 300)
        let b = try await discoveryTrack("mira", title: "Beta", frequency: 900)
        let c = try await discoveryTrack("otto", title: "Gamma", frequency: 2_000)
        let d = try await discoveryTrack("lou", title: "Delta", frequency: 2_800)
        try await services.discovery.waitForVectors(4)
        return (a, b, c, d)
    }

    /// Listens to each track to the end, a minute apart, oldest first.
    func play(_ tracks: [String], token: String) async throws {
        let now = Date()
        let events = tracks.enumerated().map { index, track in
            let at = iso(now.addingTimeInterval(Double(index - tracks.count) * 60))
            let play = UUID()
            return """
                {"playId":"\(play)","trackId":"\(track)","event":"start","positionSeconds":0,"at":"\(at)","source":"recommendation"},
                {"playId":"\(play)","trackId":"\(track)","event":"complete","positionSeconds":6,"at":"\(at)"}
                """
        }
        let response = try await request(.post, "/api/v1/plays", json: #"{"events":[\#(events.joined(separator: ","))]}"#, token: token)
        #expect(response.status == .ok)
    }
}

extension DiscoveryService {
    /// Waits (at most five minutes, the suite shares two cores) until discovery holds `count` tracks.
    func waitForTracks(_ count: Int) async throws {
        try await waitUntil { $0.tracks >= count }
    }

    /// Waits until `count` tracks have their sound in the index (the analysis job announces it).
    func waitForVectors(_ count: Int) async throws {
        try await waitUntil { $0.vectors >= count }
    }

    private func waitUntil(_ done: ((tracks: Int, vectors: Int, modelItems: Int)) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while !done(size) {
            guard ContinuousClock.now < deadline else {
                Issue.record("discovery holds \(size) after five minutes")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
