import BasedAPI
import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Profiles and avatars", .serialized)
struct ProfileTests {
    @Test("the owner sees their email and location")
    func ownerSeesPrivateFields() async throws {
        try await withApp { client, _ in
            let update = try await fillInAnasProfile(client)
            #expect(update.status == .ok)
            let own = try update.decode(Schemas.PrivateProfile.self)
            #expect(own.email == "ana@example.org")
            #expect(own.location?.latitude == 51.34)
            #expect(own.genres == ["post-punk", "Dub"])
        }
    }

    @Test("a public profile hides the email and location and shows the rest")
    func publicProfileHidesPrivateFields() async throws {
        try await withApp { client, _ in
            #expect(try await fillInAnasProfile(client).status == .ok)
            let publicView = try await client.request(.get, "/api/v1/users/ANA")
            #expect(publicView.status == .ok)
            let text = String(buffer: publicView.body)
            #expect(!text.contains("ana@example.org"))
            #expect(!text.contains("latitude"))
            let profile = try publicView.decode(Schemas.PublicProfile.self)
            #expect(profile.displayName == "Ana Lee")
            #expect(profile.city == "Leipzig")
            #expect(profile.bio == "Plays bass.\nLives here.")
            #expect(profile.links.first?.url == "https://ana.example.org")
        }
    }

