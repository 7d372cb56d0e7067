import Foundation
import HTTPTypes
import Hummingbird

/// The one error type the server reports to clients, rendered as an RFC 9457
/// problem document by `ProblemMiddleware`.
public struct AppError: Error, Sendable, Equatable {
    /// One offending field of a request, named by its JSON path.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(_ field: String, _ message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    /// A stable machine-readable code; clients switch on this, never on `detail`.
    public var code: String
    public var detail: String
    public var fields: [FieldError]
    /// Extra response headers, such as `Retry-After` or `WWW-Authenticate`.
    public var headers: HTTPFields
    /// For a suspended or banned account at sign-in: how to appeal without a session.
    public var appeal: AppealGrant?

    /// The right to appeal one case without signing in, given to whoever just
    /// proved they own the account (the password matched): a signed link.
    public struct AppealGrant: Codable, Sendable, Equatable {
        public var caseId: String
        public var expires: Int
        public var sig: String
    }

    public init(
        _ status: HTTPResponse.Status,
        code: String,
        _ detail: String,
        fields: [FieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.fields = fields
        self.headers = headers
        self.appeal = nil
    }
}

extension AppError {
    public static func validation(_ fields: [FieldError]) -> AppError {
        let summary = fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        return AppError(.unprocessableContent, code: "validation_failed", "The request has invalid fields: \(summary)", fields: fields)
    }

    public static func validation(_ field: String, _ message: String) -> AppError {
        .validation([FieldError(field, message)])
    }

    public static func badRequest(_ detail: String, code: String = "bad_request", fields: [FieldError] = []) -> AppError {
        AppError(.badRequest, code: code, detail, fields: fields)
    }

    public static func notFound(_ what: String) -> AppError {
        AppError(.notFound, code: "not_found", "\(what) was not found.")
    }

    public static func unauthorized(_ detail: String, code: String = "unauthorized") -> AppError {
        AppError(.unauthorized, code: code, detail, headers: [.wwwAuthenticate: "Bearer"])
    }

    public static func forbidden(_ detail: String, code: String = "forbidden") -> AppError {
        AppError(.forbidden, code: code, detail)
    }

    public static func conflict(_ detail: String, code: String = "conflict", fields: [FieldError] = []) -> AppError {
        AppError(.conflict, code: code, detail, fields: fields)
    }

    public static func tooManyRequests(retryAfter seconds: Int) -> AppError {
        AppError(
            .tooManyRequests,
            code: "rate_limited",
            "Too many requests; try again in \(seconds) seconds.",
            headers: [.retryAfter: String(seconds)]
        )
    }

    public static func payloadTooLarge(limit: Int) -> AppError {
        AppError(.contentTooLarge, code: "payload_too_large", "The request body is larger than the limit of \(limit) bytes.")
    }

    public static func unsupportedMediaType(_ detail: String) -> AppError {
        AppError(.unsupportedMediaType, code: "unsupported_media_type", detail)
    }

    public static let `internal` = AppError(.internalServerError, code: "internal_error", "The server failed to handle the request.")
}

/// The RFC 9457 body.
struct Problem: Codable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var instance: String?
    var requestId: String?
    var fields: [AppError.FieldError]?
    var appeal: AppError.AppealGrant?
}

extension AppError {
    func response(instance: String?, requestID: String?) -> Response {
        let problem = Problem(
            type: "https://based.invalid/problems/\(code)",
            title: status.reasonPhrase,
            status: status.code,
            detail: detail,
            code: code,
            instance: instance,
            requestId: requestID,
            fields: fields.isEmpty ? nil : fields,
            appeal: appeal
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)) ?? Data()
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
