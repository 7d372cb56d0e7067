import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Echoes a sane client `X-Request-Id`, or Hummingbird's own id, on every response.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id: String
        if let incoming = request.headers[.requestID], Self.isAcceptable(incoming) {
            id = incoming
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        } else {
            id = context.id
        }
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Binds `RequestScope.current` so OpenAPI handlers can see the caller.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let scope = RequestScope(
            identity: context.identity,
            clientAddress: context.clientAddress,
            userAgent: request.headers[.userAgent],
            logger: context.logger
        )
        return try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
    }
}

/// Caps request bodies before any handler reads them: 413 past the limit,
/// whether the client declared the length or streamed it.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    /// Default limit for JSON requests.
    let jsonLimit: Int
    /// Paths (suffix, limit) that take larger bodies, such as image uploads.
    let overrides: [(suffix: String, limit: Int)]
    /// Routes whose handlers stream the body to disk themselves and enforce the
    /// limit as it arrives; only a declared length over it is refused here.
    var streamed: [Streamed] = []

    /// A route that streams its body: a method and a path, or every path under a prefix.
    struct Streamed {
        var method: HTTPRequest.Method = .post
        var path: String
        /// `path` ends in "/" and names every path under it.
        var isPrefix = false
        var limit: Int

        func matches(_ request: Request) -> Bool {
            request.method == method && (isPrefix ? request.uri.path.hasPrefix(path) : request.uri.path == path)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if let stream = streamed.first(where: { $0.matches(request) }) {
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > stream.limit {
                throw AppError.payloadTooLarge(limit: stream.limit)
            }
            return try await next(request, context)
        }
        // HTTP/1.1: without Content-Length or Transfer-Encoding there is no body to
        // read (every GET of a stream); don't wait on the connection to learn that.
        if request.headers[.contentLength] == nil, request.headers[.transferEncoding] == nil {
            return try await next(request, context)
        }
        let limit = overrides.first { path.hasSuffix($0.suffix) }?.limit ?? jsonLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AppError.payloadTooLarge(limit: limit)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw AppError.payloadTooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}

/// Limits every client address to a steady request rate (a token bucket), as a
/// guard against floods; the stricter sign-in limits live in `AccountService`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .limited(let retryAfter) = limiter.take("ip:\(context.clientAddress)") {
            throw AppError.tooManyRequests(retryAfter: retryAfter)
        }
        return try await next(request, context)
    }
}
