import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Track comments", .serialized)
struct CommentTests {
    @Test("a comment at a moment and a reply to it come back as one thread; text stays text")
    func thread() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let markup = "<img src=x onerror=alert(1)> love this drop"
            let posted = try await client.request(
                .post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":\#(jsonString(markup)),"atSeconds":1.2}"#, token: ana.accessToken
            )
            #expect(posted.status == .created)
            let comment = try posted.decode(Schemas.Comment.self)
            #expect(comment.text == markup && comment.atSeconds == 1.2)
            let reply = try await client.request(
                .post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"same","parentId":"\#(comment.id)"}"#, token: ana.accessToken
            ).decode(Schemas.Comment.self)
            let page = try await client.request(.get, "/api/v1/tracks/\(track.id)/comments").decode(Schemas.CommentPage.self)
            #expect(page.items.map(\.comment.id) == [comment.id])
            #expect(page.items.first?.replies.map(\.id) == [reply.id])
            #expect(page.enabled)
        }
    }

    @Test("a moment before the start or past the end, a reply to a reply, and empty text are 422s that store nothing")
    func invalid() async throws {
        try await withApp { client, services in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let comment = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"hi"}"#, token: ana.accessToken).decode(Schemas.Comment.self)
            let reply = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"hi","parentId":"\#(comment.id)"}"#, token: ana.accessToken).decode(Schemas.Comment.self)
            for body in [#"{"text":"x","atSeconds":-1}"#, #"{"text":"x","atSeconds":99999}"#, #"{"text":"x","parentId":"\#(reply.id)"}"#, #"{"text":"   "}"#] {
                let response = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: body, token: ana.accessToken)
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            #expect(try await rowCount("track_comments", services) == 2)
        }
    }

    @Test("authors edit theirs, others may not; the track's artist deletes any; turned off, none can be posted")
    func ownership() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let comment = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"hi"}"#, token: ana.accessToken).decode(Schemas.Comment.self)
            #expect(try await client.request(.patch, "/api/v1/comments/\(comment.id)", json: #"{"text":"mine now"}"#, token: ben.accessToken).status == .forbidden)
            #expect(try await client.request(.delete, "/api/v1/comments/\(comment.id)", token: ben.accessToken).status == .forbidden)
            let edited = try await client.request(.patch, "/api/v1/comments/\(comment.id)", json: #"{"text":"hello"}"#, token: ana.accessToken).decode(Schemas.Comment.self)
            #expect(edited.text == "hello" && edited.editedAt != nil)
            #expect(try await client.request(.delete, "/api/v1/comments/\(comment.id)", token: artist.accessToken).status == .noContent)
            #expect(try await client.request(.put, "/api/v1/tracks/\(track.id)/comment-settings", json: #"{"enabled":false}"#, token: ana.accessToken).status == .forbidden)
            #expect(try await client.request(.put, "/api/v1/tracks/\(track.id)/comment-settings", json: #"{"enabled":false}"#, token: artist.accessToken).status == .noContent)
            let off = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"hi"}"#, token: ben.accessToken)
            #expect(off.status == .forbidden)
            #expect(try off.problem().code == "comments_off")
        }
    }

    @Test("comments on a private track are as absent as the track")
    func privateTrack() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.readyTrack()
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            let ana = try await client.register("ana")
            #expect(try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"hi"}"#, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)/comments", token: ana.accessToken).status == .notFound)
        }
    }
}
