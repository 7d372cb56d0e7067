import BasedMedia
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// Audio delivery, routed by hand (not through the OpenAPI layer) so files
/// stream from disk with byte ranges: progressive renditions, the original,
/// and the HLS playlists and segments.
struct StreamRoutes: Sendable {
    let tracks: TrackService
    let blobs: BlobStore
    let signer: StreamSigner
    let live: LiveTranscoder
    let attachments: AttachmentService
    let sendFile: SendFile
    let files: OpenFiles

    func register(on router: Router<BasedRequestContext>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/api/v1/tracks/:trackId/stream", method: method) { request, context in
                try await stream(request, context)
            }
            router.on("/api/v1/tracks/:trackId/hls/master.m3u8", method: method) { request, context in
                try await hls(request, context, variant: nil)
            }
            router.on("/api/v1/tracks/:trackId/hls/:variant/:file", method: method) { request, context in
                try await hls(request, context, variant: context.parameters.get("variant"))
            }
            router.on("/api/v1/artwork/:hash", method: method) { request, context in
                try await artwork(request, context)
            }
            router.on("/api/v1/attachments/:attachmentId", method: method) { request, context in
                try await attachment(request, context)
            }
        }
    }

    /// The track, if the request may play it: by a valid signature, or by the caller's session.
    /// Ready tracks come from the catalog's cache, so a player's range requests cost no database round trip.
    private func authorize(_ request: Request, _ context: BasedRequestContext) async throws -> (PlayableTrack, signedQuery: String?) {
        guard let id = context.parameters.get("trackId").flatMap(UUID.init(uuidString:)) else {
            throw AppError.notFound("The track")
        }
        let query = request.uri.queryParameters
        if let expires = query.get("exp").flatMap({ Int($0) }), let signature = query.get("sig") {
            guard signer.verify(track: id, expires: expires, signature: String(signature)) else {
                throw AppError.forbidden("The stream link has expired or is not valid.", code: "invalid_signature")
            }
            guard let track = try await tracks.readyTrack(id) else {
                throw AppError.notFound("The track")
            }
            return (track, "exp=\(expires)&sig=\(signature)")
        }
        let track = try await tracks.playable(id, viewer: context.identity)
        // Its artist may play a track that is still processing: missing renditions are transcoded live.
        guard track.state == .ready || track.state == .processing else {
            throw AppError.conflict("The track is \(track.state.rawValue); it cannot be played.", code: "track_not_ready")
        }
        return (track, nil)
    }

    func stream(_ request: Request, _ context: BasedRequestContext) async throws -> Response {
        let (track, _) = try await authorize(request, context)
        let query = request.uri.queryParameters
        let maxBitRate = try query.get("maxBitRate").map { value -> Int in
            guard let rate = Int(value), rate > 0 else {
                throw AppError.validation("maxBitRate", "must be a positive number of kbps")
            }
            return rate
        }
        let codec: Rendition.Codec
        let format: String? = query.get("format").map { String($0) }
        switch format {
        case "original":
            return try await deliver(track, rendition: nil, offset: 0, request, context)
        case let format?:
            guard let chosen = Rendition.Codec(rawValue: format) else {
                throw AppError.validation("format", "must be aac, mp3, opus or original")
            }
            codec = chosen
        case nil:
            codec = ClientProfile.preferredCodec(userAgent: request.headers[.userAgent], accept: request.headers[.accept])
        }
        return try await deliver(track, rendition: Rendition.choose(codec, maxBitRate: maxBitRate), offset: 0, request, context)
    }

    /// Sends the track as `rendition` (nil: the original file) from `offset`
    /// seconds: a ready file with ranges and sendfile, else a finished live
    /// transcode, else one made while the listener listens. Seeking
    /// (an offset) is always a live transcode from there.
    func deliver(_ track: PlayableTrack, rendition: Rendition?, offset: Int, _ request: Request, _ context: BasedRequestContext) async throws -> Response {
        guard let rendition else {
            return try await serveFile(blobs.originalPath(hash: track.originalHash), mediaType: Self.originalMediaType(track.originalFormat), request, context)
        }
        let trackKey = track.id.uuidString.lowercased()
        if offset == 0 {
            if let open = try await files.open(blobs.renditionPath(track: trackKey, file: rendition.fileName)) {
                return try serve(open, mediaType: rendition.mediaType, request, context)
            }
            if let cached = await live.finished(track: trackKey, rendition: rendition) {
                return try await serveFile(cached.path, mediaType: LiveTranscoder.mediaType(rendition), request, context)
            }
        }
        return try await streamLive(track, rendition: rendition, offset: offset, request)
    }

    /// Sends a rendition while ffmpeg makes it, shared with every other request for it.
    /// A transcode that fails ends the response abruptly (the connection
    /// closes before the last chunk), so the client sees an error, never a
    /// short file that looks whole.
    func streamLive(_ track: PlayableTrack, rendition: Rendition, offset: Int = 0, _ request: Request) async throws -> Response {
        let original = blobs.original(hash: track.originalHash)
        guard try await files.open(original.path) != nil else {
            throw AppError.conflict("This rendition is not ready yet.", code: "rendition_not_ready")
        }
        let trackKey = track.id.uuidString.lowercased()
        let headers: HTTPFields = [.contentType: LiveTranscoder.mediaType(rendition), .cacheControl: "no-store", .acceptRanges: "none"]
        if request.method == .head { return Response(status: .ok, headers: headers) }
        let (partial, id) = try await live.join(
            track: trackKey, rendition: rendition, original: original, duration: track.durationSeconds ?? 0, offset: offset
        )
        let final = await live.cachedFile(track: trackKey, rendition: rendition, offset: offset)
        let body = ResponseBody { [live] writer in
            do {
                // The transcode may finish and rename its file before this reader opens it.
                let handle = try await NIOThreadPool.singleton.runIfActive {
                    (try? FileHandle(forReadingFrom: partial)) ?? (try? FileHandle(forReadingFrom: final))
                }
                guard let handle else { throw LiveTranscodeFailed() }
                defer { try? handle.close() }
                while true {
                    let chunk = try await NIOThreadPool.singleton.runIfActive { try handle.read(upToCount: 1 << 16) } ?? Data()
                    if !chunk.isEmpty {
                        try await writer.write(ByteBuffer(bytes: chunk))
                        continue
                    }
                    let state = await live.state(id)
                    if state.failed { throw LiveTranscodeFailed() }
                    if state.done {
                        // Whatever was written between the last read and the end.
                        let rest = try await NIOThreadPool.singleton.runIfActive { try handle.readToEnd() } ?? Data()
                        if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
                await live.leave(id)
                try await writer.finish(nil)
            } catch {
                await live.leave(id)
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    func hls(_ request: Request, _ context: BasedRequestContext, variant: String?) async throws -> Response {
        let (track, signedQuery) = try await authorize(request, context)
        guard track.state == .ready else {
            throw AppError.conflict("HLS is available once the track is ready; the progressive stream plays now.", code: "track_not_ready")
        }
        let file = variant == nil ? "master.m3u8" : context.parameters.get("file") ?? ""
        let folder = blobs.renditions(track: track.id.uuidString.lowercased()).appendingPathComponent("hls", isDirectory: true)
        let path: URL
        if let variant {
            // Only names the ladder makes; anything else (../, odd Unicode) is simply not found.
            guard Rendition.hlsLadder.map({ "\($0)k" }).contains(variant), Self.isSegmentName(file) || file == "index.m3u8" || Self.isInitName(file) else {
                throw AppError.notFound("The HLS file")
            }
            path = folder.appendingPathComponent(variant).appendingPathComponent(file)
        } else {
            guard file == "master.m3u8" else { throw AppError.notFound("The HLS file") }
            path = folder.appendingPathComponent(file)
        }
        if file.hasSuffix(".m3u8") {
            let text = try await NIOThreadPool.singleton.runIfActive { try? String(contentsOf: path, encoding: .utf8) }
            guard let text else { throw AppError.notFound("The HLS file") }
            let body = signedQuery.map { Self.appendQuery($0, toURIsIn: text) } ?? text
            var headers: HTTPFields = [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "private, max-age=60"]
            headers[.contentLength] = String(body.utf8.count)
            return Response(status: .ok, headers: headers, body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(string: body)))
        }
        return try await serveFile(path.path, mediaType: "audio/mp4", request, context)
    }

    /// Cover art thumbnails, content-addressed and therefore cacheable for good.
    func artwork(_ request: Request, _ context: BasedRequestContext) async throws -> Response {
        let hash = context.parameters.get("hash") ?? ""
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { throw AppError.notFound("The artwork") }
        let size = request.uri.queryParameters.get("size") == "small" ? 128 : 512
        guard let file = try await files.open(blobs.artwork(hash: hash, size: size).path) else { throw AppError.notFound("The artwork") }
        var response = try serve(file, mediaType: "image/jpeg", request, context)
        response.headers[.cacheControl] = "public, max-age=31536000, immutable"
        return response
    }

    /// A message attachment, with ranges (audio clips seek); only for those who may see it.
    func attachment(_ request: Request, _ context: BasedRequestContext) async throws -> Response {
        guard let id = context.parameters.get("attachmentId").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("The attachment") }
        let (attachment, file) = try await attachments.file(id, viewer: context.identity?.userID)
        var response = try await serveFile(file.path, mediaType: attachment.contentType, request, context)
        response.headers[.cacheControl] = "private, max-age=31536000, immutable"
        return response
    }

    /// ffmpeg names each variant's init segment `init_<n>.mp4`.
    static func isInitName(_ name: String) -> Bool {
        name == "init.mp4" || (name.hasPrefix("init_") && name.hasSuffix(".mp4") && name.count <= 12
            && !name.dropFirst(5).dropLast(4).isEmpty && name.dropFirst(5).dropLast(4).allSatisfy(\.isASCIIDigit))
    }

    static func isSegmentName(_ name: String) -> Bool {
        name.hasPrefix("seg-") && name.hasSuffix(".m4s") && name.dropFirst(4).dropLast(4).allSatisfy(\.isASCIIDigit)
            && name.count == "seg-00000.m4s".count
    }

    /// Adds the signature to every URI of a playlist, so a player that was
    /// given a signed master playlist can fetch everything it refers to.
    static func appendQuery(_ query: String, toURIsIn playlist: String) -> String {
        playlist.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("#EXT-X-MAP:URI=\"") {
                return line.replacingOccurrences(of: ".mp4\"", with: ".mp4?\(query)\"")
            }
            if line.isEmpty || line.hasPrefix("#") { return String(line) }
            return "\(line)?\(query)"
        }.joined(separator: "\n")
    }

    /// An IMF-fixdate (RFC 9110 §5.6.7), as Last-Modified wants. Formatted by
    /// hand: it runs on every stream request, where building a DateFormatter costs more than the rest.
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT",
                      days[Int(parts.tm_wday)], parts.tm_mday, months[Int(parts.tm_mon)], parts.tm_year + 1900,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static func originalMediaType(_ format: String) -> String {
        switch format {
        case "mp3": "audio/mpeg"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "aiff": "audio/aiff"
        case "ogg": "audio/ogg"
        case "m4a": "audio/mp4"
        case "aac": "audio/aac"
        default: "application/octet-stream"
        }
    }

    /// Sends a file with full HTTP range support: single, open-ended and suffix
    /// ranges, If-Range, If-None-Match, 416 past the end.
    func serveFile(_ path: String, mediaType: String, _ request: Request, _ context: BasedRequestContext) async throws -> Response {
        guard let file = try await files.open(path) else {
            throw AppError.conflict("This rendition is not ready yet.", code: "rendition_not_ready")
        }
        return try serve(file, mediaType: mediaType, request, context)
    }

    /// As `serveFile`, for a file already open. The body goes out with
    /// sendfile(2) where the connection can (an empty body and a header naming
    /// the file, see `SendFile`), else read into buffers off the event loops.
    func serve(_ file: OpenFile, mediaType: String, _ request: Request, _ context: BasedRequestContext) throws -> Response {
        var answer = try Self.answer(file, mediaType: mediaType, method: request.method, headers: request.headers)
        guard let range = answer.range else { return Response(status: answer.status, headers: answer.headers) }
        guard sendFile.isInstalled(on: context.channelID) else {
            return Response(status: answer.status, headers: answer.headers, body: Self.readingBody(file, range: range))
        }
        sendFile.attach(file, range: range, to: &answer.headers)
        return Response(status: answer.status, headers: answer.headers)
    }

    /// How a request for a file is answered: status, headers and the bytes to
    /// send (nil: none, for HEAD, 304 and an empty file). Full HTTP range
    /// support: single, open-ended and suffix ranges, If-Range, If-None-Match,
    /// 416 past the end (thrown). Shared by the router and `StreamFastPath`,
    /// so both answer alike.
    static func answer(_ file: OpenFile, mediaType: String, method: HTTPRequest.Method, headers request: HTTPFields) throws -> FileAnswer {
        let size = file.size
        let etag = file.etag
        let lastModified = file.lastModified
        var headers: HTTPFields = [
            .contentType: mediaType, .acceptRanges: "bytes", .eTag: etag, .lastModified: lastModified,
            .cacheControl: "private, max-age=86400",
        ]
        if let match = request[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }) {
            return FileAnswer(status: .notModified, headers: headers, range: nil)
        }
        var rangeHeader = request[.range]
        if let condition = request[.ifRange], condition != etag, condition != lastModified {
            rangeHeader = nil
        }
        var status = HTTPResponse.Status.ok
        var range: ClosedRange<Int>? = size > 0 ? 0...(size - 1) : nil
        switch ByteRange.resolve(rangeHeader, size: size) {
        case .unsatisfiable:
            var error = AppError(.rangeNotSatisfiable, code: "range_not_satisfiable", "The range lies outside the file of \(size) bytes.")
            error.headers[.contentRange] = "bytes */\(size)"
            throw error
        case .partial(let partial):
            headers[.contentRange] = "bytes \(partial.lowerBound)-\(partial.upperBound)/\(size)"
            status = .partialContent
            range = partial
        case .full:
            break
        }
        headers[.contentLength] = String(range?.count ?? 0)
        return FileAnswer(status: status, headers: headers, range: method == .head ? nil : range)
    }

    /// A body read from the file into buffers on NIO's thread pool, for connections without sendfile (router tests).
    static func readingBody(_ file: OpenFile, range: ClosedRange<Int>) -> ResponseBody {
        ResponseBody(contentLength: range.count) { writer in
            var offset = range.lowerBound
            while offset <= range.upperBound {
                let count = min(1 << 17, range.upperBound + 1 - offset)
                let chunk = try await NIOThreadPool.singleton.runIfActive { [offset] in
                    var buffer = ByteBufferAllocator().buffer(capacity: count)
                    let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
                        max(0, pread(file.descriptor, bytes.baseAddress, count, off_t(offset)))
                    }
                    guard read > 0 else { throw IOError(errnoCode: EIO, reason: "the file is shorter than it was") }
                    return buffer
                }
                try await writer.write(chunk)
                offset += chunk.readableBytes
            }
            try await writer.finish(nil)
        }
    }
}

/// What a request for a file is answered with (see `StreamRoutes.answer`).
struct FileAnswer {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    /// The bytes to send; nil for none.
    var range: ClosedRange<Int>?
}

/// A live transcode failed after its response had begun; the connection is cut.
struct LiveTranscodeFailed: Error {}
