import BasedAPI
import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Streaming")
struct StreamingTests {
    /// One processed track shared by the checks below, with its owner's token.
    func withReadyTrack(visibility: String = "public", _ body: @escaping @Sendable (any TestClientProtocol, AppServices, String, SessionBody) async throws -> Void) async throws {
        let audio = try await makeAudio(seconds: 7, format: "wav")
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken, query: "visibility=\(visibility)").decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            try await body(client, services, track.id, ana)
        }
    }

    @Test("the client profile picks the codec; format and maxBitRate win")
    func renditionChoice() async throws {
        try await withReadyTrack { client, _, id, _ in
            let cases: [(String, HTTPFields, String)] = [
                ("", [.userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"], "audio/mp4"),
                ("", [.userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"], "audio/ogg; codecs=opus"),
                ("", [.userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"], "audio/mp4"),
                ("?format=mp3", [.userAgent: "AppleCoreMedia/1.0"], "audio/mpeg"),
                ("?format=original", [:], "audio/wav"),
            ]
            for (query, headers, type) in cases {
                let response = try await client.request(.get, "/api/v1/tracks/\(id)/stream\(query)", headers: headers)
                #expect(response.status == .ok, "\(query) \(headers)")
                #expect(response.headers[.contentType] == type, "\(query) \(headers)")
                #expect(response.headers[.acceptRanges] == "bytes")
                #expect(Int(response.headers[.contentLength] ?? "") == response.body.readableBytes)
            }
            let low = try await client.request(.get, "/api/v1/tracks/\(id)/stream?format=aac&maxBitRate=100")
            let high = try await client.request(.get, "/api/v1/tracks/\(id)/stream?format=aac")
            #expect(low.body.readableBytes < high.body.readableBytes)
            for bad in ["format=flac", "maxBitRate=-3", "maxBitRate=lots"] {
                let response = try await client.request(.get, "/api/v1/tracks/\(id)/stream?\(bad)")
                #expect(response.status == .unprocessableContent, "\(bad)")
                _ = try response.problem()
            }
        }
    }

    @Test("byte ranges: single, open-ended, suffix, past the end, malformed, If-Range, If-None-Match, HEAD")
    func ranges() async throws {
        try await withReadyTrack { client, _, id, _ in
            let uri = "/api/v1/tracks/\(id)/stream?format=mp3"
            let full = try await client.request(.get, uri)
            let bytes = Array(buffer: full.body)
            let size = bytes.count
            let etag = try #require(full.headers[.eTag])
            #expect(full.headers[.lastModified] != nil)

            let single = try await client.request(.get, uri, headers: [.range: "bytes=10-19"])
            #expect(single.status == .partialContent)
            #expect(single.headers[.contentRange] == "bytes 10-19/\(size)")
            #expect(Array(buffer: single.body) == Array(bytes[10...19]))

            let open = try await client.request(.get, uri, headers: [.range: "bytes=\(size - 5)-"])
            #expect(Array(buffer: open.body) == Array(bytes[(size - 5)...]))

            let suffix = try await client.request(.get, uri, headers: [.range: "bytes=-7"])
            #expect(suffix.headers[.contentRange] == "bytes \(size - 7)-\(size - 1)/\(size)")
            #expect(Array(buffer: suffix.body) == Array(bytes[(size - 7)...]))

            let clamped = try await client.request(.get, uri, headers: [.range: "bytes=\(size - 2)-\(size + 100)"])
            #expect(clamped.headers[.contentRange] == "bytes \(size - 2)-\(size - 1)/\(size)")

            let past = try await client.request(.get, uri, headers: [.range: "bytes=\(size)-"])
            #expect(past.status == .rangeNotSatisfiable)
            #expect(past.headers[.contentRange] == "bytes */\(size)")
            #expect(try past.problem().code == "range_not_satisfiable")

            for malformed in ["bytes=abc", "items=0-5", "bytes=9-3", "bytes=0-1,5-9", "bytes=--1", "bytes=99999999999999999999999-"] {
                let response = try await client.request(.get, uri, headers: [.range: malformed])
                #expect(response.status == .ok, "\(malformed)")
                #expect(response.body.readableBytes == size)
            }

            let staleIfRange = try await client.request(.get, uri, headers: [.range: "bytes=0-9", .ifRange: "\"old\""])
            #expect(staleIfRange.status == .ok)
            let freshIfRange = try await client.request(.get, uri, headers: [.range: "bytes=0-9", .ifRange: etag])
            #expect(freshIfRange.status == .partialContent)
            let notModified = try await client.request(.get, uri, headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)

            let head = try await client.request(.head, uri)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(size))
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test("HLS: master, media playlists and segments; names outside the ladder are not found")
    func hls() async throws {
        try await withReadyTrack { client, _, id, _ in
            let master = try await client.request(.get, "/api/v1/tracks/\(id)/hls/master.m3u8")
            #expect(master.status == .ok)
            #expect(master.headers[.contentType] == "application/vnd.apple.mpegurl")
            let variants = String(buffer: master.body).split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(variants == ["64k/index.m3u8", "128k/index.m3u8", "256k/index.m3u8"])
            let media = String(buffer: try await client.request(.get, "/api/v1/tracks/\(id)/hls/128k/index.m3u8").body)
            let segments = media.split(separator: "\n").filter { $0.hasSuffix(".m4s") }
            #expect(segments.count >= 2)
            // The first segment is short so playback starts at once.
            let firstDuration = media.split(separator: "\n").first { $0.hasPrefix("#EXTINF:") }.flatMap { Double($0.dropFirst(8).prefix { $0 != "," }) }
            #expect((firstDuration ?? 99) <= 2.5)
            let initName = try #require(media.split(separator: "\"").first { $0.hasSuffix(".mp4") })
            #expect(try await client.request(.get, "/api/v1/tracks/\(id)/hls/128k/\(initName)").status == .ok)
            let segment = try await client.request(.get, "/api/v1/tracks/\(id)/hls/128k/\(segments[0])", headers: [.range: "bytes=0-99"])
            #expect(segment.status == .partialContent)
            for bad in ["hls/999k/index.m3u8", "hls/128k/..%2F..%2F..%2Fsecrets", "hls/128k/seg-1.m4s", "hls/..%2Fmaster.m3u8", "hls/128k/%E2%80%AEseg-00000.m4s"] {
                let response = try await client.request(.get, "/api/v1/tracks/\(id)/\(bad)")
                #expect(response.status == .notFound, "\(bad)")
            }
        }
    }

    @Test("private tracks: only the owner, or a signed link the owner made; links expire and can't be forged")
    func privateTracks() async throws {
        try await withReadyTrack(visibility: "private") { client, services, id, ana in
            let bob = try await client.register("bob")
            for path in ["stream", "hls/master.m3u8", "hls/128k/index.m3u8", "hls/128k/seg-00000.m4s"] {
                #expect(try await client.request(.get, "/api/v1/tracks/\(id)/\(path)").status == .notFound, "\(path)")
                #expect(try await client.request(.get, "/api/v1/tracks/\(id)/\(path)", token: bob.accessToken).status == .notFound, "\(path)")
                #expect(try await client.request(.get, "/api/v1/tracks/\(id)/\(path)", token: ana.accessToken).status == .ok, "\(path)")
            }
            #expect(try await client.request(.post, "/api/v1/tracks/\(id)/stream-url", token: bob.accessToken).status == .notFound)
            let link = try await client.request(.post, "/api/v1/tracks/\(id)/stream-url", token: ana.accessToken).decode(Schemas.StreamLink.self)
            #expect(try await client.request(.get, link.url).status == .ok)
            let master = try await client.request(.get, link.hlsUrl)
            #expect(master.status == .ok)
            // Every URI in a signed playlist carries the signature on.
            let variant = try #require(String(buffer: master.body).split(separator: "\n").first { $0.hasPrefix("128k/") })
            #expect(variant.contains("sig="))
            let media = try await client.request(.get, "/api/v1/tracks/\(id)/hls/\(variant)")
            #expect(media.status == .ok)
            let segment = try #require(String(buffer: media.body).split(separator: "\n").first { $0.hasPrefix("seg-") })
            #expect(try await client.request(.get, "/api/v1/tracks/\(id)/hls/128k/\(segment)").status == .ok)

            let forged = link.url.replacingOccurrences(of: "sig=", with: "sig=x")
            #expect(try await client.request(.get, forged).status == .forbidden)
            let expired = services.signer.sign(track: UUID(uuidString: id)!, lifetime: .seconds(-10))
            let old = try await client.request(.get, "/api/v1/tracks/\(id)/stream?exp=\(expired.expires)&sig=\(expired.signature)")
            #expect(old.status == .forbidden)
            #expect(try old.problem().code == "invalid_signature")
            // A link for one track does not open another.
            let other = link.url.replacingOccurrences(of: id, with: UUID().uuidString.lowercased())
            #expect(try await client.request(.get, other).status == .forbidden)
        }
    }

    /// Ana's ready private track and her ready public one, for lists asked for by Ana, Bob and no one.
    func withPrivateAndPublicTrack(_ body: @escaping @Sendable (any TestClientProtocol, _ hidden: String, _ shown: String, _ ana: SessionBody, _ bob: SessionBody) async throws -> Void) async throws {
        try await withReadyTrack(visibility: "private") { client, _, hidden, ana in
            let bob = try await client.register("bob")
            let shown = try await client.upload(try await makeAudio(seconds: 3, format: "wav"), token: ana.accessToken).decode(TrackBody.self).id
            #expect(try await client.waitForProcessing(shown, token: ana.accessToken).state == "ready")
            try await body(client, hidden, shown, ana, bob)
        }
    }

    @Test("links for a whole list in one call: ready tracks the caller may play, in the order asked, once each; bad lists are refused")
    func batchLinks() async throws {
        try await withPrivateAndPublicTrack { client, hidden, shown, ana, bob in
            let unknown = UUID().uuidString.lowercased()
            let asked = #"{"trackIds":["\#(shown)","\#(hidden)","\#(unknown)","\#(shown.uppercased())"]}"#
            // Others see the public track only, once; the owner also their private one.
            for token in [bob.accessToken, nil] {
                let links = try await client.request(.post, "/api/v1/stream-urls", json: asked, token: token).decode(Schemas.StreamLinkList.self)
                #expect(links.items.map(\.trackId) == [shown])
            }
            let own = try await client.request(.post, "/api/v1/stream-urls", json: asked, token: ana.accessToken).decode(Schemas.StreamLinkList.self)
            #expect(own.items.map(\.trackId) == [shown, hidden])
            // Each link plays without a session, and is for its own track only.
            for item in own.items {
                #expect(item.url.hasPrefix("/api/v1/tracks/\(item.trackId)/stream?"))
                #expect(try await client.request(.get, item.url + "&format=mp3").status == .ok)
                #expect(try await client.request(.get, item.hlsUrl).status == .ok)
                #expect(item.expiresAt > Date().addingTimeInterval(5 * 3600))
            }
            let hundredOne = "[" + (0...100).map { _ in "\"\(UUID().uuidString)\"" }.joined(separator: ",") + "]"
            let refused: [(String, String)] = [
                (#"{"trackIds":[]}"#, "trackIds"),
                (#"{"trackIds":\#(hundredOne)}"#, "trackIds"),
                (#"{"trackIds":["\#(shown)","nope"]}"#, "trackIds[1]"),
            ]
            for (body, field) in refused {
                let response = try await client.request(.post, "/api/v1/stream-urls", json: body, token: bob.accessToken)
                #expect(response.status == .unprocessableContent, "\(body.prefix(40))")
                #expect(try response.problem().fields?.map(\.field) == [field], "\(body.prefix(40))")
            }
            // Not the shape asked for is 422, not JSON at all 400: a problem either way.
            for (body, status) in [(#"{"trackIds":"\#(shown)"}"#, HTTPResponse.Status.unprocessableContent), ("{}", .unprocessableContent), ("not json", .badRequest)] {
                let response = try await client.request(.post, "/api/v1/stream-urls", json: body, token: bob.accessToken)
                #expect(response.status == status, "\(body)")
                _ = try response.problem()
            }
        }
    }

    @Test("tracks by id in one call: those the caller may see, in the order asked, once each; bad lists are refused")
    func lookupTracks() async throws {
        try await withPrivateAndPublicTrack { client, hidden, shown, ana, bob in
            let ids = [hidden, shown, UUID().uuidString.lowercased(), shown].joined(separator: ",")
            for token in [bob.accessToken, nil] {
                let page = try await client.request(.get, "/api/v1/tracks?ids=\(ids)", token: token).decode(Schemas.TrackPage.self)
                #expect(page.items.map(\.id) == [shown])
                #expect(page.items.first?.artist.username == "ana" && page.nextCursor == nil)
            }
            let own = try await client.request(.get, "/api/v1/tracks?ids=\(ids)", token: ana.accessToken).decode(Schemas.TrackPage.self)
            #expect(own.items.map(\.id) == [hidden, shown])
            #expect(own.items.first?.visibility.rawValue == "private")
            let hundredOne = (0...100).map { _ in UUID().uuidString }.joined(separator: ",")
            for (query, field) in [("", "ids[0]"), (hundredOne, "ids"), ("\(shown),nope", "ids[1]"), ("\(shown),,\(hidden)", "ids[1]")] {
                let response = try await client.request(.get, "/api/v1/tracks?ids=\(query)", token: bob.accessToken)
                #expect(response.status == .unprocessableContent, "\(query.prefix(40))")
                #expect(try response.problem().fields?.map(\.field) == [field], "\(query.prefix(40))")
            }
            let missing = try await client.request(.get, "/api/v1/tracks", token: bob.accessToken)
            #expect(missing.status == .badRequest)
            _ = try missing.problem()
        }
    }

    @Test("a track still processing is hidden from others; its owner hears it live but gets no HLS yet")
    func notReady() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp({ $0.workers = 0 }) { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)").status == .notFound)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)/stream").status == .notFound)
            let own = try await client.request(.get, "/api/v1/tracks/\(track.id)/stream", token: ana.accessToken)
            #expect(own.status == .ok)
            #expect(own.body.readableBytes > 1000)
            let hls = try await client.request(.get, "/api/v1/tracks/\(track.id)/hls/master.m3u8", token: ana.accessToken)
            #expect(hls.status == .conflict)
            #expect(try hls.problem().code == "track_not_ready")
        }
    }

    @Test("play events are idempotent, counted per track, and ignored for tracks one cannot see")
    func plays() async throws {
        try await withReadyTrack { client, _, id, ana in
            let fan = try await client.register("fan")
            let batch = """
                {"events":[
                  {"playId":"p1","trackId":"\(id)","event":"start","positionSeconds":0,"at":"2026-01-01T10:00:00Z"},
                  {"playId":"p1","trackId":"\(id)","event":"progress","positionSeconds":3.5,"at":"2026-01-01T10:00:03Z"},
                  {"playId":"p1","trackId":"\(id)","event":"complete","positionSeconds":7,"at":"2026-01-01T10:00:07Z"},
                  {"playId":"p2","trackId":"\(id)","event":"skip","positionSeconds":1,"at":"2026-01-01T11:00:00Z"},
                  {"playId":"p3","trackId":"\(UUID().uuidString)","event":"start","positionSeconds":0,"at":"2026-01-01T11:00:00Z"}
                ]}
                """
            for _ in 0..<2 {
                let response = try await client.request(.post, "/api/v1/plays", json: batch, token: fan.accessToken)
                #expect(response.status == .ok)
                // The contract declares this answer inline, so its type is the operation's own rather than a component schema.
                #expect(try response.decode(Operations.ReportPlays.Output.Ok.Body.JsonPayload.self).accepted == 4)
            }
            _ = try await client.request(.post, "/api/v1/plays", json: #"{"events":[{"playId":"a1","trackId":"\#(id)","event":"start","positionSeconds":0,"at":"2026-01-02T10:00:00Z"}]}"#, token: ana.accessToken)
            let track = try await client.request(.get, "/api/v1/tracks/\(id)").decode(TrackBody.self)
            #expect(track.playCount == 3)
            #expect(track.listenerCount == 2)

            let invalid = try await client.request(.post, "/api/v1/plays", json: #"{"events":[{"playId":"","trackId":"\#(id)","event":"start","positionSeconds":-1,"at":"2026-01-02T10:00:00Z"}]}"#, token: fan.accessToken)
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(try invalid.problem().fields?.map(\.field) ?? []) == ["events[0].playId", "events[0].positionSeconds"])
            #expect(try await client.request(.post, "/api/v1/plays", json: batch).status == .unauthorized)
        }
    }
}
