import BasedAPI
import BasedApp
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@Suite("Notifications and push", .serialized)
struct NotificationTests {
    @Test("a new follower reaches the followed user live and in the inbox; following again is not news")
    func followNotification() async throws {
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
            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: ben.accessToken).status == .ok)

            let inbox = try await client.request(.get, "/api/v1/notifications", token: ana.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.map(\.kind) == [.follow])
            #expect(inbox.items.first?.actor?.username == "ben")
            #expect(try await unread(client, ana.accessToken) == 1)
            await anaSocket.close()
        }
    }

    @Test("marking a notification read lowers the unread count; only its owner can")
    func markRead() async throws {
        try await withLiveApp { client, port, _ in
            let (ana, ben) = try await anaFollowedByBen(client, port)
            let inbox = try await client.request(.get, "/api/v1/notifications", token: ana.accessToken).decode(Schemas.NotificationPage.self)
            let id = try #require(inbox.items.first?.id)
            // Another user cannot mark Ana's notifications read.
            _ = try await client.request(.post, "/api/v1/notifications/read", json: #"{"ids":["\#(id)"]}"#, token: ben.accessToken)
            #expect(try await unread(client, ana.accessToken) == 1)
            let marked = try await client.request(.post, "/api/v1/notifications/read", json: #"{"ids":["\#(id)"]}"#, token: ana.accessToken)
            #expect(marked.status == .ok)
            #expect(try marked.decode(Schemas.UnreadCount.self).unread == 0)
            #expect(try await unread(client, ana.accessToken) == 0)
        }
    }

    @Test("marking read needs ids or all")
    func markReadNeedsWhat() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            #expect(try await client.request(.post, "/api/v1/notifications/read", json: "{}", token: ana.accessToken).status == .unprocessableContent)
        }
    }

    @Test("a new release reaches the artist's followers once its first track is playable")
    func releaseNotification() async throws {
        let audio = try await makeAudio(seconds: 3, format: "flac", tags: ["title": "Opener", "album": "First Light"])
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana", role: "artist")
            let ben = try await client.register("ben")
            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: ben.accessToken).status == .ok)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let upload = try await client.upload(audio, token: ana.accessToken, query: "filename=opener.flac")
            #expect(upload.status == .created)
            let track = try upload.decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(track.id, token: ana.accessToken).state == .ready)
            let release = try await benSocket.next("notification", timeout: .seconds(30))
            let releaseBody = try #require(release["notification"] as? [String: Any])
            #expect(releaseBody["kind"] as? String == "release")
            #expect((releaseBody["data"] as? [String: String])?["title"] == "First Light")
            let inbox = try await client.request(.get, "/api/v1/notifications?unread=true", token: ben.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.map(\.kind) == [.release])
            #expect(inbox.items.first?.data.additionalProperties["title"] == "First Light")
            await benSocket.close()
        }
    }

    @Test("notification settings are saved as sent")
    func settingsSaved() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let settings = try await client.request(.put, "/api/v1/me/notification-settings", json: """
                {"disabledInApp":["follow"],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"22:00","end":"07:30","timeZone":"Europe/Berlin"}}
                """, token: ana.accessToken)
            #expect(settings.status == .ok)
            let saved = try await client.request(.get, "/api/v1/me/notification-settings", token: ana.accessToken).decode(Schemas.NotificationSettings.self)
            #expect(saved.disabledInApp == [.follow])
            #expect(saved.disabledPush.isEmpty)
            #expect(saved.shareNowPlaying == false)
            #expect(saved.quietHours?.start == "22:00")
            #expect(saved.quietHours?.end == "07:30")
            #expect(saved.quietHours?.timeZone == "Europe/Berlin")
        }
    }

    @Test("a kind of notification turned off no longer reaches the user")
    func kindTurnedOff() async throws {
        try await withLiveApp { client, port, _ in
            let (ana, _) = try await anaFollowedByBen(client, port)
            _ = try await client.request(.post, "/api/v1/notifications/read", json: #"{"all":true}"#, token: ana.accessToken)
            #expect(try await unread(client, ana.accessToken) == 0)
            let settings = try await client.request(.put, "/api/v1/me/notification-settings", json: #"{"disabledInApp":["follow"],"disabledPush":[],"shareNowPlaying":false}"#, token: ana.accessToken)
            #expect(settings.status == .ok)
            let cleo = try await client.register("cleo")
            #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: cleo.accessToken).status == .ok)
            #expect(try await unread(client, ana.accessToken) == 0)
        }
    }

    @Test("quiet hours with a time or a zone that is not one are refused", arguments: [
        #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"25:00","end":"07:00"}}"#,
        #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":{"start":"22:00","end":"07:00","timeZone":"Mars/Olympus"}}"#,
    ])
    func badSettings(body: String) async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: body, token: ana.accessToken).status == .unprocessableContent)
            let saved = try await client.request(.get, "/api/v1/me/notification-settings", token: ana.accessToken).decode(Schemas.NotificationSettings.self)
            #expect(saved.quietHours == nil)
        }
    }

    @Test("a message to someone with no open socket lands in their inbox and is pushed to their devices")
    func push() async throws {
        try await withPushGateway { url, received in
            try await withLiveApp({ $0.pushURL = url }) { client, _, _ in
                let (ana, ben) = try await benWithPhone(client)
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m1","text":"are you coming tonight?"}"#, token: ana.accessToken)
                let pushed = try await waitFor { received.withLockedValue { $0.count } >= 1 }
                #expect(pushed)
                let message = try #require(received.withLockedValue { $0.first })
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [[String: Any]])
                #expect(payload.first?["to"] as? String == "ExponentPushToken[ben-phone]")
                #expect(payload.first?["body"] as? String == "are you coming tonight?")
                #expect((payload.first?["data"] as? [String: String])?["kind"] == "message")
                let inbox = try await client.request(.get, "/api/v1/notifications", token: ben.accessToken).decode(Schemas.NotificationPage.self)
                #expect(inbox.items.map(\.kind) == [.message])
            }
        }
    }

    @Test("a push device token that is not one is refused")
    func badPushDevice() async throws {
        try await withApp { client, _ in
            let ben = try await client.register("ben")
            #expect(try await client.request(.post, "/api/v1/me/push-devices", json: #"{"token":"x","platform":"expo"}"#, token: ben.accessToken).status == .unprocessableContent)
        }
    }

    @Test("with a socket open, a notification goes live and is not pushed")
    func liveNotPushed() async throws {
        try await withPushGateway { url, received in
            try await withLiveApp({ $0.pushURL = url }) { client, port, _ in
                let (ana, ben) = try await benWithPhone(client)
                let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
                _ = try await benSocket.next("hello")
                _ = try await client.request(.put, "/api/v1/users/ben/follow", token: ana.accessToken)
                _ = try await benSocket.next("notification")
                await benSocket.close()
                try await Task.sleep(for: .seconds(2))
                #expect(received.withLockedValue { $0.count } == 0)
            }
        }
    }

    @Test("in quiet hours a message is stored in the inbox and not pushed")
    func quietHours() async throws {
        try await withPushGateway { url, received in
            try await withLiveApp({ $0.pushURL = url }) { client, _, _ in
                let (ana, ben) = try await benWithPhone(client)
                // Quiet hours around now.
                var utc = Calendar(identifier: .gregorian)
                utc.timeZone = TimeZone(identifier: "UTC")!
                let now = utc.dateComponents([.hour, .minute], from: Date())
                let minute = (now.hour! * 60 + now.minute! + 1440 - 60) % 1440
                let end = (minute + 180) % 1440
                let quiet = String(format: #"{"start":"%02d:%02d","end":"%02d:%02d","timeZone":"UTC"}"#, minute / 60, minute % 60, end / 60, end % 60)
                #expect(try await client.request(.put, "/api/v1/me/notification-settings", json: #"{"disabledInApp":[],"disabledPush":[],"shareNowPlaying":false,"quietHours":\#(quiet)}"#, token: ben.accessToken).status == .ok)
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m2","text":"hello?"}"#, token: ana.accessToken)
                let stored = try await waitFor {
                    try await client.request(.get, "/api/v1/notifications?limit=10", token: ben.accessToken).decode(Schemas.NotificationPage.self)
                        .items.filter { $0.kind == .message }.count == 1
                }
                #expect(stored, "the quiet-hours message is in the inbox")
                try await Task.sleep(for: .seconds(2))
                #expect(received.withLockedValue { $0.count } == 0)
            }
        }
    }

    @Test("a muted sender's message neither notifies nor pushes")
    func mutedSender() async throws {
        try await withPushGateway { url, received in
            try await withLiveApp({ $0.pushURL = url }) { client, _, _ in
                let (ana, ben) = try await benWithPhone(client)
                #expect(try await client.request(.put, "/api/v1/users/ana/mute", token: ben.accessToken).status == .noContent)
                _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m3","text":"hello??"}"#, token: ana.accessToken)
                try await Task.sleep(for: .seconds(3))
                #expect(received.withLockedValue { $0.count } == 0)
                let after = try await client.request(.get, "/api/v1/notifications?limit=10", token: ben.accessToken).decode(Schemas.NotificationPage.self)
                #expect(after.items.filter { $0.kind == .message }.isEmpty, "the muted sender's message is not in the inbox")
            }
        }
    }

    @Test("now playing reaches followers only once the listener shares it")
    func nowPlaying() async throws {
        let audio = try await makeAudio(seconds: 3, format: "flac", tags: ["title": "Tune"])
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana", role: "artist")
            let ben = try await client.register("ben")
            let track = try await client.upload(audio, token: ana.accessToken, query: "filename=tune.flac").decode(Schemas.Track.self)
            _ = try await client.waitUntilProcessed(track.id, token: ana.accessToken)
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
            await anaSocket.close()
            await benSocket.close()
        }
    }

    @Test("now playing an unknown track is not found")
    func nowPlayingUnknownTrack() async throws {
        try await withLiveApp { client, port, _ in
            let ben = try await client.register("ben")
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let missing = try await benSocket.call(#"{"type":"now_playing","id":"n3","trackId":"\#(UUID().uuidString)"}"#, id: "n3")
            #expect(missing.string("code") == "not_found")
            await benSocket.close()
        }
    }

    @Test("presence over REST is shown to followers, and to nobody else")
    func presence() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana", role: "artist")
            let ben = try await client.register("ben")
            let eve = try await client.register("eve")
            _ = try await client.request(.put, "/api/v1/users/ben/follow", token: ana.accessToken)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            // Ana follows Ben and may see his presence; Eve may not.
            // Ben's socket is counted online a moment after its hello.
            let online = try await waitFor {
                try await client.request(.get, "/api/v1/users/ben/presence", token: ana.accessToken).decode(Schemas.Presence.self).state == .online
            }
            #expect(online)
            #expect(try await client.request(.get, "/api/v1/users/ben/presence", token: eve.accessToken).status == .notFound)
            await benSocket.close()
        }
    }

    /// A real HTTP receiver on loopback plays the push gateway; `body` gets its URL and what it received.
    private func withPushGateway(_ body: @escaping @Sendable (URL, NIOLockedValueBox<[String]>) async throws -> Void) async throws {
        let received = NIOLockedValueBox<[String]>([])
        let router = Router()
        router.post("/push") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.withLockedValue { $0.append(String(buffer: body)) }
            return .ok
        }
        try await Application(router: router).test(.live) { gateway in
            try await body(try #require(URL(string: "http://127.0.0.1:\(gateway.port!)/push")), received)
        }
    }

    /// Ana, and Ben with a phone registered for push.
    private func benWithPhone(_ client: any TestClientProtocol) async throws -> (SessionBody, SessionBody) {
        let ana = try await client.register("ana")
        let ben = try await client.register("ben")
        let device = try await client.request(.post, "/api/v1/me/push-devices", json: #"{"token":"ExponentPushToken[ben-phone]","platform":"expo"}"#, token: ben.accessToken)
        #expect(device.status == .created)
        return (ana, ben)
    }

    /// Ben follows Ana, an artist, and the notification has reached her socket (so it is in her inbox).
    private func anaFollowedByBen(_ client: any TestClientProtocol, _ port: Int) async throws -> (SessionBody, SessionBody) {
        let ana = try await client.register("ana", role: "artist")
        let ben = try await client.register("ben")
        let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
        _ = try await anaSocket.next("hello")
        #expect(try await client.request(.put, "/api/v1/users/ana/follow", token: ben.accessToken).status == .ok)
        _ = try await anaSocket.next("notification")
        await anaSocket.close()
        return (ana, ben)
    }

    private func unread(_ client: any TestClientProtocol, _ token: String) async throws -> Int {
        try await client.request(.get, "/api/v1/notifications/unread-count", token: token).decode(Schemas.UnreadCount.self).unread
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
