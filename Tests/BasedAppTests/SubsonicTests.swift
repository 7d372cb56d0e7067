import BasedAPI
@testable import BasedApp
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The OpenSubsonic API at /rest through the real router: authentication
/// with every scheme, the error codes, and the calls that touch the rest of
/// Based (likes, plays, playlists). scripts/test-subsonic.sh drives the same
/// API through a real Subsonic client library.
@Suite("Subsonic API", .serialized)
struct SubsonicTests {
    // MARK: The envelope

    @Test("XML escapes user text and JSON keeps types; lists are arrays in JSON even with one item")
    func rendering() throws {
        var song = SubsonicNode("song")
        song.set("title", #"<b>"Fish" & 'Chips'</b>"#)
        song.set("duration", 181)
        song.set("isDir", false)
        var list = SubsonicNode("randomSongs")
        list.add("song", list: [song])
        let xml = SubsonicFormat.xml.text(status: "ok", payload: .one(list))
        #expect(xml.contains(#"title="&lt;b&gt;&quot;Fish&quot; &amp; &apos;Chips&apos;&lt;/b&gt;""#))
        #expect(xml.contains(#"<subsonic-response xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1""#))
        let json = try Self.object(SubsonicFormat.json.text(status: "ok", payload: .one(list)))
        let songs = try #require(((json["randomSongs"] as? [String: Any])?["song"]) as? [[String: Any]])
        #expect(songs.count == 1)
        #expect(songs[0]["duration"] as? Int == 181)
        #expect(songs[0]["isDir"] as? Bool == false)
        #expect(json["openSubsonic"] as? Bool == true)
    }

    // MARK: Authentication

    @Test("without credentials a call is error 10 in an HTTP 200; getOpenSubsonicExtensions needs none")
    func missingCredentials() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/rest/ping.view?f=json&v=1.16.1&c=test")
            #expect(response.status == .ok)
            #expect(try Self.error(response) == 10)
            let extensions = try Self.payload(try await client.request(.get, "/rest/getOpenSubsonicExtensions?f=json"))
            let names = (extensions["openSubsonicExtensions"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(((extensions["openSubsonicExtensions"] as? [[String: Any]])?.first?["versions"] as? [Int]) == [1])
            #expect(Set(names) == ["formPost", "apiKeyAuthentication", "transcodeOffset"])
        }
    }

    @Test("an app password works with p=, enc: and t+s; a wrong one is 40; a revoked one is 40")
    func appPassword() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let made = try await client.request(.post, "/api/v1/me/app-passwords", json: #"{"name":"Symfonium"}"#, token: ana.accessToken)
            #expect(made.status == .created)
            let secret = try made.decode(Schemas.NewAppPassword.self)
            let hex = secret.secret.utf8.map { String(format: "%02x", $0) }.joined()
            let salt = "c19b2d"
            let token = Insecure.MD5.hash(data: Data((secret.secret + salt).utf8)).map { String(format: "%02x", $0) }.joined()
            for auth in ["p=\(secret.secret)", "p=enc:\(hex)", "t=\(token)&s=\(salt)"] {
                #expect(try Self.status(try await client.request(.get, "/rest/ping?u=ana&\(auth)&f=json")) == "ok", "\(auth)")
            }
            #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&p=wrong-password&f=json")) == 40)
            let list = try await client.request(.get, "/api/v1/me/app-passwords", token: ana.accessToken).decode(Schemas.AppPasswordList.self)
            #expect(list.items.map(\.name) == ["Symfonium"])
            #expect(try await client.request(.delete, "/api/v1/me/app-passwords/\(secret.id)", token: ana.accessToken).status == .noContent)
            #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&t=\(token)&s=\(salt)&f=json")) == 41)
            #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&p=\(secret.secret)&f=json")) == 40)
        }
    }

    @Test("the account password works with p= only; token auth for it is 41")
    func accountPassword() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let password = "correct%20horse%20battery"
            #expect(try Self.status(try await client.request(.get, "/rest/ping?u=ana&p=\(password)&f=json")) == "ok")
            let token = Insecure.MD5.hash(data: Data("correct horse batteryabcdef".utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&t=\(token)&s=abcdef&f=json")) == 41)
        }
    }

