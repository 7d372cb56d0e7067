import BasedAPI
import BasedApp
import Foundation
import HummingbirdTesting
import Testing

@Suite("Verification by admins", .serialized)
struct AdminTests {
    @Test("an admin verifies an artist")
    func verify() async throws {
        try await withApp { client, services in
            let admin = try await signInAdmin(client, services)
            _ = try await client.register("band", role: "artist")
            #expect(try await client.request(.get, "/api/v1/users/band").decode(Schemas.PublicProfile.self).verified == false)
            let verified = try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#, token: admin.accessToken)
            #expect(verified.status == .ok)
            #expect(try verified.decode(Schemas.PublicProfile.self).verified)
            #expect(try await client.request(.get, "/api/v1/users/band").decode(Schemas.PublicProfile.self).verified)
        }
    }

    @Test("someone who is not an admin cannot verify")
    func notAdmin() async throws {
        try await withApp { client, _ in
            let artist = try await client.register("band", role: "artist")
            let refused = try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#, token: artist.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "admin_only")
            #expect(try await client.request(.get, "/api/v1/users/band").decode(Schemas.PublicProfile.self).verified == false)
        }
    }

    @Test("verifying needs a session")
    func anonymous() async throws {
        try await withApp { client, _ in
            _ = try await client.register("band", role: "artist")
            #expect(try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/users/band").decode(Schemas.PublicProfile.self).verified == false)
        }
    }

    @Test("a listener is not verified")
    func listener() async throws {
        try await withApp { client, services in
            let admin = try await signInAdmin(client, services)
            let listener = try await client.register("fan")
            let notArtist = try await client.request(.put, "/api/v1/admin/users/fan/verification", json: #"{"verified":true}"#, token: admin.accessToken)
            #expect(notArtist.status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/users/fan", token: listener.accessToken).decode(Schemas.PublicProfile.self).verified == false)
        }
    }

    @Test("verifying a missing user is not found")
    func missingUser() async throws {
        try await withApp { client, services in
            let admin = try await signInAdmin(client, services)
            #expect(try await client.request(.put, "/api/v1/admin/users/ghost/verification", json: #"{"verified":true}"#, token: admin.accessToken).status == .notFound)
        }
    }

    /// Admins cannot register; one is made through the service, as `based` does.
}
