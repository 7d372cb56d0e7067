import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// Zero-copy file bodies (`sendfile(2)` through NIO's `FileRegion`).
///
/// Hummingbird's response body writer takes only `ByteBuffer`s, so a route
/// that sends a file answers with an empty body and an internal header
/// (`x-based-sendfile`, as nginx's `X-Accel-Redirect`) naming a file and
/// range held here. `SendFileHandler` sits below Hummingbird's HTTP codec,
/// where bodies are `IOData`: it strips the header from the head and writes
/// a `FileRegion` before the end, so the kernel copies the bytes from the page
/// cache to the socket. An empty body also lets Hummingbird write head and
/// end in one batch rather than three. Connections without the handler
/// (router tests) get the bytes read into buffers instead; `isInstalled(on:)`
/// tells which. Only the server's own code sets response headers, so no
/// client can make a response that names a file.
final class SendFile: Sendable {
    static let header = HTTPField.Name("x-based-sendfile")!

    fileprivate struct Pending {
        let file: OpenFile
        let range: ClosedRange<Int>
        let created: ContinuousClock.Instant
        /// Told when the kernel has taken the last byte (true) or the write failed (false).
        var whenSent: (@Sendable (Bool) -> Void)?
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var next: UInt64 = 0
        var channels: Set<ObjectIdentifier> = []
    }

    private let state = Mutex(State())
    private let regions = Atomic<Int>(0)

    /// File regions handed to connections so far (tests check the path was taken).
    var regionsSent: Int { regions.load(ordering: .relaxed) }

    /// Whether the connection with this channel sends files named by the header as `FileRegion`s.
    func isInstalled(on channel: ObjectIdentifier) -> Bool {
        state.withLock { $0.channels.contains(channel) }
    }

    /// Makes `headers` name `range` of `file`, to be sent with `sendfile(2)`
    /// in place of the (empty) body, on a connection that has the handler.
    func attach(_ file: OpenFile, range: ClosedRange<Int>, to headers: inout HTTPFields) {
        let now = ContinuousClock.now
        let number = state.withLock { state -> UInt64 in
            state.next += 1
            state.pending[state.next] = Pending(file: file, range: range, created: now)
            // A response whose connection closed before it was written is never taken; drop such leftovers.
            if state.pending.count > 256 {
                state.pending = state.pending.filter { now - $0.value.created < .seconds(60) }
            }
            return state.next
        }
        headers[Self.header] = String(number)
    }

    /// When `headers` name a file, runs `action` once the file has been sent
    /// (or failed) and answers true; otherwise false.
    func whenSent(_ headers: HTTPFields, _ action: @escaping @Sendable (Bool) -> Void) -> Bool {
        guard let number = headers[Self.header].flatMap(UInt64.init) else { return false }
        return state.withLock { state in
            guard state.pending[number] != nil else { return false }
            state.pending[number]?.whenSent = action
            return true
        }
    }

    /// The file and range a head's header names, once; nil for any other head.
    fileprivate func take(_ head: inout HTTPResponseHead) -> Pending? {
        guard let value = head.headers.first(name: Self.header.rawName) else { return nil }
        head.headers.remove(name: Self.header.rawName)
        guard let number = UInt64(value), let pending = state.withLock({ $0.pending.removeValue(forKey: number) }) else { return nil }
        regions.add(1, ordering: .relaxed)
        return pending
    }

    fileprivate func register(_ channel: ObjectIdentifier) {
        state.withLock { _ = $0.channels.insert(channel) }
    }

    fileprivate func unregister(_ channel: ObjectIdentifier) {
        state.withLock { _ = $0.channels.remove(channel) }
    }

    /// For Hummingbird's `additionalChannelHandlers`, which come after its
    /// HTTP codec: puts a `SendFileHandler` just above the HTTP/1 encoder.
    func channelHandlers() -> [any RemovableChannelHandler] {
        [SendFileInstaller(sendFile: self)]
    }
}

/// Adds `SendFileHandler` below the codec when the connection's pipeline is
/// set up; then passes everything through (a pipeline takes only inbound or outbound handlers).
private final class SendFileInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let sendFile: SendFile

    init(sendFile: SendFile) {
        self.sendFile = sendFile
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let encoder = try? pipeline.handler(type: HTTPResponseEncoder.self) else { return }
        try? pipeline.addHandler(SendFileHandler(sendFile: sendFile), position: .after(encoder))
    }
}

/// Sends the file a response head names: strips the internal header, and
/// writes a `FileRegion` of a duplicate of the file's descriptor just before
/// the response's end; the descriptor closes once the region has been written
/// (or failed). HTTP/1 answers one request at a time on a connection, so the
/// head and the end seen next belong together.
private final class SendFileHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let sendFile: SendFile
    private var file: SendFile.Pending?

    init(sendFile: SendFile) {
        self.sendFile = sendFile
    }

    func handlerAdded(context: ChannelHandlerContext) {
        sendFile.register(ObjectIdentifier(context.channel))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sendFile.unregister(ObjectIdentifier(context.channel))
        file?.whenSent?(false)
        file = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.headers.contains(name: SendFile.header.rawName):
            file = sendFile.take(&head)
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers) where file != nil:
            let taken = file!
            file = nil
            // dup(2) copies a descriptor without touching the file system; the region owns the copy.
            let copy = dup(taken.file.descriptor)
            guard copy >= 0 else {
                let error = IOError(errnoCode: errno, reason: "dup")
                taken.whenSent?(false)
                promise?.fail(error)
                context.close(promise: nil)
                return
            }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            let region = FileRegion(fileHandle: handle, readerIndex: taken.range.lowerBound, endIndex: taken.range.upperBound + 1)
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                try? handle.close()
                if case .success = result { taken.whenSent?(true) } else { taken.whenSent?(false) }
            }
            context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: written)
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
