import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The cookies of one browser: what `Set-Cookie` gave it, by name.
struct CookieJar {
    var values: [String: String] = [:]
    /// Attributes of each cookie as last set (`HttpOnly`, `Path=…`).
    var attributes: [String: [String]] = [:]

    mutating func take(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let pair = parts[0].split(separator: "=", maxSplits: 1).map(String.init)
            values[pair[0]] = pair.count > 1 ? pair[1] : ""
            attributes[pair[0]] = Array(parts.dropFirst())
        }
    }

    /// The headers a same-site fetch of the web app sends: the cookies and the CSRF cookie repeated.
    func headers(csrf: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        fields[.cookie] = values.filter { !$0.value.isEmpty }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        fields[HTTPField.Name("X-Based-CSRF")!] = csrf ?? values["based_csrf"] ?? ""
        return fields
    }
}

let csrfHeader = HTTPField.Name("X-Based-CSRF")!

extension TestClientProtocol {
    /// Registers through the web endpoint and returns the browser's cookies.
    func webRegister(_ username: String) async throws -> (TestResponse, CookieJar) {
        let response = try await request(.post, "/api/v1/auth/web/register", json: """
            {"username":"\(username)","email":"\(username)@example.org","password":"correct horse battery","role":"listener"}
            """, headers: [csrfHeader: "1"])
        #expect(response.status == .created, "\(String(buffer: response.body))")
        var jar = CookieJar()
        jar.take(response)
        return (response, jar)
    }
}