    @Test("SQL metacharacters and Unicode round-trip in every text field")
    func hostileText() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let nasty = "Robert'); DROP TABLE users;-- \\ % _ \" 🎸 Zoë 東京 عربي"
            let body = """
                {"displayName":\(jsonString(nasty)),"bio":\(jsonString(nasty)),"city":\(jsonString(nasty)),"genres":[\(jsonString(String(nasty.prefix(39))))],
                 "links":[{"label":\(jsonString(String(nasty.prefix(40)))),"url":"https://example.org/?q=%27;DROP"}]}
                """
            let response = try await client.request(.patch, "/api/v1/me", json: body, token: ana.accessToken)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let profile = try await client.request(.get, "/api/v1/users/ana").decode(Schemas.PublicProfile.self)
            #expect(profile.displayName == nasty)
            #expect(profile.bio == nasty)
            #expect(profile.city == nasty)
            #expect(profile.genres == [String(nasty.prefix(39))])
            #expect(profile.links.first?.label == String(nasty.prefix(40)))
            let users = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self)
            #expect(users == 1)
        }
    }

    @Test("a sign-in with SQL metacharacters is just a wrong login")
    func injectedSignIn() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let injection = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana' OR '1'='1","password":"x' OR '1'='1"}"#)
            #expect(injection.status == .unauthorized)
        }
    }

    @Test("invalid profile fields are refused and change nothing")
    func invalidUpdate() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let cases: [(String, String)] = [
                (#"{"displayName":""}"#, "displayName"),
                (#"{"displayName":"\#(String(repeating: "x", count: 81))"}"#, "displayName"),
                (#"{"bio":"\#(String(repeating: "x", count: 1001))"}"#, "bio"),
                (#"{"city":"a\u0000b"}"#, "city"),
                (#"{"location":{"latitude":91,"longitude":0}}"#, "location.latitude"),
                (#"{"location":{"latitude":0,"longitude":-181}}"#, "location.longitude"),
                (#"{"genres":["a","b","c","d","e","f","g","h","i","j","k"]}"#, "genres"),
                (#"{"links":[{"label":"x","url":"javascript:alert(1)"}]}"#, "links[0].url"),
                (#"{"location":{"latitude":1,"longitude":1},"clearLocation":true}"#, "clearLocation"),
            ]
            for (body, field) in cases {
                let response = try await client.request(.patch, "/api/v1/me", json: body, token: ana.accessToken)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.problem().fields?.map(\.field).contains(field) == true, "\(body)")
            }
            let profile = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(profile.displayName == "ana")
            #expect(profile.bio == "")
            #expect(profile.location == nil)
        }
    }

    @Test("a user's session edits their own profile, never another's")
    func sessionEditsItsOwner() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let bob = try await client.register("bob")
            // Bob's token edits Bob, never Ana: there is no route that takes another user's profile.
            _ = try await client.request(.patch, "/api/v1/me", json: #"{"displayName":"Hacked"}"#, token: bob.accessToken)
            #expect(try await client.request(.get, "/api/v1/users/ana").decode(Schemas.PublicProfile.self).displayName == "ana")
        }
    }

    @Test("no route changes a profile by its username")
    func noWritesByUsername() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let bob = try await client.register("bob")
            for method in [HTTPRequest.Method.patch, .put, .delete] {
                let response = try await client.request(method, "/api/v1/users/ana", json: #"{"displayName":"Hacked"}"#, token: bob.accessToken)
                #expect(response.status.kind == .clientError)
            }
            #expect(try await client.request(.get, "/api/v1/users/ana").decode(Schemas.PublicProfile.self).displayName == "ana")
        }
    }

    @Test("editing a profile needs a session")
    func editNeedsSession() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.patch, "/api/v1/me", json: #"{"displayName":"x"}"#)
            #expect(response.status == .unauthorized)
        }
    }

    @Test("an unknown user is a 404 problem")
    func unknownUser() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/users/nobody")
            #expect(response.status == .notFound)
            #expect(try response.problem().code == "not_found")
        }
    }

    @Test("a PNG, JPEG or WebP avatar becomes two square JPEG thumbnails", arguments: ["png", "jpg", "webp"])
    func avatarUpload(format: String) async throws {
        let image = try await makeImage(width: 300, height: 200, format: format)
        try await withApp { client, services in
            let ana = try await client.register("ana")
            // The name and Content-Type lie; the content decides.
            let response = try await client.execute(
                uri: "/api/v1/me/avatar", method: .put,
                headers: [.authorization: "Bearer \(ana.accessToken)", .contentType: "application/octet-stream"],
                body: ByteBuffer(bytes: image)
            )
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let profile = try response.decode(Schemas.PrivateProfile.self)
            let avatar = try #require(profile.avatar)
            for (url, pixels) in [(avatar.small, 128), (avatar.large, 512)] {
                let image = try await client.request(.get, url)
                #expect(image.status == .ok)
                #expect(image.headers[.contentType] == "image/jpeg")
                #expect(image.headers[.eTag] != nil)
                let file = services.configuration.dataDirectory.appendingPathComponent("fetched-\(pixels).jpg")
                try Data(buffer: image.body).write(to: file)
                let probe = try await Images.probe(file)
                #expect(probe.width == pixels && probe.height == pixels)
            }
            // Nothing is left in the temporary folder.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: services.configuration.dataDirectory.appendingPathComponent("tmp").path)
            #expect(leftovers.isEmpty)
        }
    }

    @Test("deleting the avatar removes its images")
    func avatarDelete() async throws {
        let image = try await makeImage(width: 300, height: 200, format: "png")
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let response = try await client.execute(
                uri: "/api/v1/me/avatar", method: .put,
                headers: [.authorization: "Bearer \(ana.accessToken)", .contentType: "image/png"],
                body: ByteBuffer(bytes: image)
            )
            let avatar = try #require(try response.decode(Schemas.PrivateProfile.self).avatar)
            #expect(try await client.request(.get, avatar.small).status == .ok)
            #expect(try await client.request(.delete, "/api/v1/me/avatar", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, avatar.small).status == .notFound)
            #expect(try await client.request(.get, avatar.large).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self).avatar == nil)
        }
    }

    @Test("uploads that are not images, are corrupt, empty or too big are refused and leave nothing")
    func badAvatars() async throws {
        let png = try await makeImage(width: 64, height: 64, format: "png")
        let corrupt = Array(png.prefix(40)) + [UInt8](repeating: 0x42, count: 200)
        let huge = try await makeImage(width: 6500, height: 10, format: "png")
        try await withApp({ $0.avatarMaxBytes = 200_000 }) { client, services in
            let ana = try await client.register("ana")
            let cases: [([UInt8], HTTPResponse.Status, String)] = [
                (Array("just some text, named avatar.png".utf8), .unsupportedMediaType, "unsupported_media_type"),
                (corrupt, .unprocessableContent, "unreadable_image"),
                ([], .unprocessableContent, "validation_failed"),
                (huge, .unprocessableContent, "image_too_large"),
                ([UInt8](repeating: 0xFF, count: 300_000), .contentTooLarge, "payload_too_large"),
            ]
            for (bytes, status, code) in cases {
                let response = try await client.execute(
                    uri: "/api/v1/me/avatar", method: .put,
                    headers: [.authorization: "Bearer \(ana.accessToken)", .contentType: "image/png"],
                    body: ByteBuffer(bytes: bytes)
                )
                #expect(response.status == status, "\(code): \(String(buffer: response.body))")
                #expect(try response.problem().code == code)
            }
            let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(me.avatar == nil)
            let avatars = services.configuration.dataDirectory.appendingPathComponent("avatars").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: avatars)) ?? []).isEmpty)
            let temporary = services.configuration.dataDirectory.appendingPathComponent("tmp").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []).isEmpty)
        }
    }

    @Test("without a session, no avatar is uploaded")
    func anonymousAvatar() async throws {
        let png = try await makeImage(width: 64, height: 64, format: "png")
        try await withApp { client, services in
            let anonymous = try await client.execute(uri: "/api/v1/me/avatar", method: .put, headers: [:], body: ByteBuffer(bytes: png))
            #expect(anonymous.status == .unauthorized)
            let avatars = services.configuration.dataDirectory.appendingPathComponent("avatars").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: avatars)) ?? []).isEmpty)
        }
    }

    /// Ana registers and fills in every profile field.
    private func fillInAnasProfile(_ client: any TestClientProtocol) async throws -> TestResponse {
        let ana = try await client.register("ana")
        return try await client.request(.patch, "/api/v1/me", json: """
            {"displayName":"Ana Lee","bio":"Plays bass.\\nLives here.","city":"Leipzig","location":{"latitude":51.34,"longitude":12.37},
             "genres":["post-punk","Dub"],"links":[{"label":"Bandcamp","url":"https://ana.example.org"}]}
            """, token: ana.accessToken)
    }
}

/// A real image made by ffmpeg's test source.
func makeImage(width: Int, height: Int, format: String) async throws -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("based-image-\(UUID().uuidString).\(format)")
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try await Subprocess.run("ffmpeg", [
        "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=1",
        "-frames:v", "1", file.path,
    ])
    #expect(result.succeeded, "\(String(decoding: result.standardError, as: UTF8.self))")
    return Array(try Data(contentsOf: file))
}
