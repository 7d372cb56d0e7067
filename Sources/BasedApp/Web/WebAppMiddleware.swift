import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the web app from memory: its files, the versioned `/app/<version>/…`
/// URLs (cached for a year), and the shell `index.html` for any other page a
/// browser asks for, so History-API deep links survive a reload. API, stream,
/// Subsonic, metrics and health paths pass through untouched.
struct WebAppMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    let bundle: WebBundle
    /// The security headers, with the map tiles' origin allowed as an image source when one is set.
    let securityHeaders: HTTPFields

    init(bundle: WebBundle, mapTileURL: String? = nil) {
        self.bundle = bundle
        securityHeaders = WebSecurityHeaders.fields(imageOrigin: mapTileURL.flatMap(WebSecurityHeaders.origin))
    }

    /// Paths that belong to the server, never to the app.
    static let serverPrefixes = ["/api", "/rest", "/metrics", "/health"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        let path = request.uri.path
        if Self.serverPrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            return try await next(request, context)
        }
        let segments = try Self.segments(of: path)
        let cache: CachePolicy
        let asset: WebBundle.Asset
        if segments.first == "app", segments.count > 2 {
            let file = segments.dropFirst(2).joined(separator: "/")
            guard let found = bundle.assets[file] else { throw AppError.notFound("The file \(path)") }
            asset = file == "index.html" ? bundle.shell : found
            // An old shell's version still loads (today's files), but only the current one is immutable.
            cache = segments[1] == bundle.version ? .immutable : .revalidate
        } else if let found = bundle.assets[segments.joined(separator: "/")], segments.last != "index.html" {
            asset = found
            cache = .revalidate
        } else if segments.isEmpty || segments.last == "index.html" || Self.wantsPage(request, lastSegment: segments.last) {
            asset = bundle.shell
            cache = .revalidate
        } else {
            // A missing module or image is a 404, not the shell (which would fail as the wrong type).
            return try await next(request, context)
        }
        // Few labels in the request metrics, however many files and pages there are.
        context.coreContext.endpointPath.value = asset.contentType.hasPrefix("text/html") ? "web: page" : "web: file"
        return Self.response(asset, cache: cache, request: request, securityHeaders: securityHeaders)
    }

    enum CachePolicy {
        case immutable, revalidate

        var header: String {
            switch self {
            case .immutable: "public, max-age=31536000, immutable"
            case .revalidate: "no-cache"
            }
        }
    }

    /// The decoded path segments; a `..`, `.`, encoded slash, backslash or NUL anywhere is refused.
    static func segments(of path: String) throws -> [String] {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = String(raw).removingPercentEncoding,
                  segment != "..", segment != ".",
                  !segment.contains("/"), !segment.contains("\\"), !segment.contains("\0")
            else {
                throw AppError.badRequest("The path \(path.prefix(200)) is not allowed.", code: "invalid_path")
            }
            segments.append(segment)
        }
        return segments
    }

    /// A page of the app: a browser navigation (it accepts HTML) to a path
    /// whose last segment has no file extension.
    static func wantsPage(_ request: Request, lastSegment: String?) -> Bool {
        guard let accept = request.headers[.accept], accept.contains("text/html") else { return false }
        return !(lastSegment ?? "").contains(".")
    }

    static func response(_ asset: WebBundle.Asset, cache: CachePolicy, request: Request, securityHeaders: HTTPFields = WebSecurityHeaders.fields()) -> Response {
        let gzip = asset.gzipped != nil && acceptsGzip(request.headers[values: .acceptEncoding])
        let etag = gzip ? asset.gzipETag : asset.etag
        var headers = securityHeaders
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = cache.header
        headers[.eTag] = etag
        if asset.gzipped != nil { headers[.vary] = "Accept-Encoding" }
        if let tags = request.headers[values: .ifNoneMatch].first, matches(tags, asset) {
            return Response(status: .notModified, headers: headers)
        }
        if gzip { headers[.contentEncoding] = "gzip" }
        let body = gzip ? asset.gzipped! : asset.body
        if request.method == .head {
            headers[.contentLength] = String(body.readableBytes)
            return Response(status: .ok, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Whether `Accept-Encoding` allows gzip (`gzip` or `*` without `q=0`).
    static func acceptsGzip(_ values: [String]) -> Bool {
        for item in values.flatMap({ $0.split(separator: ",") }) {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let refused = parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").range(of: #"^q=0(\.0*)?$"#, options: .regularExpression) != nil }
            if !refused { return true }
        }
        return false
    }

    /// If-None-Match by weak comparison against either form of the file (RFC 9110 13.1.2).
    static func matches(_ header: String, _ asset: WebBundle.Asset) -> Bool {
        let tags = header.split(separator: ",").map { tag -> String in
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed
        }
        return tags.contains("*") || tags.contains(asset.etag) || (asset.gzipped != nil && tags.contains(asset.gzipETag))
    }
}

/// The headers every web app response carries: a strict Content-Security-Policy
/// (scripts and styles only from this origin, no inline code, no framing), no
/// MIME sniffing, and no referrer to other sites.
enum WebSecurityHeaders {
    static func contentSecurityPolicy(imageOrigin: String? = nil) -> String {
        [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:" + (imageOrigin.map { " " + $0 } ?? ""),
            "media-src 'self' blob:", "connect-src 'self' ws: wss:", "font-src 'self'", "object-src 'none'", "manifest-src 'self'",
            "worker-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
        ].joined(separator: "; ")
    }

    /// `scheme://host[:port]` of a tile template such as `https://tile.example/{z}/{x}/{y}.png`.
    static func origin(_ template: String) -> String? {
        guard let url = URL(string: template.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
              let scheme = url.scheme, let host = url.host else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    static func fields(imageOrigin: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentSecurityPolicy] = contentSecurityPolicy(imageOrigin: imageOrigin)
        fields[.xContentTypeOptions] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        fields[HTTPField.Name("Permissions-Policy")!] = "camera=(self), microphone=(self), geolocation=(self)"
        return fields
    }
}
