import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Browse and feed", .serialized)
struct BrowseTests {
    @Test("tracks are browsed newest first, by genre and by the artist's city, and genres are counted")
    func browseFilters() async throws {
        try await withApp { client, _ in
            let (nova, first) = try await client.readyTrack("nova")
            let (lune, second) = try await client.readyTrack("lune")
            _ = try await client.request(.patch, "/api/v1/tracks/\(first.id)", json: #"{"genre":"Techno"}"#, token: nova.accessToken)
            _ = try await client.request(.patch, "/api/v1/tracks/\(second.id)", json: #"{"genre":"techno"}"#, token: lune.accessToken)
            _ = try await client.request(.patch, "/api/v1/me", json: #"{"city":"Leipzig"}"#, token: lune.accessToken)
            let newest = try await client.request(.get, "/api/v1/browse/tracks").decode(Schemas.TrackPage.self)
            #expect(newest.items.map(\.id) == [second.id, first.id])
            let techno = try await client.request(.get, "/api/v1/browse/tracks?genre=TECHNO").decode(Schemas.TrackPage.self)
            #expect(techno.items.count == 2)
            let leipzig = try await client.request(.get, "/api/v1/browse/tracks?city=leipzig").decode(Schemas.TrackPage.self)
            #expect(leipzig.items.map(\.id) == [second.id])
            let genres = try await client.request(.get, "/api/v1/genres").decode(Schemas.GenreList.self)
            #expect(genres.items.map(\.trackCount) == [2])
            let artists = try await client.request(.get, "/api/v1/browse/artists?city=Leipzig").decode(Schemas.ProfilePage.self)
            #expect(artists.items.map(\.username) == ["lune"])
        }
    }

    @Test("a page that follows another is not disturbed by a new upload")
    func stablePages() async throws {
        try await withApp { client, _ in
            let (_, first) = try await client.readyTrack("nova")
            let (_, second) = try await client.readyTrack("lune")
            let page = try await client.request(.get, "/api/v1/browse/tracks?limit=1").decode(Schemas.TrackPage.self)
            #expect(page.items.map(\.id) == [second.id])
            _ = try await client.readyTrack("mira")
            let cursor = try #require(page.nextCursor)
            let next = try await client.request(.get, "/api/v1/browse/tracks?limit=1&cursor=" + cursor).decode(Schemas.TrackPage.self)
            #expect(next.items.map(\.id) == [first.id])
        }
    }

    @Test("most played this week ranks by plays")
    func popular() async throws {
        try await withApp { client, _ in
            let (_, first) = try await client.readyTrack("nova")
            let (_, second) = try await client.readyTrack("lune")
            let ana = try await client.register("ana")
            let batch = """
                {"events":[{"playId":"a","trackId":"\(first.id)","event":"start","positionSeconds":0,"at":"\(iso(Date()))"},
                {"playId":"b","trackId":"\(first.id)","event":"start","positionSeconds":0,"at":"\(iso(Date()))"},
                {"playId":"c","trackId":"\(second.id)","event":"start","positionSeconds":0,"at":"\(iso(Date()))"}]}
                """
            _ = try await client.request(.post, "/api/v1/plays", json: batch, token: ana.accessToken)
            let popular = try await client.request(.get, "/api/v1/browse/tracks?sort=popular&limit=1").decode(Schemas.TrackPage.self)
            #expect(popular.items.map(\.id) == [first.id])
            let cursor = try #require(popular.nextCursor)
            let next = try await client.request(.get, "/api/v1/browse/tracks?sort=popular&limit=1&cursor=" + cursor).decode(Schemas.TrackPage.self)
            #expect(next.items.map(\.id) == [second.id])
            #expect(next.nextCursor == nil)
        }
    }

    @Test("an artist's page has the profile, releases and top tracks in one call")
    func artistPage() async throws {
        try await withApp { client, _ in
            let (nova, track) = try await client.readyTrack("nova")
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Harbour","kind":"single"}"#, token: nova.accessToken).decode(Schemas.Release.self)
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"releaseId":"\#(release.id)"}"#, token: nova.accessToken)
            let ana = try await client.register("ana")
            _ = try await client.request(.put, "/api/v1/users/nova/follow", token: ana.accessToken)
            let page = try await client.request(.get, "/api/v1/artists/nova").decode(Schemas.ArtistPage.self)
            #expect(page.profile.followerCount == 1)
            #expect(page.topTracks.map(\.id) == [track.id])
            #expect(page.releases.map(\.id) == [release.id])
            #expect(try await client.request(.get, "/api/v1/artists/ghost").status == .notFound)
        }
    }

    @Test("a new user's feed is never empty; once they follow, it shows what their people did")
    func feed() async throws {
        try await withApp { client, _ in
            let (nova, track) = try await client.readyTrack("nova")
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Harbour","kind":"single"}"#, token: nova.accessToken).decode(Schemas.Release.self)
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"releaseId":"\#(release.id)"}"#, token: nova.accessToken)
            let ana = try await client.register("ana")
            let fresh = try await client.request(.get, "/api/v1/feed", token: ana.accessToken).decode(Schemas.FeedPage.self)
            #expect(fresh.suggested)
            #expect(fresh.items.map(\.release?.id) == [release.id])
            _ = try await client.request(.put, "/api/v1/users/nova/follow", token: ana.accessToken)
            let playlist = try await client.playlist("Nova's picks", token: nova.accessToken)
            _ = try await client.request(.post, "/api/v1/playlists/\(playlist.id)/tracks", json: #"{"trackIds":["\#(track.id)"]}"#, token: nova.accessToken)
            let followed = try await client.request(.get, "/api/v1/feed", token: ana.accessToken).decode(Schemas.FeedPage.self)
            #expect(!followed.suggested)
            #expect(followed.items.map(\.kind) == [.playlist, .release])
            #expect(try await client.request(.get, "/api/v1/feed").status == .unauthorized)
        }
    }

    @Test("a made-up cursor is a 400 and a genre with wildcards a 422")
    func badInput() async throws {
        try await withApp { client, _ in
            let madeUp = try await client.request(.get, "/api/v1/browse/tracks?cursor=bm9wZQ")
            #expect(madeUp.status == .badRequest)
            let wildcard = try await client.request(.get, "/api/v1/browse/tracks?genre=%25")
            #expect(wildcard.status == .unprocessableContent)
            let zero = try await client.request(.get, "/api/v1/browse/tracks?limit=0")
            #expect(zero.status == .unprocessableContent)
        }
    }
}
