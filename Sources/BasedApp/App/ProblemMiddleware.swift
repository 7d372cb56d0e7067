import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error a request raises into an RFC 9457 problem response. The
/// one place where errors become JSON; nothing else writes error bodies.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let appError = Self.appError(for: error)
            if appError.status.kind == .serverError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return appError.response(instance: request.uri.path, requestID: context.id)
        }
    }

    static func appError(for error: any Error) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as ServerError:
            if let underlying = error.underlyingError as? AppError { return underlying }
            if let decoding = error.underlyingError as? DecodingError {
                // The runtime decodes path and query parameters without a coding
                // path; an empty path on a bodiless request means one of those.
                if decoding.context?.codingPath.isEmpty ?? true, [.get, .delete, .head].contains(error.request.method) {
                    let query = error.request.path?.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
                    return .badRequest("A path or query parameter has a value of the wrong type (query: \(query.prefix(200))).", code: "invalid_parameter")
                }
                return appError(for: decoding)
            }
            if error.httpStatus.kind == .clientError {
                let code = error.httpStatus == .unsupportedMediaType ? "unsupported_media_type" : "bad_request"
                return AppError(error.httpStatus, code: code, Self.describe(error))
            }
            return .internal
        case let error as DecodingError:
            return appError(for: error)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return AppError(.notFound, code: "route_not_found", "No such route.")
            case .contentTooLarge: return AppError(.contentTooLarge, code: "payload_too_large", error.body ?? "The request body is too large.")
            case .methodNotAllowed: return AppError(.methodNotAllowed, code: "method_not_allowed", "This route does not accept that method.")
            default:
                let status = error.status
                return status.kind == .clientError
                    ? AppError(status, code: "bad_request", error.body ?? status.reasonPhrase)
                    : .internal
            }
        default:
            return .internal
        }
    }

    private static func describe(_ error: ServerError) -> String {
        // The runtime's own description of what was wrong with the request,
        // such as "Missing required query parameter named: cursor".
        let cause = error.causeDescription
        if cause == "Unknown" || cause.isEmpty { return error.httpStatus.reasonPhrase }
        return cause
    }

    static func appError(for error: DecodingError) -> AppError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation(path(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            return .validation(path(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            return .validation(path(context.codingPath), "must be of type \(jsonTypeName(type))")
        case .dataCorrupted(let context):
            // The runtime's date transcoder sees only the string, so its error
            // names no field; the JSON itself was fine.
            if context.codingPath.isEmpty, context.debugDescription.contains("ISO8601") {
                return AppError(
                    .unprocessableContent, code: "invalid_date_time",
                    "A date-time value is not an RFC 3339 date-time such as 2026-12-12T20:00:00Z."
                )
            }
            if context.codingPath.isEmpty {
                return .badRequest("The request body is not valid JSON.", code: "malformed_json")
            }
            return .validation(path(context.codingPath), "has an invalid value")
        @unknown default:
            return .badRequest("The request body could not be read.", code: "malformed_json")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "string"
        case is Bool.Type: "boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "integer"
        case is Double.Type, is Float.Type: "number"
        case is [Any].Type: "array"
        default: "object"
        }
    }
}

/// Counts requests and records their latency by route and status in the
/// application's Prometheus registry. A response is timed to the end of its
/// body, so a stream counts for as long as it takes to send: a file sent by
/// `sendfile(2)` until the kernel has taken its last byte; a streamed body
/// (of unknown or large length) until its last write, as Hummingbird's own
/// `MetricsMiddleware` does. A small body of known length is already in
/// memory and goes out in the same write as the head, so its time is the
/// handler's (and wrapping it would cost Hummingbird's one-write fast path).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    let metrics: AppMetrics
    let sendFile: SendFile
    static let smallBody = 1 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ProblemMiddleware runs inside this one, so only truly unhandled errors get here.
            metrics.record(method: request.method, route: context.endpointPath ?? "unmatched", status: 500, duration: .now - start)
            throw error
        }
        let (metrics, method, status) = (metrics, request.method, response.status.code)
        let route = context.endpointPath ?? "unmatched"
        if sendFile.whenSent(response.headers, { _ in metrics.record(method: method, route: route, status: status, duration: .now - start) }) {
            return response
        }
        if let length = response.body.contentLength, length <= Self.smallBody {
            metrics.record(method: method, route: route, status: status, duration: .now - start)
            return response
        }
        // Hummingbird's `withPostWriteClosure` is package-internal; this is the same wrapper.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                metrics.record(method: method, route: route, status: status, duration: .now - start)
                throw error
            }
            metrics.record(method: method, route: route, status: status, duration: .now - start)
        }
        return response
    }
}

extension DecodingError {
    var context: Context? {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            return context
        @unknown default:
            return nil
        }
    }
}
