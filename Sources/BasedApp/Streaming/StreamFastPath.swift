import BasedMedia
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The stream requests players send most — a ready rendition through a signed
/// link, whole or a byte range — answered on the connection's event loop by a
/// channel handler in front of Hummingbird's router, as nginx answers a
/// static file: no task, no router, no middleware chain, no await.
///
/// Everything it needs is already in memory or it steps aside: the link's
/// signature (an HMAC), the track's playback facts from `ReadyTracks`, the
/// rendition's open file from `OpenFiles` (checked within the last seconds).
/// On any miss — a cold track or file, another format, a header it does not
/// handle, a bad signature, a range past the end, a client at its rate limit —
/// the request goes on to the router untouched, which answers it (and warms
/// the caches). What the router's middlewares give every response is done
/// here too: the request id, the server and date headers, the request metrics
/// (timed to the kernel's last byte), the request log line, the client's rate
/// limit. The response itself comes from `StreamRoutes.answer`, the router's
/// own function, and its body goes out with `sendfile(2)` through `SendFile`.
final class StreamFastPath: Sendable {
    static let route = "/api/v1/tracks/{trackId}/stream"
    /// The `Server` header, as Hummingbird sends it for the router's answers.
    static let serverName = "Based"
    private static let prefix = Array("/api/v1/tracks/".utf8)
    private static let suffix = Array("/stream".utf8)

    let tracks: TrackService
    let signer: StreamSigner
    let files: OpenFiles
    let blobs: BlobStore
    let sendFile: SendFile
    let limiter: RateLimiter
    let metrics: AppMetrics
    let logger: Logger
    private let answered = Atomic<Int>(0)
    private let date = Mutex<(second: Int, text: String)>((0, ""))
    /// Links whose signature was verified, with their expiry.
    private let verified = Mutex<[String: Int]>([:])

    init(
        tracks: TrackService, signer: StreamSigner, files: OpenFiles, blobs: BlobStore, sendFile: SendFile,
        limiter: RateLimiter, metrics: AppMetrics, logger: Logger
    ) {
        self.tracks = tracks
        self.signer = signer
        self.files = files
        self.blobs = blobs
        self.sendFile = sendFile
        self.limiter = limiter
        self.metrics = metrics
        self.logger = logger
    }