    @Test("an API key authenticates alone; with u it is 43, a wrong key 44, jwt 42")
    func apiKey() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let key = try await client.request(.post, "/api/v1/me/app-passwords", json: #"{"name":"Feishin","kind":"apiKey"}"#, token: ana.accessToken)
                .decode(Schemas.NewAppPassword.self).secret
            let user = try Self.payload(try await client.request(.get, "/rest/getUser?apiKey=\(key)&f=json"))
            #expect((user["user"] as? [String: Any])?["username"] as? String == "ana")
            #expect(try Self.error(try await client.request(.get, "/rest/ping?apiKey=\(key)&u=ana&f=json")) == 43)
            #expect(try Self.error(try await client.request(.get, "/rest/ping?apiKey=based_nothing&f=json")) == 44)
            #expect(try Self.error(try await client.request(.get, "/rest/ping?jwt=abc&f=json")) == 42)
            #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&p=x&t=y&s=z&f=json")) == 43)
        }
    }

    @Test("wrong passwords use up sign-in attempts: past the limit even the right one is refused")
    func wrongPasswordsAreLimited() async throws {
        try await withApp({ $0.authAttemptsPerMinute = 3 }) { client, _ in
            _ = try await client.register("ana")
            for _ in 0..<3 { #expect(try Self.error(try await client.request(.get, "/rest/ping?u=ana&p=nope-nope&f=json")) == 40) }
            let refused = try Self.object(String(buffer: try await client.request(.get, "/rest/ping?u=ana&p=correct%20horse%20battery&f=json").body))
            #expect((refused["error"] as? [String: Any])?["code"] as? Int == 40)
            #expect(((refused["error"] as? [String: Any])?["message"] as? String)?.contains("Too many") == true)
        }
    }

    // MARK: Errors

    @Test("an unknown call is error 0, not an HTTP 404; bad sizes and types are error 10")
    func badCalls() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let auth = "u=ana&p=correct%20horse%20battery&f=json"
            let unknown = try await client.request(.get, "/rest/getPodcasts.view?\(auth)")
            #expect(unknown.status == .ok)
            #expect(try Self.error(unknown) == 0)
            #expect(try Self.error(try await client.request(.get, "/rest/getAlbumList2?type=newest&size=-1&\(auth)")) == 10)
            #expect(try Self.error(try await client.request(.get, "/rest/getAlbumList2?type=newest&size=100000&\(auth)")) == 10)
            #expect(try Self.error(try await client.request(.get, "/rest/getAlbumList2?type=loudest&\(auth)")) == 10)
            #expect(try Self.error(try await client.request(.get, "/rest/getAlbumList2?\(auth)")) == 10)
            #expect(try Self.error(try await client.request(.get, "/rest/getSong?id=1&id=2&\(auth)")) == 10)
            // XML by default.
            let xml = String(buffer: try await client.request(.get, "/rest/getSong?id=\(UUID())&u=ana&p=correct%20horse%20battery").body)
            #expect(xml.contains(#"status="failed""#) && xml.contains(#"code="70""#))
        }
    }

    @Test("another artist's private song is not found (70), and an album id is not a song")
    func privateAndWrongKind() async throws {
        try await withApp { client, _ in
            let (artist, track) = try await client.albumTrack()
            let album = try #require(track.releaseId)
            _ = try await client.register("ana")
            let auth = "u=ana&p=correct%20horse%20battery&f=json"
            #expect(try Self.status(try await client.request(.get, "/rest/getSong?id=\(track.id)&\(auth)")) == "ok")
            #expect(try Self.error(try await client.request(.get, "/rest/getSong?id=\(album)&\(auth)")) == 70)
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            #expect(try Self.error(try await client.request(.get, "/rest/getSong?id=\(track.id)&\(auth)")) == 70)
            #expect(try Self.error(try await client.request(.get, "/rest/stream?id=\(track.id)&\(auth)")) == 70)
            // Its artist still gets it.
            #expect(try Self.status(try await client.request(.get, "/rest/getSong?id=\(track.id)&u=nova&p=correct%20horse%20battery&f=json")) == "ok")
        }
    }

    // MARK: What apps do

    @Test("browse by tags: the artist, the album and its song")
    func browse() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.albumTrack()
            _ = try await client.register("ana")
            let auth = "u=ana&p=correct%20horse%20battery&f=json"
            let artists = try Self.payload(try await client.request(.get, "/rest/getArtists?\(auth)"))
            let index = try #require((artists["artists"] as? [String: Any])?["index"] as? [[String: Any]])
            let artist = try #require((index.first?["artist"] as? [[String: Any]])?.first)
            #expect(artist["name"] as? String == "nova")
            let albums = try Self.payload(try await client.request(.get, "/rest/getArtist?id=\(artist["id"] as! String)&\(auth)"))
            let album = try #require(((albums["artist"] as? [String: Any])?["album"] as? [[String: Any]])?.first)
            #expect(album["songCount"] as? Int == 1)
            let songs = try Self.payload(try await client.request(.get, "/rest/getAlbum?id=\(album["id"] as! String)&\(auth)"))
            let song = try #require(((songs["album"] as? [String: Any])?["song"] as? [[String: Any]])?.first)
            #expect(song["id"] as? String == track.id)
            #expect(song["title"] as? String == "Harbour Lights")
            #expect(song["duration"] as? Int == 2)
        }
    }

    @Test("stream never counts a play; a scrobble counts once, even sent twice, with source subsonic")
    func scrobble() async throws {
        try await withApp { client, services in
            let (_, track) = try await client.readyTrack()
            _ = try await client.register("ana")
            let auth = "u=ana&p=correct%20horse%20battery&f=json"
            let stream = try await client.request(.get, "/rest/stream?id=\(track.id)&format=mp3&\(auth)")
            #expect(stream.status == .ok && stream.headers[.contentType] == "audio/mpeg")
            #expect(try await rowCount("plays", services) == 0)
            for _ in 0..<2 {
                #expect(try Self.status(try await client.request(.get, "/rest/scrobble?id=\(track.id)&time=1764500000000&\(auth)")) == "ok")
            }
            #expect(try await rowCount("plays", services) == 1)
            let song = try Self.payload(try await client.request(.get, "/rest/getSong?id=\(track.id)&\(auth)"))
            #expect((song["song"] as? [String: Any])?["playCount"] as? Int == 1)
            let ana = try await client.signIn("ana")
            let history = try await client.request(.get, "/api/v1/me/history", token: ana.accessToken).decode(Schemas.HistoryPage.self)
            #expect(history.items.map(\.source?.rawValue) == ["subsonic"])
        }
    }

    @Test("star likes the song in the web app's library; playlists made in an app are the web app's")
    func starAndPlaylists() async throws {
        try await withApp { client, _ in
            let (_, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let auth = "u=ana&p=correct%20horse%20battery&f=json"
            #expect(try Self.status(try await client.request(.get, "/rest/star?id=\(track.id)&\(auth)")) == "ok")
            let liked = try await client.request(.get, "/api/v1/me/likes/tracks", token: ana.accessToken).decode(Schemas.LikePage.self)
            #expect(liked.items.map(\.track?.id) == [track.id])
            let starred = try Self.payload(try await client.request(.get, "/rest/getStarred2?\(auth)"))
            #expect(((starred["starred2"] as? [String: Any])?["song"] as? [[String: Any]])?.first?["starred"] != nil)
            let made = try Self.payload(try await client.request(.get, "/rest/createPlaylist?name=Night%20bus&songId=\(track.id)&\(auth)"))
            let playlist = try #require(made["playlist"] as? [String: Any])
            #expect(playlist["songCount"] as? Int == 1)
            let id = try #require(playlist["id"] as? String)
            let view = try await client.request(.get, "/api/v1/playlists/\(id)", token: ana.accessToken)
            #expect(view.status == .ok)
            #expect(try Self.status(try await client.request(.get, "/rest/updatePlaylist?playlistId=\(id)&songIndexToRemove=0&\(auth)")) == "ok")
            #expect(try Self.error(try await client.request(.get, "/rest/updatePlaylist?playlistId=\(id)&songIndexToRemove=5&\(auth)")) == 10)
            let after = try Self.payload(try await client.request(.get, "/rest/getPlaylist?id=\(id)&\(auth)"))
            #expect((after["playlist"] as? [String: Any])?["songCount"] as? Int == 0)
            // Another listener cannot change or delete it.
            _ = try await client.register("bob")
            #expect(try Self.error(try await client.request(.get, "/rest/deletePlaylist?id=\(id)&u=bob&p=correct%20horse%20battery&f=json")) == 70)
        }
    }

    @Test("form posts carry the same parameters as a query")
    func formPost() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let response = try await client.execute(
                uri: "/rest/ping.view", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: .init(string: "u=ana&p=correct+horse+battery&f=json&v=1.16.1&c=test")
            )
            #expect(try Self.status(response) == "ok")
        }
    }

    // MARK: Reading answers

    static func object(_ text: String) throws -> [String: Any] {
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(root?["subsonic-response"] as? [String: Any], "not a Subsonic answer: \(text)")
    }

    static func payload(_ response: TestResponse) throws -> [String: Any] {
        #expect(response.status == .ok)
        let body = try object(String(buffer: response.body))
        #expect(body["status"] as? String == "ok", "\(body)")
        return body
    }

    static func status(_ response: TestResponse) throws -> String? {
        try object(String(buffer: response.body))["status"] as? String
    }

    static func error(_ response: TestResponse) throws -> Int? {
        #expect(response.status == .ok)
        let body = try object(String(buffer: response.body))
        #expect(body["status"] as? String == "failed")
        return (body["error"] as? [String: Any])?["code"] as? Int
    }
}

extension TestClientProtocol {
    /// An artist and one public track of theirs on an album, processed and ready.
    func albumTrack(_ username: String = "nova") async throws -> (SessionBody, Schemas.Track) {
        let artist = try await register(username, role: "artist")
        let audio = try await makeAudio(seconds: 2, tags: ["title": "Harbour Lights", "album": "Night Ferry", "genre": "Ambient"])
        let created = try await upload(audio, token: artist.accessToken).decode(Schemas.Track.self)
        let track = try await waitUntilProcessed(created.id, token: artist.accessToken)
        #expect(track.state == .ready)
        return (artist, track)
    }
}
