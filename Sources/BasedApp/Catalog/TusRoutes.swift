import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Resumable uploads over tus 1.0 (https://tus.io/protocols/resumable-upload),
/// routed by hand: tus speaks in headers (`Upload-Length`, `Upload-Offset`,
/// `Tus-Resumable`) and streams its PATCH bodies, which the OpenAPI layer would
/// not hand over as they are. Extensions: creation, expiration, termination.
/// Every answer, problems included, carries `Tus-Resumable`.
struct TusRoutes: Sendable {
    let uploads: ResumableUploads

    static let version = "1.0.0"
    static let extensions = "creation,expiration,termination"
    static let tusResumable = HTTPField.Name("Tus-Resumable")!
    static let tusVersion = HTTPField.Name("Tus-Version")!
    static let tusExtension = HTTPField.Name("Tus-Extension")!
    static let tusMaxSize = HTTPField.Name("Tus-Max-Size")!
    static let uploadLength = HTTPField.Name("Upload-Length")!
    static let uploadDeferLength = HTTPField.Name("Upload-Defer-Length")!
    static let uploadOffset = HTTPField.Name("Upload-Offset")!
    static let uploadMetadata = HTTPField.Name("Upload-Metadata")!
    static let uploadExpires = HTTPField.Name("Upload-Expires")!
    /// Ours: the track a finished upload became.
    static let trackID = HTTPField.Name("Based-Track-Id")!

    func register(on router: Router<BasedRequestContext>) {
        router.on("/api/v1/uploads", method: .options) { _, _ in options() }
        router.on("/api/v1/uploads/:uploadId", method: .options) { _, _ in options() }
        router.post("/api/v1/uploads") { request, context in
            await tus(request, context) { identity in try await create(request, identity) }
        }
        router.on("/api/v1/uploads/:uploadId", method: .head) { request, context in
            await tus(request, context) { identity in try await status(context, identity) }
        }
        router.patch("/api/v1/uploads/:uploadId") { request, context in
            await tus(request, context) { identity in try await append(request, context, identity) }
        }
        router.delete("/api/v1/uploads/:uploadId") { request, context in
            await tus(request, context) { identity in
                try await uploads.terminate(try Self.id(context), by: identity)
                return Response(status: .noContent)
            }
        }
    }

    /// What this server speaks; no session needed.
    private func options() -> Response {
        var headers = HTTPFields()
        headers[Self.tusResumable] = Self.version
        headers[Self.tusVersion] = Self.version
        headers[Self.tusExtension] = Self.extensions
        headers[Self.tusMaxSize] = String(uploads.maxBytes)
        return Response(status: .noContent, headers: headers)
    }

    /// Checks the protocol version and the session, runs `body`, and gives
    /// every answer (a problem too) the `Tus-Resumable` header.
    private func tus(_ request: Request, _ context: BasedRequestContext, _ body: (Identity) async throws -> Response) async -> Response {
        var response: Response
        do {
            guard request.headers[Self.tusResumable] == Self.version else {
                var problem = AppError(.preconditionFailed, code: "tus_version", "Send Tus-Resumable: \(Self.version); it is the version this server speaks.")
                    .response(instance: request.uri.path, requestID: context.id)
                problem.headers[Self.tusVersion] = Self.version
                problem.headers[Self.tusResumable] = Self.version
                return problem
            }
            guard let identity = context.identity else { throw AppError.unauthorized("Sign in to upload.") }
            response = try await body(identity)
        } catch {
            let problem = ProblemMiddleware.appError(for: error)
            if problem.status.kind == .serverError {
                context.logger.error("upload request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            response = problem.response(instance: request.uri.path, requestID: context.id)
        }
        response.headers[Self.tusResumable] = Self.version
        return response
    }

    private func create(_ request: Request, _ identity: Identity) async throws -> Response {
        if request.headers[Self.uploadDeferLength] != nil {
            throw AppError.badRequest("Uploads of a length not known yet are not supported; send Upload-Length.", code: "length_required")
        }
        guard let text = request.headers[Self.uploadLength], let length = Int(text), length >= 0 else {
            throw AppError.badRequest("Upload-Length must be the file's size in bytes.", code: "invalid_upload_length")
        }
        let metadata = try Self.metadata(request.headers[Self.uploadMetadata])
        var upload = TrackService.Upload(filename: metadata["filename"] ?? metadata["name"], title: metadata["title"])
        if let visibility = metadata["visibility"] {
            guard let chosen = Visibility(rawValue: visibility) else {
                throw AppError.validation("visibility", "must be one of \(Visibility.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            upload.visibility = chosen
        }
        let made = try await uploads.create(identity, length: length, upload: upload)
        var headers = HTTPFields()
        headers[.location] = "/api/v1/uploads/\(made.id.text)"
        headers[Self.uploadOffset] = "0"
        headers[Self.uploadExpires] = StreamRoutes.httpDate(made.expiresAt)
        return Response(status: .created, headers: headers)
    }

    private func status(_ context: BasedRequestContext, _ identity: Identity) async throws -> Response {
        let upload = try await uploads.upload(try Self.id(context), owner: identity)
        var headers = Self.progress(upload.offset, upload)
        headers[Self.uploadLength] = String(upload.length)
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers)
    }

    private func append(_ request: Request, _ context: BasedRequestContext, _ identity: Identity) async throws -> Response {
        let id = try Self.id(context)
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/offset+octet-stream") == true else {
            throw AppError.unsupportedMediaType("Send the bytes as application/offset+octet-stream.")
        }
        guard let text = request.headers[Self.uploadOffset], let offset = Int(text), offset >= 0 else {
            throw AppError.badRequest("Upload-Offset must be the offset the bytes start at.", code: "invalid_upload_offset")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init) {
            let upload = try await uploads.upload(id, owner: identity)
            // (A finished upload or a wrong offset is answered by `append`.)
            guard upload.trackID != nil || offset != upload.offset || declared <= upload.length - offset else {
                throw AppError(.contentTooLarge, code: "upload_too_long", "The bytes go past the upload's length of \(upload.length); none of them were kept.")
            }
        }
        let appended = try await uploads.append(id, by: identity, offset: offset, bytes: request.body)
        let upload = try await uploads.upload(id, owner: identity)
        return Response(status: .noContent, headers: Self.progress(appended.offset, upload))
    }

    private static func progress(_ offset: Int, _ upload: ResumableUploads.Upload) -> HTTPFields {
        var headers = HTTPFields()
        headers[uploadOffset] = String(offset)
        if let track = upload.trackID {
            headers[trackID] = track.text
        } else {
            headers[uploadExpires] = StreamRoutes.httpDate(upload.expiresAt)
        }
        return headers
    }

    private static func id(_ context: BasedRequestContext) throws -> UUID {
        guard let id = context.parameters.get("uploadId").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("The upload") }
        return id
    }

    /// `Upload-Metadata`: comma-separated pairs of a key and its value in
    /// base64 (a key alone has an empty value). Keys used: filename (or name),
    /// title, visibility; others are ignored.
    static func metadata(_ header: String?) throws -> [String: String] {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return [:] }
        guard header.utf8.count <= 4096 else { throw AppError.badRequest("Upload-Metadata is longer than 4,096 bytes.", code: "invalid_upload_metadata") }
        var pairs: [String: String] = [:]
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, pairs[String(key)] == nil else {
                throw AppError.badRequest("Upload-Metadata must be comma-separated pairs of a key and a base64 value, each key once.", code: "invalid_upload_metadata")
            }
            var value = ""
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let decoded = String(data: data, encoding: .utf8) else {
                    throw AppError.badRequest("The value of \(key.prefix(40)) in Upload-Metadata is not base64 of UTF-8 text.", code: "invalid_upload_metadata")
                }
                value = decoded
            }
            pairs[String(key)] = value
        }
        return pairs
    }
}
