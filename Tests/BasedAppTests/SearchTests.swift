import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Search", .serialized)
struct SearchTests {
    @Test("a misspelt, accent-free artist name finds the artist")
    func misspeltArtist() async throws {
        try await withApp { client, _ in
            try await client.artist("bjork", named: "Björk")
            _ = try await client.artist("bonobo", named: "Bonobo")
            let results = try await client.search("bjrk")
            #expect(results.artists?.items.map(\.username) == ["bjork"])
        }
    }

    @Test("accents, case and punctuation do not matter", arguments: [("sigur ros", "sigur"), ("ac dc", "acdc"), ("AC-DC", "acdc")])
    func normalised(_ query: String, _ username: String) async throws {
        try await withApp { client, _ in
            try await client.artist("sigur", named: "Sigur Rós")
            try await client.artist("acdc", named: "AC/DC")
            #expect(try await client.search(query).artists?.items.first?.username == username)
        }
    }

    @Test("an exact name ranks above names that start with it")
    func exactFirst() async throws {
        try await withApp { client, _ in
            try await client.artist("thundercat", named: "Thundercat")
            try await client.artist("thunder", named: "Thunder")
            #expect(try await client.search("thunder").artists?.items.map(\.username) == ["thunder", "thundercat"])
        }
    }

    @Test("a release is found once public, and leaves when made private or deleted")
    func releaseVisibility() async throws {
        try await withApp { client, _ in
            let artist = try await client.artist("nova", named: "Nova")
            let created = try await client.request(
                .post, "/api/v1/releases", json: #"{"title":"Midnight Harbour","kind":"ep","visibility":"private"}"#, token: artist.accessToken
            ).decode(Schemas.Release.self)
            #expect(try await client.search("midnight harbour", type: "release").releases?.items.isEmpty == true)
            _ = try await client.request(.patch, "/api/v1/releases/\(created.id)", json: #"{"visibility":"public"}"#, token: artist.accessToken)
            #expect(try await client.search("midnigth harbour", type: "release").releases?.items.map(\.id) == [created.id])
            _ = try await client.request(.patch, "/api/v1/releases/\(created.id)", json: #"{"visibility":"unlisted"}"#, token: artist.accessToken)
            #expect(try await client.search("midnight harbour", type: "release").releases?.items.isEmpty == true)
            _ = try await client.request(.patch, "/api/v1/releases/\(created.id)", json: #"{"visibility":"public"}"#, token: artist.accessToken)
            #expect(try await client.request(.delete, "/api/v1/releases/\(created.id)", token: artist.accessToken).status == .noContent)
            #expect(try await client.search("midnight harbour", type: "release").releases?.items.isEmpty == true)
        }
    }

    @Test("an event is found by its title, its venue's name and its city; a cancelled one is not")
    func events() async throws {
        try await withApp { client, _ in
            let (club, event) = try await client.publishBrassNight()
            #expect(try await client.search("brass night").events?.items.map(\.id) == [event.id])
            #expect(try await client.search("leipzig", type: "event").events?.items.map(\.id) == [event.id])
            #expect(try await client.search("club", type: "event").events?.items.map(\.id) == [event.id])
            #expect(try await client.search("club", type: "venue").venues?.items.map(\.username) == ["club"])
            _ = try await client.request(.post, "/api/v1/events/\(event.id)/cancel", token: club.accessToken)
            #expect(try await client.search("brass night").events?.items.isEmpty == true)
        }
    }

    @Test("users blocked either way never appear, to the one who blocked or was blocked")
    func blocks() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let artist = try await client.artist("nova", named: "Nova")
            _ = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Nova Dawn","kind":"single"}"#, token: artist.accessToken)
            #expect(try await client.search("nova", token: ana.accessToken).artists?.items.count == 1)
            #expect(try await client.request(.put, "/api/v1/users/nova/block", token: ana.accessToken).status == .noContent)
            let blocked = try await client.search("nova", token: ana.accessToken)
            #expect(blocked.artists?.items.isEmpty == true)
            #expect(blocked.releases?.items.isEmpty == true)
            #expect(try await client.search("ana", type: "user", token: artist.accessToken).users?.items.isEmpty == true)
            // Others still find both.
            #expect(try await client.search("nova").releases?.items.count == 1)
        }
    }

    @Test("a ready public track is found by its title and by a featured artist")
    func tracks() async throws {
        try await withApp { client, _ in
            let artist = try await client.artist("nova", named: "Nova")
            let audio = try await makeAudio(seconds: 2, tags: ["title": "Harbour Lights (feat. Kendrick Lamar)"])
            let created = try await client.upload(audio, token: artist.accessToken).decode(Schemas.Track.self)
            let track = try await client.waitUntilProcessed(created.id, token: artist.accessToken)
            #expect(track.state == .ready)
            // The processor announces the track once its row says ready, so a
            // reader may see "ready" a moment before the index does.
            #expect(try await client.searchEventually("harbor lights", type: "track") { $0.tracks?.items.map(\.id) == [track.id] })
            #expect(try await client.search("kendrick", type: "track").tracks?.items.map(\.id) == [track.id])
            #expect(try await client.search("nova", type: "track").tracks?.items.map(\.id) == [track.id])
            _ = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"visibility":"private"}"#, token: artist.accessToken)
            #expect(try await client.search("harbour lights", type: "track").tracks?.items.isEmpty == true)
        }
    }

