import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Playlists", .serialized)
struct PlaylistTests {
    @Test("tracks are added, moved and removed by index, and the order reads back")
    func editByIndex() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let list = try await client.playlist("Night drive", token: artist.accessToken)
            var detail = try await client.request(
                .post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":["\#(track.id)","\#(track.id)","\#(track.id)"]}"#, token: artist.accessToken
            ).decode(Schemas.PlaylistDetail.self)
            #expect(detail.trackCount == 3 && detail.items.count == 3)
            let order = detail.items.map(\.entryId)
            detail = try await client.request(
                .put, "/api/v1/playlists/\(list.id)/entries/\(order[2])/position", json: #"{"index":0}"#, token: artist.accessToken
            ).decode(Schemas.PlaylistDetail.self)
            #expect(detail.items.map(\.entryId) == [order[2], order[0], order[1]])
            detail = try await client.request(.delete, "/api/v1/playlists/\(list.id)/entries/\(order[0])", token: artist.accessToken).decode(Schemas.PlaylistDetail.self)
            #expect(detail.items.map(\.entryId) == [order[2], order[1]])
            let read = try await client.request(.get, "/api/v1/playlists/\(list.id)/entries").decode(Schemas.PlaylistEntries.self)
            #expect(read.entries.map(\.id) == [order[2], order[1]])
            #expect(read.version == detail.version)
        }
    }

    @Test("an insert or a move past the end is a 422 and changes nothing")
    func pastTheEnd() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let list = try await client.playlist("Night drive", token: artist.accessToken)
            let past = try await client.request(.post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":["\#(track.id)"],"index":3}"#, token: artist.accessToken)
            #expect(past.status == .unprocessableContent)
            _ = try past.problem()
            let read = try await client.request(.get, "/api/v1/playlists/\(list.id)").decode(Schemas.PlaylistDetail.self)
            #expect(read.trackCount == 0 && read.version == 0)
        }
    }

    @Test("another user's private playlist does not exist for them")
    func privatePlaylist() async throws {
        try await withApp { client, _ in
            let owner = try await client.register("ana")
            let list = try await client.playlist("Secret", visibility: "private", token: owner.accessToken)
            let ben = try await client.register("ben")
            #expect(try await client.request(.get, "/api/v1/playlists/\(list.id)", token: ben.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/playlists/\(list.id)").status == .notFound)
            #expect(try await client.request(.put, "/api/v1/me/likes/playlists/\(list.id)", token: ben.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/playlists/\(list.id)", token: owner.accessToken).status == .ok)
        }
    }

    @Test("ops from someone who is not a collaborator are refused; once invited, they apply")
    func collaborators() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let ben = try await client.register("ben")
            let list = try await client.playlist("Together", collaborative: true, token: artist.accessToken)
            let ops = #"{"ops":[{"kind":"insert","id":{"counter":1,"replica":"ben-phone"},"track":"\#(track.id)"}]}"#
            let refused = try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: ops, token: ben.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try await client.request(.put, "/api/v1/playlists/\(list.id)/collaborators/ben", token: ben.accessToken).status == .forbidden)
            #expect(try await client.request(.put, "/api/v1/playlists/\(list.id)/collaborators/ben", token: artist.accessToken).status == .ok)
            let applied = try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: ops, token: ben.accessToken).decode(Schemas.PlaylistOpsResult.self)
            #expect(applied.applied == 1 && applied.playlist.trackCount == 1)
        }
    }

    @Test("two devices that edited offline converge whatever order their ops arrive in, and a resend is applied once")
    func offlineMerge() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let ben = try await client.register("ben")
            // Both start from the same one-entry playlist.
            let first = try await client.playlist("A", collaborative: true, token: artist.accessToken)
            let second = try await client.playlist("B", collaborative: true, token: artist.accessToken)
            for list in [first, second] {
                _ = try await client.request(.put, "/api/v1/playlists/\(list.id)/collaborators/ben", token: artist.accessToken)
                _ = try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: #"{"ops":[{"kind":"insert","id":{"counter":1,"replica":"seed"},"track":"\#(track.id)"}]}"#, token: artist.accessToken)
            }
            let anchor = #"{"counter":1,"replica":"seed"}"#
            // Offline, each device inserts two entries after the seed; one also moves the seed to the end.
            let phone = #"{"ops":[{"kind":"insert","id":{"counter":2,"replica":"ana-phone"},"track":"\#(track.id)","after":\#(anchor)},{"kind":"insert","id":{"counter":3,"replica":"ana-phone"},"track":"\#(track.id)","after":{"counter":2,"replica":"ana-phone"}}]}"#
            let laptop = #"{"ops":[{"kind":"insert","id":{"counter":2,"replica":"ben-laptop"},"track":"\#(track.id)","after":\#(anchor)},{"kind":"move","id":{"counter":3,"replica":"ben-laptop"},"element":\#(anchor),"after":{"counter":2,"replica":"ben-laptop"}}]}"#
            _ = try await client.request(.post, "/api/v1/playlists/\(first.id)/ops", json: phone, token: artist.accessToken)
            _ = try await client.request(.post, "/api/v1/playlists/\(first.id)/ops", json: laptop, token: ben.accessToken)
            _ = try await client.request(.post, "/api/v1/playlists/\(second.id)/ops", json: laptop, token: ben.accessToken)
            _ = try await client.request(.post, "/api/v1/playlists/\(second.id)/ops", json: phone, token: artist.accessToken)
            // The phone's answer was lost: it sends again.
            let resent = try await client.request(.post, "/api/v1/playlists/\(second.id)/ops", json: phone, token: artist.accessToken).decode(Schemas.PlaylistOpsResult.self)
            #expect(resent.applied == 0 && resent.duplicates == 2)
            let a = try await client.request(.get, "/api/v1/playlists/\(first.id)/entries").decode(Schemas.PlaylistEntries.self)
            let b = try await client.request(.get, "/api/v1/playlists/\(second.id)/entries").decode(Schemas.PlaylistEntries.self)
            #expect(a.entries.map(\.id) == b.entries.map(\.id))
            #expect(a.entries.count == 4, "no insert lost, none doubled")
            // The phone's second entry stays right after its first.
            let ids = a.entries.map(\.id)
            let phoneFirst = try #require(ids.firstIndex(of: "2@ana-phone"))
            #expect(ids[phoneFirst + 1] == "3@ana-phone")
        }
    }

    @Test("an op id reused for a different op is a 422 and changes nothing")
    func reusedOpID() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let list = try await client.playlist("A", token: artist.accessToken)
            let insert = #"{"ops":[{"kind":"insert","id":{"counter":1,"replica":"d"},"track":"\#(track.id)"}]}"#
            _ = try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: insert, token: artist.accessToken)
            let clash = #"{"ops":[{"kind":"remove","id":{"counter":1,"replica":"d"},"element":{"counter":1,"replica":"d"}}]}"#
            let response = try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: clash, token: artist.accessToken)
            #expect(response.status == .unprocessableContent)
            let read = try await client.request(.get, "/api/v1/playlists/\(list.id)").decode(Schemas.PlaylistDetail.self)
            #expect(read.trackCount == 1 && read.version == 1)
        }
    }

    @Test("an op inserting a track the editor cannot play is refused")
    func unplayableTrack() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            let ben = try await client.register("ben")
            let list = try await client.playlist("Mine", token: ben.accessToken)
            let ops = #"{"ops":[{"kind":"insert","id":{"counter":1,"replica":"b"},"track":"\#(track.id)"}]}"#
            #expect(try await client.request(.post, "/api/v1/playlists/\(list.id)/ops", json: ops, token: ben.accessToken).status == .unprocessableContent)
        }
    }

    @Test("an edit reaches a collaborator's open socket")
    func liveEdits() async throws {
        try await withLiveApp { client, port, _ in
            let (artist, track) = try await client.readyTrack()
            let ben = try await client.register("ben")
            let list = try await client.playlist("Together", collaborative: true, token: artist.accessToken)
            _ = try await client.request(.put, "/api/v1/playlists/\(list.id)/collaborators/ben", token: artist.accessToken)
            let socket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await socket.next("hello")
            _ = try await client.request(.post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":["\#(track.id)"]}"#, token: artist.accessToken)
            let frame = try await socket.next("playlist.changed")
            #expect(frame.string("playlistId") == list.id)
            #expect(frame.int("version") == 1)
            #expect((frame["ops"] as? [Any])?.count == 1)
        }
    }

    @Test("my playlists list my own, and those I collaborate on or follow")
    func myPlaylists() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let mine = try await client.playlist("Mine", token: ana.accessToken)
            let followed = try await client.playlist("Ben's", token: ben.accessToken)
            _ = try await client.playlist("Ben's other", token: ben.accessToken)
            #expect(try await client.request(.put, "/api/v1/playlists/\(followed.id)/follow", token: ana.accessToken).status == .ok)
            let page = try await client.request(.get, "/api/v1/me/playlists", token: ana.accessToken).decode(Schemas.PlaylistPage.self)
            #expect(Set(page.items.map(\.id)) == [mine.id, followed.id])
        }
    }
}

extension TestClientProtocol {
    func playlist(_ title: String, visibility: String = "public", collaborative: Bool = false, token: String) async throws -> Schemas.PlaylistDetail {
        let response = try await request(
            .post, "/api/v1/playlists", json: #"{"title":\#(jsonString(title)),"visibility":"\#(visibility)","collaborative":\#(collaborative)}"#, token: token
        )
        #expect(response.status == .created, "create playlist: \(String(buffer: response.body))")
        return try response.decode(Schemas.PlaylistDetail.self)
    }
}
