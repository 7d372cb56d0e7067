import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// What a web app auth request (`/api/v1/auth/web/…`) brought — its cookies,
/// origin and CSRF header — and the cookies its answer sets. The OpenAPI
/// handlers see no HTTP headers beyond those the contract declares, so
/// `BrowserSessionMiddleware` binds this for them, as `RequestScope` is bound.
final class BrowserExchange: Sendable {
    @TaskLocal static var current: BrowserExchange?

    static let refreshCookie = "based_refresh"
    static let csrfCookie = "based_csrf"
    /// The refresh cookie goes only to the web auth endpoints.
    static let refreshPath = "/api/v1/auth/web"
    static let csrfHeader = HTTPField.Name("X-Based-CSRF")!

    let cookies: [String: String]
    let csrfHeader: String?
    let origin: String?
    let fetchSite: String?
    /// `host[:port]` the request was sent to, and the one a proxy says the browser used
    /// (`X-Forwarded-Host`; a page of another site cannot set that header on a browser's request).
    let authorities: [String]
    /// The request came over TLS (directly or, per `X-Forwarded-Proto`, through a proxy), or the setting says to mark cookies Secure.
    let secure: Bool
    private let outgoing = Mutex<[String]>([])

    init(cookies: [String: String], csrfHeader: String?, origin: String?, fetchSite: String?, authorities: [String], secure: Bool) {
        self.cookies = cookies
        self.csrfHeader = csrfHeader
        self.origin = origin
        self.fetchSite = fetchSite
        self.authorities = authorities.map { $0.lowercased() }
        self.secure = secure
    }

    static func get() throws -> BrowserExchange {
        guard let current else { throw AppError.internal }
        return current
    }

    var setCookies: [String] { outgoing.withLock { $0 } }

    // MARK: Checks

    /// Refuses a request from another site: an `Origin` other than this server's, or a fetch the browser marks cross-site.
    func requireSameOrigin() throws {
        if let fetchSite, !["same-origin", "none"].contains(fetchSite) {
            throw AppError.forbidden("This request did not come from this site.", code: "origin_mismatch")
        }
        guard let origin else { return }
        guard let url = URL(string: origin), let host = url.host?.lowercased() else {
            throw AppError.forbidden("This request did not come from this site.", code: "origin_mismatch")
        }
        let originAuthority = url.port.map { "\(host):\($0)" } ?? host
        let withDefaultPort = originAuthority + (url.scheme == "https" ? ":443" : ":80")
        guard authorities.contains(where: { $0 == originAuthority || $0 == withDefaultPort }) else {
            throw AppError.forbidden("This request did not come from this site.", code: "origin_mismatch")
        }
    }

    /// Sign-in and register: a custom header, which a cross-site form or simple request cannot send.
    func requireCSRFHeader() throws {
        try requireSameOrigin()
        guard let csrfHeader, !csrfHeader.isEmpty else {
            throw AppError.forbidden("The X-Based-CSRF header is missing.", code: "csrf_failed")
        }
    }

    /// Refresh and sign-out: the header must repeat the `based_csrf` cookie (double submit).
    func requireCSRFMatch() throws {
        try requireSameOrigin()
        guard let csrfHeader, let cookie = cookies[Self.csrfCookie], !cookie.isEmpty,
              csrfHeader.utf8.count == cookie.utf8.count,
              zip(csrfHeader.utf8, cookie.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else {
            throw AppError.forbidden("The X-Based-CSRF header does not match the session's CSRF cookie.", code: "csrf_failed")
        }
    }

    func refreshToken() throws -> String {
        guard let token = cookies[Self.refreshCookie], !token.isEmpty else {
            throw AppError.unauthorized("There is no session cookie; sign in again.", code: "refresh_cookie_missing")
        }
        return token
    }

    // MARK: Answers

    /// Sets the refresh cookie and a fresh CSRF cookie, both living as long as the refresh token.
    func setSession(refreshToken: String, expiresAt: Date) {
        let maxAge = max(0, Int(expiresAt.timeIntervalSinceNow))
        let csrf = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString()
        outgoing.withLock {
            $0 = [
                cookie(Self.refreshCookie, refreshToken, path: Self.refreshPath, maxAge: maxAge, httpOnly: true),
                cookie(Self.csrfCookie, csrf, path: "/", maxAge: maxAge, httpOnly: false),
            ]
        }
    }

    /// Expires both cookies.
    func clearSession() {
        outgoing.withLock {
            $0 = [
                cookie(Self.refreshCookie, "", path: Self.refreshPath, maxAge: 0, httpOnly: true),
                cookie(Self.csrfCookie, "", path: "/", maxAge: 0, httpOnly: false),
            ]
        }
    }

    private func cookie(_ name: String, _ value: String, path: String, maxAge: Int, httpOnly: Bool) -> String {
        var parts = ["\(name)=\(value)", "Path=\(path)", "Max-Age=\(maxAge)", "SameSite=Strict"]
        if httpOnly { parts.append("HttpOnly") }
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// `a=1; b=2` → `[a: 1, b: 2]`; the first of repeated names wins (the most specific path, as browsers send it).
    static func parseCookies(_ headers: [String]) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }
}

/// Binds `BrowserExchange.current` for the web auth endpoints and writes the
/// cookies their handlers set, on success and on a refused refresh alike.
struct BrowserSessionMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    let secureCookies: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix(BrowserExchange.refreshPath + "/") else { return try await next(request, context) }
        let forwardedProto = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces)
        let exchange = BrowserExchange(
            cookies: BrowserExchange.parseCookies(request.headers[values: .cookie]),
            csrfHeader: request.headers[BrowserExchange.csrfHeader],
            origin: request.headers[.origin],
            fetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!],
            authorities: [request.head.authority, request.headers[HTTPField.Name("X-Forwarded-Host")!]].compactMap { $0 },
            secure: secureCookies || request.head.scheme == "https" || forwardedProto?.lowercased() == "https"
        )
        do {
            var response = try await BrowserExchange.$current.withValue(exchange) { try await next(request, context) }
            for cookie in exchange.setCookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
            return response
        } catch {
            let cookies = exchange.setCookies
            guard !cookies.isEmpty else { throw error }
            // The OpenAPI runtime wraps handler errors; ProblemMiddleware's mapping unwraps them.
            var problem = ProblemMiddleware.appError(for: error)
            for cookie in cookies { problem.headers.append(HTTPField(name: .setCookie, value: cookie)) }
            throw problem
        }
    }
}
