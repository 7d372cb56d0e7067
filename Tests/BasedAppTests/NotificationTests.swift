import BasedApp
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@Suite("Notifications and push")
struct NotificationTests {
    @Test("inbox: new follower and new release arrive live and persisted; list, unread count, mark read; settings turn kinds off")
    func inbox() async throws {
        let audio = try await makeAudio(seconds: 3, format: "flac", tags: ["title": "Opener", "album": "First Light"])
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana", role: "artist")
            let ben = try await client.register("ben")
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaSocket.next("hello")

            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: ben.accessToken).status == .ok)
            let live = try await anaSocket.next("notification")
            let body = try #require(live["notification"] as? [String: Any])
            #expect(body["kind"] as? String == "follow")
            #expect(body["actorId"] as? String == ben.user.id)
            // Following again is not news.
            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: ben.accessToken).status == .ok)

            var inbox = try await client.request(.get, "/api/v1/notifications", token: ana.accessToken).decode(NotificationPageBody.self)
            #expect(inbox.items.map(\.kind) == ["follow"])
            #expect(inbox.items.first?.actor?.username == "ben")
            #expect(try await unread(client, ana.accessToken) == 1)
            // Another user cannot mark Ana's notifications read.
            let id = try #require(inbox.items.first?.id)
            _ = try await client.request(.post, "/api/v1/notifications/read", json: #"{"ids":["\#(id)"]}"#, token: ben.accessToken)
            #expect(try await unread(client, ana.accessToken) == 1)
            let marked = try await client.request(.post, "/api/v1/notifications/read", json: #"{"ids":["\#(id)"]}"#, token: ana.accessToken)
            #expect(marked.status == .ok)
            #expect(try await unread(client, ana.accessToken) == 0)
            #expect(try await client.request(.post, "/api/v1/notifications/read", json: "{}", token: ana.accessToken).status == .unprocessableContent)

            // Ana releases something; Ben, her follower, hears of it once the first track is playable.
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let upload = try await client.upload(audio, token: ana.accessToken, query: "filename=opener.flac")
            #expect(upload.status == .created)
            let track = try upload.decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            let release = try await benSocket.next("notification", timeout: .seconds(30))
            let releaseBody = try #require(release["notification"] as? [String: Any])
            #expect(releaseBody["kind"] as? String == "release")
            #expect((releaseBody["data"] as? [String: String])?["title"] == "First Light")
            inbox = try await client.request(.get, "/api/v1/notifications?unread=true", token: ben.accessToken).decode(NotificationPageBody.self)
            #expect(inbox.items.map(\.kind) == ["release"])

            // Settings: Ana turns follower notifications off; a new follower no longer reaches her.
            let settings = try await client.request(.put, "/api/v1/me/notification-settings", json: """
                {"disabledInApp":["follow"],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"22:00","end":"07:30","timeZone":"Europe/Berlin"}}
                """, token: ana.accessToken)
            #expect(settings.status == .ok)
            let saved = try await client.request(.get, "/api/v1/me/notification-settings", token: ana.accessToken)
            #expect(String(buffer: saved.body).contains("07:30"))
            let cleo = try await client.register("cleo")
            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: cleo.accessToken).status == .ok)
            #expect(try await unread(client, ana.accessToken) == 0)
            for bad in [
                #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"25:00","end":"07:00"}}"#,
                #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"22:00","end":"07:00","timeZone":"Mars/Olympus"}}"#,
            ] {
                #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: bad, token: ana.accessToken).status == .unprocessableContent)
            }
            await anaSocket.close()
            await benSocket.close()
        }
    }

    @Test("a message to someone with no open socket lands in their inbox and is pushed to their devices, except in quiet hours")
    func push() async throws {
        let received = NIOLockedValueBox<[String]>([])
        let router = Router()
        router.post("/push") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.withLockedValue { $0.append(String(buffer: body)) }
            return .ok
        }
        // A real HTTP receiver on loopback plays the push gateway.
        try await Application(router: router).test(.live) { gateway in
            let url = "http://127.0.0.1:\(gateway.port!)/push"
            try await withLiveApp({ $0.pushURL = URL(string: url) }) { client, port, _ in
                let ana = try await client.register("ana")
                let ben = try await client.register("ben")
                let device = try await client.request(.post, "/api/v1/me/push-devices", json: #"{"token":"ExponentPushToken[ben-phone]","platform":"expo"}"#, token: ben.accessToken)
                #expect(device.status == .created)
                #expect(try await client.request(.post, "/api/v1/me/push-devices", json: #"{"token":"x","platform":"expo"}"#, token: ben.accessToken).status == .unprocessableContent)

                // Ben has no socket: the message notifies and pushes.
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m1","text":"are you coming tonight?"}"#, token: ana.accessToken)
                let pushed = try await waitFor { received.withLockedValue { $0.count } >= 1 }
                #expect(pushed)
                let message = try #require(received.withLockedValue { $0.first })
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [[String: Any]])
                #expect(payload.first?["to"] as? String == "ExponentPushToken[ben-phone]")
                #expect(payload.first?["body"] as? String == "are you coming tonight?")
                #expect((payload.first?["data"] as? [String: String])?["kind"] == "message")
                let inbox = try await client.request(.get, "/api/v1/notifications", token: ben.accessToken).decode(NotificationPageBody.self)
                #expect(inbox.items.map(\.kind) == ["message"])

                // With a socket open, the notification goes live and is not pushed.
                let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
                _ = try await benSocket.next("hello")
                _ = try await client.request(.put, "/api/v1/users/ben/follow", token: ana.accessToken)
                _ = try await benSocket.next("notification")
                await benSocket.close()
                try await Task.sleep(for: .seconds(2))
                #expect(received.withLockedValue { $0.count } == 1)

                // Quiet hours around now: stored in the inbox, not pushed.
                let calendar = Calendar(identifier: .gregorian)
                var utc = calendar
                utc.timeZone = TimeZone(identifier: "UTC")!
                let now = utc.dateComponents([.hour, .minute], from: Date())
                let minute = (now.hour! * 60 + now.minute! + 1440 - 60) % 1440
                let end = (minute + 180) % 1440
                let quiet = String(format: #"{"start":"%02d:%02d","end":"%02d:%02d","timeZone":"UTC"}"#, minute / 60, minute % 60, end / 60, end % 60)
                #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":\#(quiet)}"#, token: ben.accessToken).status == .ok)
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m2","text":"hello?"}"#, token: ana.accessToken)
                let stored = try await waitFor {
                    try await client.request(.get, "/api/v1/notifications?limit=10", token: ben.accessToken).decode(NotificationPageBody.self)
                        .items.filter { $0.kind == "message" }.count == 2
                }
                #expect(stored, "the quiet-hours message is in the inbox")
                // And a muted sender notifies not at all.
                #expect(try await client.request(.put, "/api/v1/users/ana/mute", token: ben.accessToken).status == .noContent)
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m3","text":"hello??"}"#, token: ana.accessToken)
                try await Task.sleep(for: .seconds(3))
                #expect(received.withLockedValue { $0.count } == 1)
                let after = try await client.request(.get, "/api/v1/notifications?limit=10", token: ben.accessToken).decode(NotificationPageBody.self)
                #expect(after.items.filter { $0.kind == "message" }.count == 2, "the muted sender's message is not in the inbox")
            }
        }
    }

    @Test("now playing reaches followers when the listener shares it, and presence over REST only to those allowed")
    func nowPlaying() async throws {
        let audio = try await makeAudio(seconds: 3, format: "flac", tags: ["title": "Tune"])
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana", role: "artist")
            let ben = try await client.register("ben")
            let eve = try await client.register("eve")
            let track = try await client.upload(audio, token: ana.accessToken, query: "filename=tune.flac").decode(TrackBody.self)
            _ = try await client.waitForProcessing(track.id, token: ana.accessToken)
            _ = try await client.request(.put, "/api/v1/users/ben/follow", token: ana.accessToken)
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await anaSocket.next("hello")
            _ = try await benSocket.next("hello")

            // Not shared yet: acknowledged, but nobody hears.
            _ = try await benSocket.call(#"{"type":"now_playing","id":"n1","trackId":"\#(track.id)"}"#, id: "n1")
            try await Task.sleep(for: .milliseconds(200))
            #expect(await anaSocket.all("now_playing").isEmpty)
            _ = try await client.request(.put, "/api/v1/me/notification-settings", json: #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":true}"#, token: ben.accessToken)
            _ = try await benSocket.call(#"{"type":"now_playing","id":"n2","trackId":"\#(track.id)"}"#, id: "n2")
            let playing = try await anaSocket.next("now_playing")
            #expect(playing.string("userId") == ben.user.id)
            #expect((playing["track"] as? [String: Any])?["title"] as? String == "Tune")
            let missing = try await benSocket.call(#"{"type":"now_playing","id":"n3","trackId":"\#(UUID().uuidString)"}"#, id: "n3")
            #expect(missing.string("code") == "not_found")

            // Ana follows Ben and may see his presence; Eve may not.
            let presence = try await client.request(.get, "/api/v1/users/ben/presence", token: ana.accessToken)
            #expect(String(buffer: presence.body).contains("online"))
            #expect(try await client.request(.get, "/api/v1/users/ben/presence", token: eve.accessToken).status == .notFound)
            await anaSocket.close()
            await benSocket.close()
        }
    }

    private func unread(_ client: any TestClientProtocol, _ token: String) async throws -> Int {
        struct Count: Decodable { var unread: Int }
        return try await client.request(.get, "/api/v1/notifications/unread-count", token: token).decode(Count.self).unread
    }
}

/// Polls `condition` every 50 ms for up to `timeout`.
func waitFor(timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}