    /// Files at least this large are sent with TCP_CORK set.
    static let corkBytes = 256 << 10
    static let cork = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: CInt(TCP_CORK)))

    /// Requests answered here so far (tests check the path was taken).
    var requestsAnswered: Int { answered.load(ordering: .relaxed) }

    /// For Hummingbird's `additionalChannelHandlers`, after `SendFile`'s.
    func channelHandler() -> any RemovableChannelHandler {
        StreamFastPathHandler(fastPath: self)
    }

    /// A prepared answer: the response head (its header naming the file
    /// for `SendFile`) and when it was begun, for the metrics.
    struct Answer {
        var head: HTTPResponse
        var method: HTTPRequest.Method
        var path: String
        var started: ContinuousClock.Instant
        /// Bytes of the file sent after the head.
        var bytes: Int
    }

    /// The answer to `request` if it is one this path serves and everything
    /// it needs is at hand; nil sends the request on to the router.
    /// `client` is the rate limiter's key for the connection's peer.
    func answer(_ request: HTTPRequest, client: String) -> Answer? {
        guard request.method == .get || request.method == .head, let target = request.path else { return nil }
        let headers = request.headerFields
        // Anything a middleware would act on goes the long way: a body, credentials, a connection to close
        // (browsers send `Connection: keep-alive`, HTTP/1.1's default, which changes nothing).
        guard headers[.contentLength] == nil || headers[.contentLength] == "0", headers[.transferEncoding] == nil,
              headers[.authorization] == nil, headers[.connection].map({ $0.lowercased() == "keep-alive" }) ?? true
        else { return nil }
        let started = ContinuousClock.now
        let (path, query) = Self.split(target)
        guard let (id, idText) = Self.trackID(path) else { return nil }
        var expires: Int?, signature: Substring?, format: Substring?, maxBitRate: Int?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count == 2 ? parts[1] : ""
            // Percent-escapes or anything unusual: leave the decoding to the router.
            if pair.utf8.contains(UInt8(ascii: "%")) || pair.utf8.contains(UInt8(ascii: "+")) { return nil }
            switch parts[0] {
            // A key given twice: whichever the router would read, leave it to the router.
            case "exp" where expires == nil: expires = Int(value) ?? -1
            case "sig" where signature == nil: signature = value
            case "format" where format == nil: format = value
            case "exp", "sig", "format": return nil
            case "maxBitRate":
                guard maxBitRate == nil, let rate = Int(value), rate > 0 else { return nil }
                maxBitRate = rate
            default:
                break
            }
        }
        guard let expires, expires >= 0, let signature, isValid(track: id, text: idText, expires: expires, signature: signature) else { return nil }
        let codec: Rendition.Codec
        switch format {
        case nil: codec = ClientProfile.preferredCodec(userAgent: headers[.userAgent], accept: headers[.accept])
        case let format?:
            guard let chosen = Rendition.Codec(rawValue: String(format)) else { return nil }
            codec = chosen
        }
        guard tracks.cachedReadyTrack(id) != nil else { return nil }
        let rendition = Rendition.choose(codec, maxBitRate: maxBitRate)
        guard let file = files.cached(blobs.renditionPath(track: idText, file: rendition.fileName)),
              var answer = try? StreamRoutes.answer(file, mediaType: rendition.mediaType, method: request.method, headers: headers)
        else { return nil }
        guard case .allowed = limiter.take(client) else { return nil }
        if let range = answer.range { sendFile.attach(file, range: range, to: &answer.headers) }
        if let incoming = headers[.requestID], RequestIDMiddleware.isAcceptable(incoming) {
            answer.headers[.requestID] = incoming
        } else {
            answer.headers[.requestID] = RequestID().description
        }
        answer.headers[.date] = httpDate()
        answer.headers[.server] = Self.serverName
        answered.add(1, ordering: .relaxed)
        return Answer(head: HTTPResponse(status: answer.status, headerFields: answer.headers), method: request.method, path: String(path), started: started, bytes: answer.range?.count ?? 0)
    }

    /// Whether a link's signature is valid, remembering the links verified
    /// lately: a player's range requests for one link pay for the HMAC once.
    private func isValid(track: UUID, text: String, expires: Int, signature: Substring) -> Bool {
        let now = Int(Date().timeIntervalSince1970)
        guard expires > now else { return false }
        let key = "\(text).\(expires).\(signature)"
        if verified.withLock({ $0[key] }) != nil { return true }
        guard signer.verify(track: track, expires: expires, signature: String(signature)) else { return false }
        verified.withLock { links in
            if links.count >= 4096 { links = links.filter { $0.value > now } }
            if links.count >= 4096 { links.removeAll(keepingCapacity: true) }
            links[key] = expires
        }
        return true
    }

    /// Counts and logs an answer once its last byte went to the kernel (or the write failed).
    func finished(_ answer: Answer, written: Bool) {
        metrics.record(method: answer.method, route: Self.route, status: written ? answer.head.status.code : 500, duration: .now - answer.started)
        if logger.logLevel <= .info {
            logger.info("Request", metadata: ["hb.request.method": .string(answer.method.rawValue), "hb.request.path": .string(answer.path)])
        }
    }

    /// The date header's value, made once a second.
    private func httpDate() -> String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        if let cached = date.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = StreamRoutes.httpDate(now)
        date.withLock { $0 = (second, text) }
        return text
    }

    static func split(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    /// The track id of `/api/v1/tracks/{id}/stream` and its text in lower
    /// case (as file names use it), else nil. Parsed by hand: Foundation's
    /// `UUID(uuidString:)` and `uuidString` go through `sscanf` and `sprintf`.
    static func trackID(_ path: Substring) -> (UUID, String)? {
        let bytes = Array(path.utf8)
        guard bytes.count == prefix.count + 36 + suffix.count, bytes.starts(with: prefix), bytes[(prefix.count + 36)...].elementsEqual(suffix)
        else { return nil }
        var uuid = [UInt8](repeating: 0, count: 16)
        var text = [UInt8]()
        text.reserveCapacity(36)
        var nibbles = 0
        for (offset, byte) in bytes[prefix.count..<(prefix.count + 36)].enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                text.append(byte)
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            uuid[nibbles / 2] |= nibbles % 2 == 0 ? value << 4 : value
            nibbles += 1
            text.append(value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10)
        }
        let id = UUID(uuid: (
            uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
            uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]
        ))
        return (id, String(decoding: text, as: UTF8.self))
    }
}

