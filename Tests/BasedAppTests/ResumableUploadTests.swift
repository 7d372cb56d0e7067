import BasedAPI
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Uploads the way browsers and phones need them: multipart forms, and tus 1.0
/// resumable uploads that go on after the connection breaks.
@Suite(.serialized)
struct ResumableUploadTests {
    static let tus: HTTPFields = [HTTPField.Name("Tus-Resumable")!: "1.0.0"]

    static func headers(_ token: String, _ extra: [String: String] = [:]) -> HTTPFields {
        var fields = tus
        fields[.authorization] = "Bearer \(token)"
        for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    static func metadata(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    /// Makes an upload of `length` bytes; its path.
    static func create(_ client: some TestClientProtocol, _ token: String, length: Int, metadata: String? = nil) async throws -> String {
        var extra = ["Upload-Length": String(length)]
        if let metadata { extra["Upload-Metadata"] = metadata }
        let made = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: headers(token, extra), body: nil)
        #expect(made.status == .created, "\(String(buffer: made.body))")
        #expect(made.headers[HTTPField.Name("Tus-Resumable")!] == "1.0.0")
        #expect(made.headers[HTTPField.Name("Upload-Expires")!]?.hasSuffix("GMT") == true)
        return try #require(made.headers[.location])
    }

    static func patch(_ client: some TestClientProtocol, _ token: String, _ path: String, offset: Int, _ bytes: some Collection<UInt8>) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .patch,
            headers: headers(token, ["Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"]),
            body: ByteBuffer(bytes: Array(bytes))
        )
    }

    static func offset(_ client: some TestClientProtocol, _ token: String, _ path: String) async throws -> Int? {
        let head = try await client.execute(uri: path, method: .head, headers: headers(token), body: nil)
        guard head.status == .ok else { return nil }
        #expect(head.headers[.cacheControl] == "no-store")
        return head.headers[HTTPField.Name("Upload-Offset")!].flatMap(Int.init)
    }

    static func files(_ services: AppServices) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: services.uploads.directory.path)) ?? []
    }

    @Test("tus: OPTIONS says what the server speaks; a file sent in three PATCHes becomes a ready track with its metadata")
    func threePatches() async throws {
        try await withApp { client, services in
            let options = try await client.execute(uri: "/api/v1/uploads", method: .options, headers: [:], body: nil)
            #expect(options.status == .noContent)
            #expect(options.headers[HTTPField.Name("Tus-Version")!] == "1.0.0")
            #expect(options.headers[HTTPField.Name("Tus-Extension")!] == "creation,expiration,termination")
            #expect(options.headers[HTTPField.Name("Tus-Max-Size")!] == String(services.configuration.maxUploadBytes))

            let artist = try await client.register("deejay", role: "artist")
            let audio = try await makeAudio(seconds: 3, format: "wav")
            let path = try await Self.create(
                client, artist.accessToken, length: audio.count,
                metadata: Self.metadata([("filename", "long mix.wav"), ("title", "Long Mix – Part 1"), ("visibility", "unlisted")])
            )
            #expect(try await Self.offset(client, artist.accessToken, path) == 0)
            let cuts = [0, audio.count / 3, 2 * audio.count / 3, audio.count]
            var trackID: String?
            for (start, end) in zip(cuts, cuts.dropFirst()) {
                let answer = try await Self.patch(client, artist.accessToken, path, offset: start, audio[start..<end])
                #expect(answer.status == .noContent, "\(String(buffer: answer.body))")
                #expect(answer.headers[HTTPField.Name("Upload-Offset")!] == String(end))
                trackID = answer.headers[HTTPField.Name("Based-Track-Id")!]
                if end < audio.count { #expect(trackID == nil) }
            }
            let id = try #require(trackID)
            let head = try await client.execute(uri: path, method: .head, headers: Self.headers(artist.accessToken), body: nil)
            #expect(head.headers[HTTPField.Name("Based-Track-Id")!] == id)
            let track = try await client.waitUntilProcessed(id, token: artist.accessToken)
            #expect(track.state == .ready)
            #expect(track.title == "Long Mix – Part 1")
            #expect(track.visibility == .unlisted)
            #expect(track.originalFilename == "long mix.wav")
            #expect(Self.files(services).isEmpty, "the upload's bytes became the original")
            // A finished upload takes no more bytes.
            let more = try await Self.patch(client, artist.accessToken, path, offset: audio.count, [1, 2, 3])
            #expect(more.status == .conflict && String(buffer: more.body).contains("upload_finished"))
        }
    }

    @Test("tus: a PATCH cut off by the network keeps what arrived; the client asks the offset and finishes from there")
    func cutOff() async throws {
        try await withLiveApp { client, port, services in
            let artist = try await client.register("deejay", role: "artist")
            let audio = try await makeAudio(seconds: 3, format: "wav")
            let path = try await Self.create(client, artist.accessToken, length: audio.count)
            let sent = audio.count / 2
            // A phone going into a tunnel: the PATCH promises the whole file, sends half, and the connection drops.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            let head = "PATCH \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(artist.accessToken)\r\nTus-Resumable: 1.0.0\r\n"
                + "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: \(audio.count)\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: head))
            try await channel.writeAndFlush(ByteBuffer(bytes: audio[0..<sent]))
            // While it is sending, a second PATCH is refused: one writer at a time.
            var busy: TestResponse?
            for _ in 0..<200 {
                let second = try await Self.patch(client, artist.accessToken, path, offset: 0, audio[0..<10])
                if second.status.code == 423 { busy = second; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(busy.map { String(buffer: $0.body).contains("upload_busy") } == true)
            try await channel.close()

            // The server records what arrived once it sees the connection end.
            var held: Int?
            for _ in 0..<500 {
                held = try await Self.offset(client, artist.accessToken, path)
                if held == sent { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(held == sent)
            // Resuming at a wrong offset is refused and changes nothing.
            let wrong = try await Self.patch(client, artist.accessToken, path, offset: 0, audio[0..<sent])
            #expect(wrong.status == .conflict && String(buffer: wrong.body).contains("offset_mismatch"))
            var rest: TestResponse?
            for _ in 0..<300 {
                rest = try await Self.patch(client, artist.accessToken, path, offset: sent, audio[sent...])
                if rest?.status.code != 423 { break }   // the cut-off PATCH's hold ends as the server finishes it
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(rest?.status == .noContent, "\(rest.map { String(buffer: $0.body) } ?? "")")
            let id = try #require(rest?.headers[HTTPField.Name("Based-Track-Id")!])
            let track = try await client.waitUntilProcessed(id, token: artist.accessToken)
            #expect(track.state == .ready)
            // The stored original is the whole file, byte for byte.
            let original = try await client.execute(uri: "/api/v1/tracks/\(id)/stream?format=original", method: .get, headers: [.authorization: "Bearer \(artist.accessToken)"], body: nil)
            #expect(Array(original.body.readableBytesView) == audio)
            _ = services
        }
    }

    @Test("tus bad input: a precise 4xx each, and nothing changes")
    func badInput() async throws {
        try await withApp { client, services in
            let artist = try await client.register("deejay", role: "artist")
            let other = try await client.register("other", role: "artist")
            let listener = try await client.register("fan")
            let token = artist.accessToken

            // No Tus-Resumable, or another version.
            let unversioned = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: [.authorization: "Bearer \(token)", HTTPField.Name("Upload-Length")!: "10"], body: nil)
            #expect(unversioned.status == .preconditionFailed && unversioned.headers[HTTPField.Name("Tus-Version")!] == "1.0.0")
            // No session, a listener, no length, a deferred length, 0 bytes, past the cap.
            let anonymous = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: Self.tus + [HTTPField(name: HTTPField.Name("Upload-Length")!, value: "10")], body: nil)
            #expect(anonymous.status == .unauthorized)
            let byListener = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: Self.headers(listener.accessToken, ["Upload-Length": "10"]), body: nil)
            #expect(byListener.status == .forbidden && String(buffer: byListener.body).contains("artist_only"))
            for (headers, status, code) in [
                ([String: String](), HTTPResponse.Status.badRequest, "invalid_upload_length"),
                (["Upload-Length": "ten"], .badRequest, "invalid_upload_length"),
                (["Upload-Defer-Length": "1"], .badRequest, "length_required"),
                (["Upload-Length": "0"], .unprocessableContent, "validation_failed"),
                (["Upload-Length": String(services.configuration.maxUploadBytes + 1)], .contentTooLarge, "payload_too_large"),
                (["Upload-Length": "10", "Upload-Metadata": "title %%%"], .badRequest, "invalid_upload_metadata"),
                (["Upload-Length": "10", "Upload-Metadata": "title a,title b"], .badRequest, "invalid_upload_metadata"),
                (["Upload-Length": "10", "Upload-Metadata": Self.metadata([("visibility", "secret")])], .unprocessableContent, "validation_failed"),
                (["Upload-Length": "10", "Upload-Metadata": Self.metadata([("title", String(repeating: "a", count: 201))])], .unprocessableContent, "validation_failed"),
            ] {
                let answer = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: Self.headers(token, headers), body: nil)
                #expect(answer.status == status, "\(headers)")
                #expect(String(buffer: answer.body).contains(code), "\(headers): \(String(buffer: answer.body))")
                #expect(answer.headers[HTTPField.Name("Tus-Resumable")!] == "1.0.0", "a problem carries Tus-Resumable too")
            }
            #expect(Self.files(services).isEmpty, "no refused creation left a file")

            let path = try await Self.create(client, token, length: 100)
            // The wrong content type, no offset, a wrong offset, bytes past the length (declared, or chunked).
            let json = try await client.execute(uri: path, method: .patch, headers: Self.headers(token, ["Upload-Offset": "0", "Content-Type": "application/json"]), body: ByteBuffer(string: "{}"))
            #expect(json.status == .unsupportedMediaType)
            let noOffset = try await client.execute(uri: path, method: .patch, headers: Self.headers(token, ["Content-Type": "application/offset+octet-stream"]), body: ByteBuffer(bytes: [1]))
            #expect(noOffset.status == .badRequest && String(buffer: noOffset.body).contains("invalid_upload_offset"))
            let ahead = try await Self.patch(client, token, path, offset: 5, [1, 2, 3])
            #expect(ahead.status == .conflict && String(buffer: ahead.body).contains("offset_mismatch"))
            let tooLong = try await Self.patch(client, token, path, offset: 0, [UInt8](repeating: 7, count: 101))
            #expect(tooLong.status == .contentTooLarge && String(buffer: tooLong.body).contains("upload_too_long"))
            #expect(try await Self.offset(client, token, path) == 0, "nothing of a refused PATCH was kept")

            // Another artist cannot see, add to or cancel it.
            #expect(try await Self.offset(client, other.accessToken, path) == nil)
            let theirs = try await Self.patch(client, other.accessToken, path, offset: 0, [1, 2, 3])
            #expect(theirs.status == .notFound)
            let cancelTheirs = try await client.execute(uri: path, method: .delete, headers: Self.headers(other.accessToken), body: nil)
            #expect(cancelTheirs.status == .notFound)
            #expect(try await Self.offset(client, token, path) == 0)
            let unknown = try await client.execute(uri: "/api/v1/uploads/\(UUID())", method: .head, headers: Self.headers(token), body: nil)
            #expect(unknown.status == .notFound)

            // Bytes that are not audio: refused when the last one arrives, and nothing is left.
            let last = try await Self.patch(client, token, path, offset: 0, [UInt8](repeating: 7, count: 100))
            #expect(last.status == .unsupportedMediaType, "\(String(buffer: last.body))")
            #expect(try await Self.offset(client, token, path) == nil)
            #expect(Self.files(services).isEmpty)
            let tracks = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(tracks == 0)
        }
    }

    @Test("tus: cancelling drops the bytes; an upload past its expiry is gone and swept; erasing the account removes its uploads")
    func endings() async throws {
        try await withApp { client, services in
            let artist = try await client.register("deejay", role: "artist")
            let token = artist.accessToken
            let path = try await Self.create(client, token, length: 1000)
            #expect(try await Self.patch(client, token, path, offset: 0, [UInt8](repeating: 1, count: 400)).status == .noContent)
            let cancel = try await client.execute(uri: path, method: .delete, headers: Self.headers(token), body: nil)
            #expect(cancel.status == .noContent)
            #expect(try await Self.offset(client, token, path) == nil)
            #expect(Self.files(services).isEmpty)

            let user = try #require(UUID(uuidString: artist.user.id))
            let identity = Identity(userID: user, sessionID: UUID(), username: "deejay", role: .artist)
            let old = try await services.uploads.create(identity, length: 1000, upload: .init(), now: Date().addingTimeInterval(-2 * 86_400))
            #expect(try await Self.offset(client, token, "/api/v1/uploads/\(old.id.text)") == nil, "an expired upload answers 404")
            #expect(Self.files(services).count == 1)
            await services.uploads.sweep()
            #expect(Self.files(services).isEmpty)
            let rows = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM track_uploads").first(decodingColumn: "n", as: Int.self)
            #expect(rows == 0)

            let kept = try await Self.create(client, token, length: 1000)
            #expect(try await Self.patch(client, token, kept, offset: 0, [UInt8](repeating: 1, count: 10)).status == .noContent)
            try await services.tracks.erase(artist: user)
            #expect(Self.files(services).isEmpty)
            #expect(try await services.database.sql.raw("SELECT COUNT(*) AS n FROM track_uploads").first(decodingColumn: "n", as: Int.self) == 0)
        }
    }

    @Test("multipart/form-data: a browser form's file and title parts make a track; a form without a file, or with a bad visibility, is refused")
    func multipartForm() async throws {
        try await withApp { client, services in
            let artist = try await client.register("deejay", role: "artist")
            let audio = try await makeAudio(seconds: 2, format: "mp3")
            func form(_ parts: [(name: String, filename: String?, bytes: [UInt8])]) -> (HTTPFields, ByteBuffer) {
                let boundary = "----based\(UUID().uuidString)"
                var body: [UInt8] = []
                for part in parts {
                    var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
                    if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: audio/mpeg" }
                    head += "\r\n\r\n"
                    body += Array(head.utf8) + part.bytes + Array("\r\n".utf8)
                }
                body += Array("--\(boundary)--\r\n".utf8)
                return ([.authorization: "Bearer \(artist.accessToken)", .contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
            }
            let (headers, body) = form([("title", nil, Array("From a <form>".utf8)), ("visibility", nil, Array("private".utf8)), ("file", "take 3.mp3", audio)])
            let made = try await client.execute(uri: "/api/v1/tracks", method: .post, headers: headers, body: body)
            #expect(made.status == .created, "\(String(buffer: made.body))")
            let track = try made.decode(Schemas.Track.self)
            #expect(track.title == "From a <form>")
            #expect(track.visibility == ._private)
            #expect(track.originalFilename == "take 3.mp3")
            #expect(try await client.waitUntilProcessed(track.id, token: artist.accessToken).state == .ready)

            let (noFileHeaders, noFile) = form([("title", nil, Array("Nothing".utf8))])
            let missing = try await client.execute(uri: "/api/v1/tracks", method: .post, headers: noFileHeaders, body: noFile)
            #expect(missing.status == .badRequest && String(buffer: missing.body).contains("Missing required parts: file"), "\(String(buffer: missing.body))")
            let (badHeaders, bad) = form([("visibility", nil, Array("secret".utf8)), ("file", "x.mp3", audio)])
            let refused = try await client.execute(uri: "/api/v1/tracks", method: .post, headers: badHeaders, body: bad)
            #expect(refused.status == .unprocessableContent)
            let count = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(count == 1)
            let temporary = (try? FileManager.default.contentsOfDirectory(atPath: services.blobs.temporary.path)) ?? []
            #expect(temporary.filter { $0.hasPrefix("upload-") }.isEmpty, "no refused form left its file behind")
        }
    }
}
