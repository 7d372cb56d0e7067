import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Idempotency-Key on writes", .serialized)
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
            #expect(try again.decode(Schemas.Room.self).id == first.decode(Schemas.Room.self).id)
            #expect(try await rooms(services) == 1)
        }
    }

    @Test("without a key, or with a new one, a write is a new write")
    func newWrites() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-1"])
            let unkeyed = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken)
            #expect(unkeyed.headers[replayed] == nil)
            let newKey = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-2"])
            #expect(newKey.headers[replayed] == nil)
            #expect(try await rooms(services) == 3)
        }
    }

    @Test("the same key for another request is refused")
    func reuse() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "shared"])
            let other = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Saturday"}"#, token: ana.accessToken, headers: [key: "shared"])
            #expect(other.status == .unprocessableContent)
            #expect(try other.problem().code == "idempotency_key_reused")
            #expect(try await rooms(services) == 1)
        }
    }

    @Test("another user's key is their own")
    func scope() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            _ = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "shared"])
            let bens = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ben.accessToken, headers: [key: "shared"])
            #expect(bens.status == .created)
            #expect(bens.headers[replayed] == nil, "ben's request is not answered with ana's room")
            #expect(try await rooms(services) == 2)
        }
    }

    @Test("a refused write keeps nothing, so the corrected retry with its key runs")
    func failedWriteKeepsNothing() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let refused = try await client.request(.post, "/api/v1/rooms", json: #"{"title":""}"#, token: ana.accessToken, headers: [key: "k-3"])
            #expect(refused.status == .unprocessableContent)
            let corrected = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday"}"#, token: ana.accessToken, headers: [key: "k-3"])
            #expect(corrected.status == .created)
            #expect(corrected.headers[replayed] == nil)
            #expect(try await rooms(services) == 1)
            let stored = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM idempotency_keys").first(decodingColumn: "n", as: Int.self)
            #expect(stored == 1, "only the corrected room write is kept")
        }
    }

    @Test("a key that is too long or not plain ASCII is refused", arguments: [String(repeating: "k", count: 256), "two words", "naïve"])
    func badKeys(bad: String) async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let response = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Other"}"#, token: ana.accessToken, headers: [key: bad])
            #expect(response.status == .badRequest)
            #expect(try response.problem().code == "invalid_idempotency_key")
            #expect(try await rooms(services) == 0)
        }
    }

    @Test("sign-in answers carry tokens, so they are never stored")
    func signInNotStored() async throws {
        try await withApp { client, services in
            _ = try await client.register("ana")
            let signIn = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#, headers: [key: "k-4"])
            #expect(signIn.status == .ok)
            let stored = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM idempotency_keys").first(decodingColumn: "n", as: Int.self)
            #expect(stored == 0)
        }
    }
}
