import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Library: likes, history, resume, queue and handoff", .serialized)
struct LibraryTests {
    @Test("liking twice is one like; the liked list shows it; unliking twice is harmless")
    func likes() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            for _ in 0..<2 {
                let state = try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: ana.accessToken).decode(Schemas.LikeState.self)
                #expect(state.liked && state.likeCount == 1)
            }
            let liked = try await client.request(.get, "/api/v1/me/likes/tracks", token: ana.accessToken).decode(Schemas.LikePage.self)
            #expect(liked.items.map(\.track?.id) == [track.id])
            for _ in 0..<2 {
                let state = try await client.request(.delete, "/api/v1/me/likes/tracks/\(track.id)", token: ana.accessToken).decode(Schemas.LikeState.self)
                #expect(!state.liked && state.likeCount == 0)
            }
            #expect(try await client.request(.get, "/api/v1/me/likes/tracks", token: ana.accessToken).decode(Schemas.LikePage.self).items.isEmpty)
        }
    }

    @Test("a like of another artist's private track is a 404 and writes nothing")
    func privateLike() async throws {
        try await withApp { client, services in
            let (artist, track) = try await client.readyTrack()
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            let ana = try await client.register("ana")
            let response = try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: ana.accessToken)
            #expect(response.status == .notFound)
            _ = try response.problem()
            #expect(try await rowCount("likes", services) == 0)
            // Its owner may like it.
            #expect(try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: artist.accessToken).status == .ok)
        }
    }

    @Test("likes need a session")
    func anonymousLike() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.put, "/api/v1/me/likes/tracks/\(UUID())")
            #expect(response.status == .unauthorized)
        }
    }

    @Test("history lists listens newest first, and one device's on request")
    func history() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let now = Date()
            let batch = """
                {"events":[
                {"playId":"p1","trackId":"\(track.id)","event":"start","positionSeconds":0,"at":"\(iso(now.addingTimeInterval(-60)))","device":"phone","source":"search"},
                {"playId":"p2","trackId":"\(track.id)","event":"start","positionSeconds":0,"at":"\(iso(now))","device":"laptop"}]}
                """
            #expect(try await client.request(.post, "/api/v1/plays", json: batch, token: ana.accessToken).status == .ok)
            let all = try await client.request(.get, "/api/v1/me/history", token: ana.accessToken).decode(Schemas.HistoryPage.self)
            #expect(all.items.map(\.device) == ["laptop", "phone"])
            #expect(all.items.last?.source == .search)
            let phone = try await client.request(.get, "/api/v1/me/history?device=phone", token: ana.accessToken).decode(Schemas.HistoryPage.self)
            #expect(phone.items.map(\.device) == ["phone"])
            // Another user's history is their own.
            let ben = try await client.register("ben")
            #expect(try await client.request(.get, "/api/v1/me/history", token: ben.accessToken).decode(Schemas.HistoryPage.self).items.isEmpty)
        }
    }

    @Test("a resume position is kept per user and track; past the end or negative is refused")
    func resume() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let set = try await client.request(.put, "/api/v1/me/resume/\(track.id)", json: #"{"positionSeconds":1.5}"#, token: ana.accessToken)
            #expect(set.status == .ok)
            let read = try await client.request(.get, "/api/v1/me/resume?trackIds=\(track.id)", token: ana.accessToken)
            #expect(try read.decode(Schemas.ResumePositionList.self).items.map(\.positionSeconds) == [1.5])
            for position in ["-1", "100000"] {
                let bad = try await client.request(.put, "/api/v1/me/resume/\(track.id)", json: #"{"positionSeconds":\#(position)}"#, token: ana.accessToken)
                #expect(bad.status == .unprocessableContent)
            }
            let again = try await client.request(.get, "/api/v1/me/resume?trackIds=\(track.id)", token: ana.accessToken)
            #expect(try again.decode(Schemas.ResumePositionList.self).items.map(\.positionSeconds) == [1.5])
        }
    }

    @Test("a queue saved from an old version is refused and the newer one stays")
    func queueVersions() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let empty = try await client.request(.get, "/api/v1/me/queue", token: ana.accessToken).decode(Schemas.PlayQueue.self)
            #expect(empty.version == 0 && empty.trackIds.isEmpty)
            let body = #"{"trackIds":["\#(track.id)","\#(track.id)"],"index":1,"positionSeconds":3,"device":"phone","version":0}"#
            let saved = try await client.request(.put, "/api/v1/me/queue", json: body, token: ana.accessToken).decode(Schemas.PlayQueue.self)
            #expect(saved.version == 1 && saved.index == 1)
            let stale = try await client.request(.put, "/api/v1/me/queue", json: body, token: ana.accessToken)
            #expect(stale.status == .conflict)
            let past = #"{"trackIds":["\#(track.id)"],"index":5,"positionSeconds":0,"version":1}"#
            #expect(try await client.request(.put, "/api/v1/me/queue", json: past, token: ana.accessToken).status == .unprocessableContent)
            let now = try await client.request(.get, "/api/v1/me/queue", token: ana.accessToken).decode(Schemas.PlayQueue.self)
            #expect(now.version == 1 && now.trackIds.count == 2)
        }
    }

    @Test("a handoff names the new device and reaches every socket of the user, and nobody else's")
    func handoff() async throws {
        try await withLiveApp { client, port, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let body = #"{"trackIds":["\#(track.id)"],"index":0,"positionSeconds":0,"device":"phone","version":0}"#
            #expect(try await client.request(.put, "/api/v1/me/queue", json: body, token: ana.accessToken).status == .ok)
            let phone = try await TestSocket.connect(port: port, token: ana.accessToken)
            let laptop = try await TestSocket.connect(port: port, token: ana.accessToken)
            let other = try await TestSocket.connect(port: port, token: ben.accessToken)
            for socket in [phone, laptop, other] { _ = try await socket.next("hello") }
            let handed = try await client.request(.post, "/api/v1/me/queue/handoff", json: #"{"device":"laptop","positionSeconds":1.25}"#, token: ana.accessToken)
            let queue = try handed.decode(Schemas.PlayQueue.self)
            #expect(queue.device == "laptop" && queue.version == 2 && queue.positionSeconds == 1.25)
            for socket in [phone, laptop] {
                let frame = try await socket.next("playback.handoff")
                #expect(frame.string("device") == "laptop")
                #expect(frame.int("version") == 2)
            }
            await #expect(throws: (any Error).self) { _ = try await other.next("playback.handoff", timeout: .milliseconds(500)) }
        }
    }
}

extension TestClientProtocol {
    /// An artist and one public track of theirs, processed and ready.
    func readyTrack(_ username: String = "nova", seconds: Double = 2) async throws -> (SessionBody, Schemas.Track) {
        let artist = try await register(username, role: "artist")
        let audio = try await makeAudio(seconds: seconds, tags: ["title": "Harbour Lights"])
        let created = try await upload(audio, token: artist.accessToken).decode(Schemas.Track.self)
        let track = try await waitUntilProcessed(created.id, token: artist.accessToken)
        #expect(track.state == .ready)
        return (artist, track)
    }
}
