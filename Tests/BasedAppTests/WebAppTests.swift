import BasedAPI
import BasedApp
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The repository's own web folder, so the tests serve the app as shipped.
let publicFolder = RepositoryToolingTests.root.appendingPathComponent("Public", isDirectory: true)

func withWebApp(_ body: @escaping @Sendable (any TestClientProtocol, AppServices) async throws -> Void) async throws {
    try await withApp({ $0.webDirectory = publicFolder }, body)
}

let browserAccept: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]

@Suite("Web app serving", .serialized)
struct WebAppTests {
    @Test("a deep link a browser reloads gets the shell, which loads versioned modules")
    func deepLinkShell() async throws {
        try await withWebApp { client, services in
            let version = try #require(services.web?.version)
            let response = try await client.request(.get, "/tracks/0192f0c4-aaaa-7bbb-8ccc-000000000000", headers: browserAccept)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            let html = String(buffer: response.body)
            #expect(html.contains("src=\"/app/\(version)/js/main.js\""))
            #expect(html.contains("href=\"/app/\(version)/app.css\""))
        }
    }

    @Test("the shell answers 304 to its own ETag")
    func notModified() async throws {
        try await withWebApp { client, _ in
            let first = try await client.request(.get, "/", headers: browserAccept)
            let etag = try #require(first.headers[.eTag])
            var headers = browserAccept
            headers[.ifNoneMatch] = etag
            let second = try await client.request(.get, "/", headers: headers)
            #expect(second.status == .notModified)
            #expect(second.body.readableBytes == 0)
            #expect(second.headers[.eTag] == etag)
            headers[.ifNoneMatch] = "\"something-else\""
            #expect(try await client.request(.get, "/", headers: headers).status == .ok)
        }
    }

    @Test("versioned modules are immutable and gzipped when the client accepts it")
    func versionedGzip() async throws {
        try await withWebApp { client, services in
            let version = try #require(services.web?.version)
            let uri = "/app/\(version)/js/main.js"
            let plain = try await client.request(.get, uri)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(plain.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(plain.headers[.contentEncoding] == nil)
            let zipped = try await client.request(.get, uri, headers: [.acceptEncoding: "br, gzip;q=0.8"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.vary] == "Accept-Encoding")
            #expect(zipped.headers[.eTag] != plain.headers[.eTag])
            var body = zipped.body
            let unzipped = try body.decompress(with: ZlibAlgorithm.gzip)
            #expect(unzipped == plain.body)
            #expect(try await client.request(.get, uri, headers: [.acceptEncoding: "gzip;q=0"]).headers[.contentEncoding] == nil)
        }
    }

    @Test("an unversioned file revalidates, and another version's URL is not immutable")
    func unversioned() async throws {
        try await withWebApp { client, _ in
            let css = try await client.request(.get, "/app.css")
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "no-cache")
            #expect(try await client.request(.get, "/app/0000000000/app.css").headers[.cacheControl] == "no-cache")
        }
    }

    @Test("every web response carries the CSP and security headers")
    func securityHeaders() async throws {
        try await withWebApp { client, services in
            let version = try #require(services.web?.version)
            for uri in ["/", "/events", "/app/\(version)/js/main.js", "/app.css"] {
                let response = try await client.request(.get, uri, headers: browserAccept)
                let csp = try #require(response.headers[.contentSecurityPolicy], "\(uri)")
                #expect(csp.contains("default-src 'self'"))
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(csp.contains("base-uri 'none'"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
            }
        }
    }

    @Test("API paths stay problem+json 404s, and a missing file is a 404, not the shell")
    func apiNotShell() async throws {
        try await withWebApp { client, _ in
            for uri in ["/api/v1/no/such/thing", "/api/nothing", "/js/no-such-module.js"] {
                let response = try await client.request(.get, uri, headers: browserAccept)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(uri)")
            }
            // /rest is Subsonic's: an unknown call is its "not implemented" error (code 0), never the shell.
            let subsonic = try await client.request(.get, "/rest/nothing", headers: browserAccept)
            #expect(subsonic.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(String(buffer: subsonic.body).contains(#"status="failed""#))
            // A client that does not ask for HTML keeps the API's 404 for unknown paths.
            #expect(try await client.request(.get, "/no/such/route").status == .notFound)
        }
    }

    @Test("path traversal is refused, plain or percent-encoded")
    func traversal() async throws {
        try await withWebApp { client, _ in
            for uri in ["/../Package.swift", "/js/../../Package.swift", "/%2e%2e/Package.swift", "/app/x/..%2f..%2fPackage.swift", "/js%2f..%2f..%2fREADME.md", "/%2E%2E%5CPackage.swift"] {
                let response = try await client.request(.get, uri, headers: browserAccept)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.problem().code == "invalid_path", "\(uri)")
                #expect(!String(buffer: response.body).contains("PackageDescription"))
            }
        }
    }

    @Test("Public/ has no inline script or style, and no innerHTML")
    func noInlineCode() throws {
        let files = try #require(FileManager.default.enumerator(at: publicFolder, includingPropertiesForKeys: nil))
        var checked = 0
        for case let url as URL in files where ["html", "js"].contains(url.pathExtension) {
            let text = try String(contentsOf: url, encoding: .utf8)
            checked += 1
            if url.pathExtension == "html" {
                for match in text.ranges(of: "<script") {
                    let tag = text[match.lowerBound...].prefix { $0 != ">" }
                    #expect(tag.contains("src="), "inline script in \(url.lastPathComponent)")
                }
                #expect(!text.contains("<style"), "\(url.lastPathComponent)")
                #expect(!text.contains(" style="), "\(url.lastPathComponent)")
                #expect(!text.lowercased().contains(" on") || text.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "\(url.lastPathComponent)")
            } else {
                #expect(!text.contains("innerHTML") && !text.contains("outerHTML") && !text.contains("insertAdjacentHTML"), "\(url.lastPathComponent)")
                #expect(!text.contains("eval(") && !text.contains("new Function"), "\(url.lastPathComponent)")
            }
        }
        #expect(checked > 5)
    }
}