@Suite("Web app sessions (cookie refresh with CSRF checks)", .serialized)
struct WebSessionTests {
    @Test("web sign-in keeps the refresh token out of the body, in an HttpOnly SameSite=Strict cookie scoped to /api/v1/auth/web")
    func cookieAttributes() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let response = try await client.request(.post, "/api/v1/auth/web/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#, headers: [csrfHeader: "1"])
            #expect(response.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(body["refreshToken"] == nil)
            #expect(body["accessToken"] is String)
            var jar = CookieJar()
            jar.take(response)
            let refresh = try #require(jar.attributes["based_refresh"])
            #expect(refresh.contains("HttpOnly") && refresh.contains("SameSite=Strict") && refresh.contains("Path=/api/v1/auth/web"))
            #expect(!refresh.contains("Secure"))
            let csrf = try #require(jar.attributes["based_csrf"])
            #expect(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict") && csrf.contains("Path=/"))
            #expect((jar.values["based_csrf"]?.count ?? 0) >= 32)
        }
    }

    @Test("cookies are Secure when the request came over TLS through a proxy")
    func secureBehindTLS() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.post, "/api/v1/auth/web/register", json: """
                {"username":"ana","email":"ana@example.org","password":"correct horse battery","role":"listener"}
                """, headers: [csrfHeader: "1", HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(response.status == .created)
            #expect(response.headers[values: .setCookie].allSatisfy { $0.contains("; Secure") })
        }
    }

    @Test("the cookie refresh rotates the session and the new access token works")
    func refreshRotates() async throws {
        try await withApp { client, _ in
            var (_, jar) = try await client.webRegister("ana")
            let oldRefresh = jar.values["based_refresh"]
            let refreshed = try await client.request(.post, "/api/v1/auth/web/refresh", headers: jar.headers())
            #expect(refreshed.status == .ok)
            jar.take(refreshed)
            #expect(jar.values["based_refresh"] != oldRefresh)
            let session = try refreshed.decode(Schemas.WebSession.self)
            #expect(try await client.request(.get, "/api/v1/me", token: session.accessToken).status == .ok)
        }
    }

    @Test("a refresh without the CSRF header is a 403 problem")
    func missingCSRF() async throws {
        try await withApp { client, _ in
            let (_, jar) = try await client.webRegister("ana")
            var headers = jar.headers()
            headers[csrfHeader] = nil
            let response = try await client.request(.post, "/api/v1/auth/web/refresh", headers: headers)
            #expect(response.status == .forbidden)
            #expect(try response.problem().code == "csrf_failed")
        }
    }

    @Test("sign-in and register without the CSRF header are refused")
    func signInNeedsHeader() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let response = try await client.request(.post, "/api/v1/auth/web/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#)
            #expect(response.status == .forbidden)
            #expect(try response.problem().code == "csrf_failed")
            #expect(response.headers[values: .setCookie].isEmpty)
        }
    }

    @Test("another user's cookie is useless cross-site: a foreign Origin, a cross-site fetch or a guessed CSRF value are refused")
    func crossSite() async throws {
        try await withApp { client, _ in
            let (_, ana) = try await client.webRegister("ana")
            var foreign = ana.headers()
            foreign[.origin] = "https://evil.example"
            let fromEvil = try await client.request(.post, "/api/v1/auth/web/refresh", headers: foreign)
            #expect(fromEvil.status == .forbidden)
            #expect(try fromEvil.problem().code == "origin_mismatch")

            var crossSite = ana.headers()
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(try await client.request(.post, "/api/v1/auth/web/refresh", headers: crossSite).status == .forbidden)

            // Ben (or a page of another site) knows his own CSRF value, not Ana's.
            let (_, ben) = try await client.webRegister("ben")
            let guessed = try await client.request(.post, "/api/v1/auth/web/refresh", headers: ana.headers(csrf: ben.values["based_csrf"]))
            #expect(guessed.status == .forbidden)
            #expect(try guessed.problem().code == "csrf_failed")

            // Ana's own browser still refreshes: nothing above used up her token.
            #expect(try await client.request(.post, "/api/v1/auth/web/refresh", headers: ana.headers()).status == .ok)
        }
    }

    @Test("a request from this server's own origin (as a proxy forwards it) is accepted")
    func sameOrigin() async throws {
        try await withApp { client, _ in
            let (_, jar) = try await client.webRegister("ana")
            var headers = jar.headers()
            headers[.origin] = "https://based.example"
            headers[HTTPField.Name("X-Forwarded-Host")!] = "based.example"
            headers[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            #expect(try await client.request(.post, "/api/v1/auth/web/refresh", headers: headers).status == .ok)
        }
    }

    @Test("signing out clears the cookies and ends the session; a later refresh is 401")
    func signOutClears() async throws {
        try await withApp { client, _ in
            let (registered, jar) = try await client.webRegister("ana")
            let session = try registered.decode(Schemas.WebSession.self)
            var headers = jar.headers()
            headers[.authorization] = "Bearer \(session.accessToken)"
            let out = try await client.request(.post, "/api/v1/auth/web/sign-out", headers: headers)
            #expect(out.status == .noContent)
            var cleared = jar
            cleared.take(out)
            #expect(cleared.values["based_refresh"] == "")
            #expect(cleared.attributes["based_refresh"]?.contains("Max-Age=0") == true)
            let after = try await client.request(.post, "/api/v1/auth/web/refresh", headers: jar.headers())
            #expect(after.status == .unauthorized)
            #expect(try after.problem().code == "session_revoked")
            // The refused cookie is cleared too.
            #expect(after.headers[values: .setCookie].contains { $0.hasPrefix("based_refresh=;") })
        }
    }

    @Test("signing out everywhere ends the account's other sessions")
    func signOutEverywhere() async throws {
        try await withApp { client, _ in
            let (registered, jar) = try await client.webRegister("ana")
            let other = try await client.signIn("ana")
            let session = try registered.decode(Schemas.WebSession.self)
            var headers = jar.headers()
            headers[.authorization] = "Bearer \(session.accessToken)"
            #expect(try await client.request(.post, "/api/v1/auth/web/sign-out?allDevices=true", headers: headers).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: other.accessToken).status == .unauthorized)
        }
    }

    @Test("sign-out without the CSRF cookie's value is refused and keeps the session")
    func signOutNeedsCSRF() async throws {
        try await withApp { client, _ in
            let (registered, jar) = try await client.webRegister("ana")
            let session = try registered.decode(Schemas.WebSession.self)
            var headers = jar.headers(csrf: "wrong")
            headers[.authorization] = "Bearer \(session.accessToken)"
            #expect(try await client.request(.post, "/api/v1/auth/web/sign-out", headers: headers).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/me", token: session.accessToken).status == .ok)
        }
    }
}