    @Test("a group pages with its cursor, every match once")
    func paging() async throws {
        try await withApp { client, _ in
            for n in 0..<7 { try await client.artist("echo\(n)", named: "Echo \(n)") }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let response = try await client.request(.get, "/api/v1/search?q=echo&type=artist&limit=3\(query)")
                let group = try response.decode(Schemas.SearchResults.self).artists!
                #expect(group.items.count <= 3)
                seen += group.items.map(\.username)
                cursor = group.nextCursor
            } while cursor != nil
            #expect(seen.count == 7)
            #expect(Set(seen).count == 7)
        }
    }

    @Test("suggestions give the best matches of every kind with their match")
    func suggestions() async throws {
        try await withApp { client, _ in
            let artist = try await client.artist("nova", named: "Nova")
            _ = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Nova Dawn","kind":"single"}"#, token: artist.accessToken)
            let response = try await client.request(.get, "/api/v1/search/suggestions?q=nov")
            let items = try response.decode(Schemas.SearchSuggestions.self).items
            #expect(items.map(\.kind) == [.artist, .release])
            #expect(items.first?.title == "Nova")
            #expect(items.first?.match == .prefix)
            #expect(items.last?.subtitle == "Nova")
        }
    }

    @Test("a profile's new name is searchable at once")
    func renamed() async throws {
        try await withApp { client, _ in
            let artist = try await client.artist("nova", named: "Nova")
            _ = try await client.request(.patch, "/api/v1/me", json: #"{"displayName":"Supernova"}"#, token: artist.accessToken)
            #expect(try await client.search("supernova").artists?.items.map(\.username) == ["nova"])
        }
    }

    @Test("a missing, blank or too long query is a 422 problem", arguments: ["", "q=", "q=%20%20", "q=\(String(repeating: "a", count: 201))"])
    func invalidQuery(_ query: String) async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/search?\(query)")
            #expect(response.status == .unprocessableContent || response.status == .badRequest)
            _ = try response.problem()
        }
    }

    @Test("a limit out of range is a 422 problem", arguments: [0, 51])
    func invalidLimit(_ limit: Int) async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/search?q=nova&limit=\(limit)")
            #expect(response.status == .unprocessableContent)
            _ = try response.problem()
        }
    }

    @Test("a cursor without a type, or one made up, is refused")
    func invalidCursor() async throws {
        try await withApp { client, _ in
            let cursor = Data("artist|3".utf8).base64EncodedString()
            let withoutType = try await client.request(.get, "/api/v1/search?q=nova&cursor=" + cursor)
            #expect(withoutType.status == .unprocessableContent)
            let otherGroup = try await client.request(.get, "/api/v1/search?q=nova&type=track&cursor=" + cursor)
            #expect(otherGroup.status == .badRequest)
            let madeUp = try await client.request(.get, "/api/v1/search?q=nova&type=artist&cursor=%25%25")
            #expect(madeUp.status == .badRequest)
        }
    }

    @Test("syntax characters, emoji and right-to-left text are searched as text", arguments: [
        "%22", "*", "NEAR", "%3A", "-", "%25", "_", "%5C", "%F0%9F%8E%B5", "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7", "a%20OR%201%3D1--",
    ])
    func oddQueries(_ encoded: String) async throws {
        try await withApp { client, _ in
            try await client.artist("nova", named: "Nova")
            let response = try await client.request(.get, "/api/v1/search?q=\(encoded)")
            #expect(response.status == .ok)
            #expect(try response.decode(Schemas.SearchResults.self).artists?.items.isEmpty == true)
        }
    }

    @Test("a right-to-left name is found by its own script")
    func rightToLeft() async throws {
        try await withApp { client, _ in
            try await client.artist("fairuz", named: "فيروز")
            #expect(try await client.search("فيروز").artists?.items.map(\.username) == ["fairuz"])
        }
    }
}

extension TestClientProtocol {
    /// Registers an artist and gives it a display name.
    @discardableResult
    func artist(_ username: String, named name: String) async throws -> SessionBody {
        let session = try await register(username, role: "artist")
        let response = try await request(.patch, "/api/v1/me", json: #"{"displayName":\#(jsonString(name))}"#, token: session.accessToken)
        #expect(response.status == .ok)
        return session
    }

    /// Searches until `done` holds (at most 5 s): for things indexed just after their write is visible.
    func searchEventually(_ query: String, type: String? = nil, _ done: (Schemas.SearchResults) -> Bool) async throws -> Bool {
        for _ in 0..<50 {
            if done(try await search(query, type: type)) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func search(_ query: String, type: String? = nil, token: String? = nil) async throws -> Schemas.SearchResults {
        let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let response = try await request(.get, "/api/v1/search?q=\(q)\(type.map { "&type=\($0)" } ?? "")", token: token)
        #expect(response.status == .ok, "search \(query): \(String(buffer: response.body))")
        return try response.decode(Schemas.SearchResults.self)
    }
}
