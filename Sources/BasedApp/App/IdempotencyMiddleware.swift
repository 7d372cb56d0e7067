import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SQLKit

/// Makes a write safe to retry (DESIGN, "Data"): a POST, PUT, PATCH or DELETE
/// sent with `Idempotency-Key` runs once per caller and key; a retry with the
/// same key and the same request gets the first answer again, marked
/// `Idempotent-Replayed: true`, for 24 hours.
///
/// - The key belongs to the signed-in user, or to the client address when
///   anonymous; another caller's key is another key.
/// - The same key with another method, path or body is refused with 422
///   `idempotency_key_reused`; while the first request still runs, a retry
///   gets 409 `idempotency_key_in_flight` with `Retry-After`.
/// - Answers are stored when the handler returns one; when it throws (a
///   problem response) or answers 5xx, nothing is kept and a retry runs again.
/// - Not covered: `/api/v1/auth/…` (their answers carry tokens, which are not
///   written to the database) and bodies other than JSON (uploads are
///   deduplicated by their content already).
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let lifetime: TimeInterval = 24 * 3600
    /// Larger answers are not kept (no write in this API answers with more).
    static let maxStoredBody = 1 << 20

    let database: Database
    let maxRequestBody: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = request.headers[Self.header],
              [.post, .put, .patch, .delete].contains(request.method),
              !request.uri.path.hasPrefix("/api/v1/auth/")
        else { return try await next(request, context) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw AppError.badRequest("Idempotency-Key must be 1–255 visible ASCII characters.", code: "invalid_idempotency_key")
        }
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.isEmpty || contentType.lowercased().hasPrefix("application/json") else { return try await next(request, context) }

        var request = request
        let body = try await request.collectBody(upTo: maxRequestBody)
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8))
        hasher.update(data: Data(body.readableBytesView))
        let fingerprint = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let scope = context.identity.map { "user:\($0.userID.text)" } ?? "address:\(context.clientAddress)"

        if let earlier = try await claim(scope: scope, key: key, fingerprint: fingerprint) {
            return try replay(earlier, fingerprint: fingerprint)
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            await release(scope: scope, key: key)
            throw error
        }
        guard response.status.code < 500 else {
            await release(scope: scope, key: key)
            return response
        }
        guard let length = response.body.contentLength, length <= Self.maxStoredBody else {
            // A streamed or very large answer is given once and not kept.
            await release(scope: scope, key: key)
            return response
        }
        let sink = BodySink()
        var collected = response
        try await response.body.write(sink)
        collected.body = .init(byteBuffer: sink.buffer)
        try await database.sql.update("idempotency_keys")
            .set("state", to: "done")
            .set("status", to: Int(response.status.code))
            .set("content_type", to: response.headers[.contentType])
            .set("body", to: Data(sink.buffer.readableBytesView))
            .where("scope", .equal, scope).where("key", .equal, key)
            .run()
        return collected
    }

    /// Forgets the answers kept for a user (their account is being erased) and every expired one.
    static func forget(user: UUID, database: Database, now: Date = Date()) async throws {
        try await database.sql.delete(from: "idempotency_keys").where("scope", .equal, "user:\(user.text)").run()
        try await database.sql.delete(from: "idempotency_keys").where("created_at", .lessThan, now.addingTimeInterval(-lifetime)).run()
    }

    private struct Stored: Decodable {
        var fingerprint: String
        var state: String
        var status: Int?
        var content_type: String?
        var body: Data?
    }

    /// Takes the key for this request; returns the earlier row when it was taken before.
    private func claim(scope: String, key: String, fingerprint: String) async throws -> Stored? {
        let now = Date()
        try await database.sql.delete(from: "idempotency_keys").where("created_at", .lessThan, now.addingTimeInterval(-Self.lifetime)).run()
        let inserted = try await database.sql.insert(into: "idempotency_keys")
            .columns("scope", "key", "fingerprint", "state", "created_at")
            .values(SQLBind(scope), SQLBind(key), SQLBind(fingerprint), SQLBind("running"), SQLBind(now))
            .ignoringConflicts(with: ["scope", "key"])
            .returning("key")
            .first()
        guard inserted == nil else { return nil }
        return try await database.sql.select().columns("fingerprint", "state", "status", "content_type", "body")
            .from("idempotency_keys").where("scope", .equal, scope).where("key", .equal, key)
            .first(decoding: Stored.self)
    }

    private func replay(_ earlier: Stored, fingerprint: String) throws -> Response {
        guard earlier.fingerprint == fingerprint else {
            throw AppError(
                .unprocessableContent, code: "idempotency_key_reused",
                "This Idempotency-Key was used for a different request; use a new key for a new request."
            )
        }
        guard earlier.state == "done", let status = earlier.status else {
            throw AppError(
                .conflict, code: "idempotency_key_in_flight", "The first request with this Idempotency-Key is still running.",
                headers: [.retryAfter: "1"]
            )
        }
        var headers: HTTPFields = [Self.replayedHeader: "true"]
        if let contentType = earlier.content_type { headers[.contentType] = contentType }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: earlier.body ?? Data())))
    }

    /// Forgets a claim whose request did not produce an answer worth replaying.
    private func release(scope: String, key: String) async {
        try? await database.sql.delete(from: "idempotency_keys").where("scope", .equal, scope).where("key", .equal, key).run()
    }
}

/// Collects a response body of known, bounded length.
private final class BodySink: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ part: ByteBuffer) async throws {
        buffer.writeImmutableBuffer(part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
