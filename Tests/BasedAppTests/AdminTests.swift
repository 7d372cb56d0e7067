import BasedApp
import Foundation
import HummingbirdTesting
import Testing

@Suite("Verification by admins")
struct AdminTests {
    @Test("an admin verifies an artist; others are refused")
    func verify() async throws {
        try await withApp { client, services in
            _ = try await services.accounts.createUser(
                .init(username: "root", email: "root@example.org", password: "admin horse battery", role: .admin),
                allowAdmin: true
            )
            let admin = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"root","password":"admin horse battery"}"#).decode(SessionBody.self)
            let artist = try await client.register("band", role: "artist")
            let listener = try await client.register("fan")

            let refused = try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#, token: artist.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "admin_only")
            #expect(try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/users/band").decode(ProfileBody.self).verified == false)

            let verified = try await client.request(.put, "/api/v1/admin/users/band/verification", json: #"{"verified":true}"#, token: admin.accessToken)
            #expect(verified.status == .ok)
            #expect(try verified.decode(ProfileBody.self).verified)
            #expect(try await client.request(.get, "/api/v1/users/band").decode(ProfileBody.self).verified)

            let notArtist = try await client.request(.put, "/api/v1/admin/users/fan/verification", json: #"{"verified":true}"#, token: admin.accessToken)
            #expect(notArtist.status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/users/fan", token: listener.accessToken).decode(ProfileBody.self).verified == false)
            #expect(try await client.request(.put, "/api/v1/admin/users/ghost/verification", json: #"{"verified":true}"#, token: admin.accessToken).status == .notFound)
        }
    }
}
