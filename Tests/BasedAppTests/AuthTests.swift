import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Accounts and sign-in", .serialized)
struct AuthTests {
    @Test("registering answers a session for the new account, with its private profile")
    func register() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"Ana","email":"ana@example.org","password":"correct horse battery","role":"artist"}"#)
            #expect(response.status == .created)
            let registered = try response.decode(Schemas.Session.self)
            #expect(registered.user.username == "Ana")
            #expect(registered.user.role == .artist)
            #expect(registered.user.verified == false)
            #expect(registered.user.email == "ana@example.org")
        }
    }

    @Test("sign-in takes the email in any letter case and gives a working access token")
    func signInByEmail() async throws {
        try await withApp { client, _ in
            _ = try await client.register("Ana", role: "artist")
            let signIn = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ANA@example.org","password":"correct horse battery"}"#)
            #expect(signIn.status == .ok)
            let session = try signIn.decode(Schemas.Session.self)
            #expect(try await client.request(.get, "/api/v1/me", token: session.accessToken).status == .ok)
        }
    }

    @Test("refreshing rotates the refresh token, and the new access token works")
    func refreshRotates() async throws {
        try await withApp { client, _ in
            _ = try await client.register("Ana", role: "artist")
            let session = try await client.signIn("ana")
            let refreshed = try await refresh(client, session.refreshToken)
            #expect(refreshed.status == .ok)
            let rotated = try refreshed.decode(Schemas.Session.self)
            #expect(rotated.refreshToken != session.refreshToken)
            #expect(try await client.request(.get, "/api/v1/me", token: rotated.accessToken).status == .ok)
        }
    }

    @Test("a refresh token used again after the grace revokes the family")
    func reuseRevokesFamily() async throws {
        try await withApp({ $0.refreshReuseGrace = .zero }) { client, _ in
            _ = try await client.register("Ana", role: "artist")
            let session = try await client.signIn("ana")
            let rotated = try await refresh(client, session.refreshToken).decode(Schemas.Session.self)

            // The old token again: theft is assumed and the whole family ends.
            let reuse = try await refresh(client, session.refreshToken)
            #expect(reuse.status == .unauthorized)
            #expect(try reuse.problem().code == "refresh_token_reused")
            let afterReuse = try await refresh(client, rotated.refreshToken)
            #expect(afterReuse.status == .unauthorized)
            #expect(try afterReuse.problem().code == "session_revoked")
            let me = try await client.request(.get, "/api/v1/me", token: rotated.accessToken)
            #expect(me.status == .unauthorized)
            #expect(try me.problem().code == "session_revoked")
        }
    }

    @Test("a reused refresh token leaves the account's other sessions alone")
    func reuseSparesOtherSessions() async throws {
        try await withApp({ $0.refreshReuseGrace = .zero }) { client, _ in
            let registered = try await client.register("Ana", role: "artist")
            let session = try await client.signIn("ana")
            _ = try await refresh(client, session.refreshToken)
            #expect(try await refresh(client, session.refreshToken).status == .unauthorized)
            // The first session, from registering, is untouched.
            #expect(try await client.request(.get, "/api/v1/me", token: registered.accessToken).status == .ok)
        }
    }

    @Test("a refresh whose answer was lost is retried with the same token within the grace and rotates; after it, the same token ends the session")
    func reuseWithinGrace() async throws {
        try await withApp({ $0.refreshReuseGrace = .seconds(2) }) { client, _ in
            _ = try await client.register("Ana", role: "artist")
            let session = try await client.signIn("ana")
            // The first answer never reached the client…
            let lost = try await refresh(client, session.refreshToken).decode(Schemas.Session.self)
            // …which retries at once with the token it still holds, and gets a session.
            let retried = try await refresh(client, session.refreshToken)
            #expect(retried.status == .ok)
            let kept = try retried.decode(Schemas.Session.self)
            #expect(kept.refreshToken != lost.refreshToken && kept.refreshToken != session.refreshToken)
            #expect(try await client.request(.get, "/api/v1/me", token: kept.accessToken).status == .ok)
            // The retried answer's token rotates as usual.
            let next = try await refresh(client, kept.refreshToken).decode(Schemas.Session.self)
            #expect(try await client.request(.get, "/api/v1/me", token: next.accessToken).status == .ok)

            // Past the grace, the first token once more is theft: the whole session ends.
            try await Task.sleep(for: .milliseconds(2200))
            let stolen = try await refresh(client, session.refreshToken)
            #expect(stolen.status == .unauthorized)
            #expect(try stolen.problem().code == "refresh_token_reused")
            #expect(try await refresh(client, next.refreshToken).problem().code == "session_revoked")
            #expect(try await client.request(.get, "/api/v1/me", token: next.accessToken).status == .unauthorized)
        }
    }

    @Test("an unknown refresh token is refused")
    func unknownRefreshToken() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"nope"}"#)
            #expect(response.status == .unauthorized)
            #expect(try response.problem().code == "invalid_refresh_token")
        }
    }

    @Test("usernames and emails are unique in any letter case", arguments: [
        (#"{"username":"ANA","email":"other@example.org","password":"correct horse battery","role":"listener"}"#, "username"),
        (#"{"username":"other","email":"Ana@EXAMPLE.org","password":"correct horse battery","role":"listener"}"#, "email"),
    ])
    func duplicates(body: String, field: String) async throws {
        try await withApp { client, services in
            _ = try await client.register("ana")
            let response = try await client.request(.post, "/api/v1/auth/register", json: body)
            #expect(response.status == .conflict)
            let problem = try response.problem()
            #expect(problem.code == "account_exists")
            #expect(problem.fields?.map(\.field) == [field])
            #expect(try await users(services) == 1)
        }
    }

    @Test("weak passwords and bad usernames are refused with the fields named")
    func registrationValidation() async throws {
        try await withApp { client, services in
            let cases: [(String, [String])] = [
                (#"{"username":"ab","email":"x@example.org","password":"correct horse battery","role":"listener"}"#, ["username"]),
                (#"{"username":"ana lee","email":"x@example.org","password":"correct horse battery","role":"listener"}"#, ["username"]),
                (#"{"username":"zoë","email":"x@example.org","password":"correct horse battery","role":"listener"}"#, ["username"]),
                (#"{"username":"ana","email":"not-an-email","password":"correct horse battery","role":"listener"}"#, ["email"]),
                (#"{"username":"ana","email":"x@example.org","password":"short","role":"listener"}"#, ["password"]),
                (#"{"username":"ana","email":"x@example.org","password":"aaaaaaaaaaaaaa","role":"listener"}"#, ["password"]),
                (#"{"username":"ana","email":"x@example.org","password":"password123","role":"listener"}"#, ["password"]),
                (#"{"username":"ana","email":"x@example.org","password":"ana-is-great-2026","role":"listener"}"#, ["password"]),
            ]
            for (body, fields) in cases {
                let response = try await client.request(.post, "/api/v1/auth/register", json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let problem = try response.problem()
                #expect(problem.code == "validation_failed")
                #expect(Set(problem.fields?.map(\.field) ?? []) == Set(fields), "\(body)")
            }
            #expect(try await users(services) == 0)
        }
    }

    @Test("admin is not a role one can register for")
    func noAdminRegistration() async throws {
        try await withApp { client, services in
            // The enum in the contract refuses it.
            let admin = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"boss","email":"b@example.org","password":"correct horse battery","role":"admin"}"#)
            #expect(admin.status.kind == .clientError)
            #expect(try await users(services) == 0)
        }
    }

    @Test("malformed JSON is a 400 problem and registers nobody")
    func malformedJSON() async throws {
        try await withApp { client, services in
            let malformed = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"#)
            #expect(malformed.status == .badRequest)
            #expect(try malformed.problem().code == "malformed_json")
            #expect(try await users(services) == 0)
        }
    }

    @Test("a field of the wrong type is a 422 problem naming it")
    func wrongType() async throws {
        try await withApp { client, services in
            let wrongType = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":42,"email":"a@example.org","password":"correct horse battery","role":"listener"}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(try wrongType.problem().fields?.first?.field == "username")
            #expect(try await users(services) == 0)
        }
    }

    @Test("a missing field is a 422 problem saying it is required")
    func missingField() async throws {
        try await withApp { client, services in
            let missing = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"ana","password":"correct horse battery","role":"listener"}"#)
            #expect(missing.status == .unprocessableContent)
            let problem = try missing.problem()
            #expect(problem.fields?.first?.field == "email")
            #expect(problem.fields?.first?.message == "is required")
            #expect(try await users(services) == 0)
        }
    }

    @Test("a missing body is a 400 problem")
    func missingBody() async throws {
        try await withApp { client, services in
            let noBody = try await client.request(.post, "/api/v1/auth/sign-in")
            #expect(noBody.status == .badRequest)
            _ = try noBody.problem()
            #expect(try await users(services) == 0)
        }
    }

    @Test("a body that is not JSON is a 4xx problem")
    func wrongMediaType() async throws {
        try await withApp { client, services in
            let wrongMedia = try await client.execute(uri: "/api/v1/auth/sign-in", method: .post, headers: [.contentType: "text/plain"], body: .init(string: "hi"))
            #expect(wrongMedia.status.kind == .clientError)
            _ = try wrongMedia.problem()
            #expect(try await users(services) == 0)
        }
    }

    @Test("bodies over the limit get 413")
    func oversizedBody() async throws {
        try await withApp({ $0.jsonBodyMaxBytes = 4096 }) { client, _ in
            let big = String(repeating: "x", count: 10_000)
            let response = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"\#(big)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().code == "payload_too_large")
        }
    }

    @Test("unknown routes get a 404 problem")
    func unknownRoute() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/no/such/thing")
            #expect(response.status == .notFound)
            #expect(try response.problem().code == "route_not_found")
            #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }

    @Test("wrong password and unknown account are refused alike")
    func wrongPassword() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            for body in [#"{"login":"ana","password":"wrong horse battery"}"#, #"{"login":"nobody","password":"correct horse battery"}"#] {
                let response = try await client.request(.post, "/api/v1/auth/sign-in", json: body)
                #expect(response.status == .unauthorized)
                #expect(try response.problem().code == "invalid_credentials")
            }
        }
    }

    @Test("sign-in is rate-limited per account with 429 and Retry-After")
    func rateLimited() async throws {
        try await withApp({ $0.authAttemptsPerMinute = 3 }) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0..<5 {
                let response = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"victim","password":"guess guess guess"}"#)
                statuses.append(response.status)
                if response.status == .tooManyRequests {
                    retryAfter = response.headers[.retryAfter]
                    #expect(try response.problem().code == "rate_limited")
                }
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == .unauthorized })
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests })
            #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        }
    }

    @Test("expired, forged, wrong-algorithm and malformed access tokens are refused")
    func badTokens() async throws {
        try await withApp { client, _ in
            let session = try await client.register("ana")
            let parts = session.accessToken.split(separator: ".").map(String.init)
            func b64(_ s: String) -> String {
                Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            }
            let payload = String(decoding: Data(base64Encoded: parts[1].padding(toLength: (parts[1].count + 3) / 4 * 4, withPad: "=", startingAt: 0)
                .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/"))!, as: UTF8.self)
            let none = b64(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
            let hs512 = b64(#"{"alg":"HS512","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2]
            let tamperedPayload = payload.replacingOccurrences(of: "\"sub\":\"", with: "\"sub\":\"0")
            let forged = parts[0] + "." + b64(tamperedPayload) + "." + parts[2]
            let cases: [(String, String)] = [
                (none, "invalid_token"), (hs512, "invalid_token"), (forged, "invalid_token"),
                ("garbage", "invalid_token"), (parts[0] + "." + parts[1], "invalid_token"),
            ]
            for (token, code) in cases {
                let response = try await client.request(.get, "/api/v1/me", token: token)
                #expect(response.status == .unauthorized, "\(token)")
                #expect(try response.problem().code == code)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test("an Authorization header that is not a bearer token is refused")
    func notBearer() async throws {
        try await withApp { client, _ in
            let basic = try await client.request(.get, "/api/v1/me", headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
            #expect(try basic.problem().code == "invalid_authorization")
        }
    }

    @Test("a request without a token is told to authenticate")
    func anonymous() async throws {
        try await withApp { client, _ in
            let anonymous = try await client.request(.get, "/api/v1/me")
            #expect(anonymous.status == .unauthorized)
            #expect(try anonymous.problem().code == "authentication_required")
        }
    }

    @Test("an expired access token says so")
    func expiredToken() async throws {
        try await withApp({ $0.accessTokenLifetime = .seconds(1) }) { client, _ in
            let session = try await client.register("ana")
            try await Task.sleep(for: .milliseconds(2100))
            let response = try await client.request(.get, "/api/v1/me", token: session.accessToken)
            #expect(response.status == .unauthorized)
            #expect(try response.problem().code == "token_expired")
        }
    }

    @Test("a token signed with another server's secret is refused")
    func otherSecret() async throws {
        let foreign = try await withAppReturning({ $0.jwtSecret = String(repeating: "k", count: 40) }) { client in
            try await client.register("ana").accessToken
        }
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let response = try await client.request(.get, "/api/v1/me", token: foreign)
            #expect(response.status == .unauthorized)
            #expect(try response.problem().code == "invalid_token")
        }
    }

    @Test("signing out ends this session and its refresh token, not the others")
    func signOut() async throws {
        try await withApp { client, _ in
            let first = try await client.register("ana")
            let second = try await client.signIn("ana")
            #expect(try await client.request(.post, "/api/v1/auth/sign-out", token: first.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: first.accessToken).status == .unauthorized)
            #expect(try await refresh(client, first.refreshToken).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/me", token: second.accessToken).status == .ok)
        }
    }

    @Test("signing out everywhere ends every session")
    func signOutEverywhere() async throws {
        try await withApp { client, _ in
            let first = try await client.register("ana")
            let second = try await client.signIn("ana")
            let third = try await client.signIn("ana")
            #expect(try await client.request(.post, "/api/v1/auth/sign-out?allDevices=true", token: second.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: first.accessToken).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/me", token: second.accessToken).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/me", token: third.accessToken).status == .unauthorized)
        }
    }

    @Test("signing out needs a session")
    func signOutAnonymously() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.post, "/api/v1/auth/sign-out")
            #expect(response.status == .unauthorized)
        }
    }

    @Test("a password change needs the current password")
    func changePasswordWrongCurrent() async throws {
        try await withApp { client, _ in
            let current = try await client.register("ana")
            let wrong = try await client.request(.post, "/api/v1/me/password", json: #"{"currentPassword":"nope nope nope","newPassword":"staple battery horse"}"#, token: current.accessToken)
            #expect(wrong.status == .unprocessableContent)
            #expect(try wrong.problem().fields?.first?.field == "currentPassword")
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#).status == .ok)
        }
    }

    @Test("a weak new password is refused")
    func changePasswordWeak() async throws {
        try await withApp { client, _ in
            let current = try await client.register("ana")
            let weak = try await client.request(.post, "/api/v1/me/password", json: #"{"currentPassword":"correct horse battery","newPassword":"short"}"#, token: current.accessToken)
            #expect(weak.status == .unprocessableContent)
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#).status == .ok)
        }
    }

    @Test("changing the password keeps this session and revokes the others")
    func changePassword() async throws {
        try await withApp { client, _ in
            let current = try await client.register("ana")
            let other = try await client.signIn("ana")
            let changed = try await client.request(.post, "/api/v1/me/password", json: #"{"currentPassword":"correct horse battery","newPassword":"staple battery horse"}"#, token: current.accessToken)
            #expect(changed.status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: current.accessToken).status == .ok)
            #expect(try await client.request(.get, "/api/v1/me", token: other.accessToken).status == .unauthorized)
        }
    }

    @Test("after a password change only the new password signs in")
    func changedPasswordSignsIn() async throws {
        try await withApp { client, _ in
            let current = try await client.register("ana")
            let changed = try await client.request(.post, "/api/v1/me/password", json: #"{"currentPassword":"correct horse battery","newPassword":"staple battery horse"}"#, token: current.accessToken)
            #expect(changed.status == .noContent)
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#).status == .unauthorized)
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"staple battery horse"}"#).status == .ok)
        }
    }

    @Test("two registrations of one name at once leave exactly one account")
    func concurrentRegistration() async throws {
        try await withApp { client, services in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await client.request(.post, "/api/v1/auth/register", json: """
                            {"username":"Same","email":"same\(index)@example.org","password":"correct horse battery","role":"listener"}
                            """).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 5)
            #expect(try await users(services) == 1)
        }
    }

    // MARK: Helpers

    private func refresh(_ client: any TestClientProtocol, _ refreshToken: String) async throws -> TestResponse {
        try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(refreshToken)"}"#)
    }

    private func users(_ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? -1
    }
}

/// Like `withApp`, for a test that needs a value out of a second server.
func withAppReturning<T: Sendable>(
    _ adjust: (inout AppConfiguration) -> Void,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    let box = ResultBox<T>()
    try await withApp(adjust) { client, _ in box.value = try await body(client) }
    return box.value!
}

/// Carries a value out of a `@Sendable` test closure; written once, then read after it returns.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // Safe: `withApp` awaits the closure that writes it before the caller reads it.
    var value: T?
}
