import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Idempotency-Key on writes")
struct IdempotencyTests {
    private let key = HTTPField.Name("Idempotency-Key")!
    private let replayed = HTTPField.Name("Idempotent-Replayed")!

    private func rooms(_ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM conversations WHERE kind = 'room'").first(decodingColumn: "n", as: Int.self) ?? -1
    }

    @Test("a retried write with the same key is answered from the first and writes nothing more")
    func retry() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let first = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-1"])
            #expect(first.status == .created)
            #expect(first.headers[replayed] == nil)
            let again = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-1"])
            #expect(again.status == .created)
            #expect(again.headers[replayed] == "true")
            #expect(again.headers[.contentType] == first.headers[.contentType])
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(try await rooms(services) == 1)

            // Without a key, or with a new one, a write is a new write.
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken)
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-2"])
            #expect(try await rooms(services) == 3)
        }
    }

    @Test("the same key for another request is refused; another user's key is their own")
    func reuseAndScope() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "shared"])
            let other = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Saturday"}"#, token: ana.accessToken, headers: [key: "shared"])
            #expect(other.status == .unprocessableContent)
            #expect(try other.problem().code == "idempotency_key_reused")
            #expect(try await rooms(services) == 1)

            let bens = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ben.accessToken, headers: [key: "shared"])
            #expect(bens.status == .created)
            #expect(bens.headers[replayed] == nil, "ben's request is not answered with ana's room")
            #expect(try await rooms(services) == 2)
        }
    }

    @Test("a refused write keeps nothing, so the corrected retry runs; bad keys are refused")
    func failuresAndBadKeys() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let refused = try await client.request(.post, "/api/v1/rooms", json: #"{"title":""}"#, token: ana.accessToken, headers: [key: "k-3"])
            #expect(refused.status == .unprocessableContent)
            let corrected = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-3"])
            #expect(corrected.status == .created)
            #expect(corrected.headers[replayed] == nil)

            for bad in [String(repeating: "k", count: 256), "two words", "naïve"] {
                let response = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Other"}"#, token: ana.accessToken, headers: [key: bad])
                #expect(response.status == .badRequest)
                #expect(try response.problem().code == "invalid_idempotency_key")
            }
            #expect(try await rooms(services) == 1)

            // Sign-in answers carry tokens: they are never stored.
            let signIn = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#, headers: [key: "k-4"])
            #expect(signIn.status == .ok)
            let stored = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM idempotency_keys").first(decodingColumn: "n", as: Int.self)
            #expect(stored == 1, "only the corrected room write is kept")
        }
    }
}