/// Sits after Hummingbird's HTTP codec, before its request handling: a request
/// `StreamFastPath` answers is answered here and never passed on; any other
/// part passes through. HTTP/1 sends one request at a time up the pipeline
/// (NIO's pipelining handler holds the next until this one's end is written),
/// so a swallowed request's body and end are the ones that follow its head.
/// Hummingbird's connection-state handler above never sees these requests,
/// so it would close an idle-looking connection at a graceful shutdown in the
/// middle of a file; the shutdown's quiesce event is held back until the
/// answer has been written.
private final class StreamFastPathHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    let fastPath: StreamFastPath
    /// The answer to the request being read, sent at its end.
    private var answer: StreamFastPath.Answer?
    /// An answer is being written.
    private var sending = false
    /// A graceful shutdown asked to close while an answer was under way.
    private var quiesceHeld = false
    /// Whether this connection sends files with sendfile(2) (`SendFile`'s handler is below).
    private var enabled = false
    /// The rate limiter's key for the peer, made once per connection.
    private var client: String?

    init(fastPath: StreamFastPath) {
        self.fastPath = fastPath
    }

    func handlerAdded(context: ChannelHandlerContext) {
        enabled = fastPath.sendFile.isInstalled(on: ObjectIdentifier(context.channel))
        // NIO's default high-water mark (64 KiB) is below one 64 KiB range and
        // its head, so every answer would flip the channel unwritable and back,
        // each flip an event up the pipeline to Hummingbird's writer. A whole
        // rendition of a few minutes fits under 512 KiB.
        if enabled {
            try? context.channel.syncOptions?.setOption(
                ChannelOptions.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10)
            )
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if enabled, let answer = fastPath.answer(request, client: clientKey(context)) {
                self.answer = answer
                return
            }
        case .body:
            if answer != nil { return }
        case .end:
            if let answer {
                self.answer = nil
                respond(answer, context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    private func clientKey(_ context: ChannelHandlerContext) -> String {
        if let client { return client }
        // As `RateLimitMiddleware` keys it.
        let key = "ip:\(context.channel.remoteAddress?.ipAddress ?? "local")"
        client = key
        return key
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, answer != nil || sending {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func respond(_ answer: StreamFastPath.Answer, context: ChannelHandlerContext) {
        let written = context.eventLoop.makePromise(of: Void.self)
        sending = true
        // A large file goes out corked, as nginx's `tcp_nopush` does: the
        // kernel sends full segments and pushes once at the end, rather than
        // after every chunk `sendfile` splices (TCP_NODELAY is on).
        let corked = answer.bytes >= StreamFastPath.corkBytes
            && (try? context.channel.syncOptions?.setOption(StreamFastPath.cork, value: 1)) != nil
        written.futureResult.assumeIsolated().whenComplete { [self] result in
            if corked { try? context.channel.syncOptions?.setOption(StreamFastPath.cork, value: 0) }
            if case .success = result { fastPath.finished(answer, written: true) } else { fastPath.finished(answer, written: false) }
            sending = false
            if quiesceHeld {
                quiesceHeld = false
                context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
        context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }
}
