import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Jam: listening together", .serialized)
struct JamTests {
    @Test("a listener joins with the link's code; a wrong code or no code is as good as no session")
    func joining() async throws {
        try await withApp { client, _ in
            let (host, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let jam = try await client.request(.post, "/api/v1/jams", json: #"{"trackId":"\#(track.id)"}"#, token: host.accessToken).decode(Schemas.JamBody.self)
            #expect(jam.link == "/jam/\(jam.id)?code=\(jam.code)")
            #expect(try await client.request(.get, "/api/v1/jams/\(jam.id)", token: ana.accessToken).status == .notFound)
            let wrong = try await client.request(.post, "/api/v1/jams/\(jam.id)/join", json: #"{"code":"nope"}"#, token: ana.accessToken)
            #expect(wrong.status == .notFound)
            let joined = try await client.request(.post, "/api/v1/jams/\(jam.id)/join", json: #"{"code":"\#(jam.code)"}"#, token: ana.accessToken)
            #expect(try joined.decode(Schemas.JamBody.self).members.map(\.username) == ["nova", "ana"])
            #expect(try await client.request(.get, "/api/v1/jams/\(jam.id)", token: ana.accessToken).status == .ok)
        }
    }

    @Test("the host's play reaches members' sockets with the server's time; a member cannot control")
    func control() async throws {
        try await withLiveApp { client, port, _ in
            let (host, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let jam = try await client.request(.post, "/api/v1/jams", json: #"{"trackIds":["\#(track.id)","\#(track.id)"]}"#, token: host.accessToken).decode(Schemas.JamBody.self)
            _ = try await client.request(.post, "/api/v1/jams/\(jam.id)/join", json: #"{"code":"\#(jam.code)"}"#, token: ana.accessToken)
            let socket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await socket.next("hello")
            let before = Date().timeIntervalSince1970 * 1000
            let played = try await client.request(.post, "/api/v1/jams/\(jam.id)/control", json: #"{"action":"play","positionSeconds":1.5}"#, token: host.accessToken)
            let answer = try played.decode(Schemas.JamBody.self)
            let after = Date().timeIntervalSince1970 * 1000
            #expect(answer.playing)
            // The answer's moment is to the millisecond (a whole second would fall before `before`).
            #expect(Double(answer.atMs) >= before.rounded(.down) && Double(answer.atMs) <= after.rounded(.up), "\(before) ≤ \(answer.atMs) ≤ \(after)")
            #expect(Double(answer.serverTimeMs) >= Double(answer.atMs) && Double(answer.serverTimeMs) <= after.rounded(.up))
            let state = try await socket.next("jam.state")
            #expect(state["playing"] as? Bool == true)
            #expect((state["positionSeconds"] as? NSNumber)?.doubleValue == 1.5)
            let at = try #require((state["at"] as? NSNumber)?.doubleValue)
            #expect(at >= before.rounded(.down) - 1000)
            #expect(abs(at - Double(answer.atMs)) <= 1, "the frame and the answer name one moment")
            let refused = try await client.request(.post, "/api/v1/jams/\(jam.id)/control", json: #"{"action":"pause"}"#, token: ana.accessToken)
            #expect(refused.status == .forbidden)
            let skip = try await client.request(.post, "/api/v1/jams/\(jam.id)/control", json: #"{"action":"skip","index":5}"#, token: host.accessToken)
            #expect(skip.status == .unprocessableContent)
        }
    }

    @Test("the host hands control over, and suggestions reach the host")
    func handOverAndSuggest() async throws {
        try await withLiveApp { client, port, _ in
            let (host, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let jam = try await client.request(.post, "/api/v1/jams", json: #"{"trackId":"\#(track.id)"}"#, token: host.accessToken).decode(Schemas.JamBody.self)
            _ = try await client.request(.post, "/api/v1/jams/\(jam.id)/join", json: #"{"code":"\#(jam.code)"}"#, token: ana.accessToken)
            let hostSocket = try await TestSocket.connect(port: port, token: host.accessToken)
            _ = try await hostSocket.next("hello")
            #expect(try await client.request(.post, "/api/v1/jams/\(jam.id)/suggestions", json: #"{"trackId":"\#(track.id)"}"#, token: ana.accessToken).status == .noContent)
            let suggestion = try await hostSocket.next("jam.suggestion")
            #expect(suggestion.string("userId") == ana.user.id)
            let handed = try await client.request(.post, "/api/v1/jams/\(jam.id)/host", json: #"{"userId":"\#(ana.user.id)"}"#, token: host.accessToken)
            #expect(try handed.decode(Schemas.JamBody.self).host.username == "ana")
            #expect(try await client.request(.post, "/api/v1/jams/\(jam.id)/control", json: #"{"action":"play"}"#, token: ana.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/jams/\(jam.id)/control", json: #"{"action":"pause"}"#, token: host.accessToken).status == .forbidden)
        }
    }

    @Test("a ping is answered with the server's clock, for clock sync")
    func clock() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let socket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await socket.next("hello")
            let sent = Date().timeIntervalSince1970 * 1000
            let ack = try await socket.call(#"{"type":"ping","id":"c1"}"#, id: "c1")
            let received = Date().timeIntervalSince1970 * 1000
            let server = try #require((ack["serverTime"] as? NSNumber)?.doubleValue)
            #expect(server >= sent.rounded(.down) - 1 && server <= received.rounded(.up) + 1)
        }
    }

    @Test("when the host leaves, the session ends and nobody can join")
    func hostLeaves() async throws {
        try await withApp { client, _ in
            let (host, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let jam = try await client.request(.post, "/api/v1/jams", json: #"{"trackId":"\#(track.id)"}"#, token: host.accessToken).decode(Schemas.JamBody.self)
            #expect(try await client.request(.post, "/api/v1/jams/\(jam.id)/leave", token: host.accessToken).status == .noContent)
            let late = try await client.request(.post, "/api/v1/jams/\(jam.id)/join", json: #"{"code":"\#(jam.code)"}"#, token: ana.accessToken)
            #expect(late.status == .notFound)
        }
    }
}
