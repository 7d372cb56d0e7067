import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// Zero-copy file bodies (`sendfile(2)` through NIO's `FileRegion`).
///
/// Hummingbird's response body writer takes only `ByteBuffer`s, so a route
/// that sends a file writes a small marker instead: a per-application random
/// prefix and a number that names a file and range held here. `SendFileHandler`
/// sits below Hummingbird's HTTP codec, where bodies are `IOData`, and swaps
/// the marker for a `FileRegion`: the kernel copies the bytes from the page
/// cache to the socket. Connections without the handler (router tests) get
/// the bytes read into buffers instead; `isInstalled(on:)` tells which.
final class SendFile: Sendable {
    private struct Pending {
        let file: OpenFile
        let range: ClosedRange<Int>
        let created: ContinuousClock.Instant
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var next: UInt64 = 0
        var channels: Set<ObjectIdentifier> = []
    }

    /// 16 random bytes: no client can make a body that looks like a marker.
    private let prefix: [UInt8]
    private let state = Mutex(State())
    private let regions = Atomic<Int>(0)
    static let markerSize = 24

    /// File regions handed to connections so far (tests check the path was taken).
    var regionsSent: Int { regions.load(ordering: .relaxed) }

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Whether the connection with this channel sends file markers as `FileRegion`s.
    func isInstalled(on channel: ObjectIdentifier) -> Bool {
        state.withLock { $0.channels.contains(channel) }
    }

    /// A body of `range` of `file`, sent with `sendfile(2)` on a connection that has the handler.
    func body(_ file: OpenFile, range: ClosedRange<Int>) -> ResponseBody {
        let now = ContinuousClock.now
        let number = state.withLock { state -> UInt64 in
            state.next += 1
            state.pending[state.next] = Pending(file: file, range: range, created: now)
            // A marker whose connection closed before it was written is never taken; drop such leftovers.
            if state.pending.count > 256 {
                state.pending = state.pending.filter { now - $0.value.created < .seconds(60) }
            }
            return state.next
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.markerSize)
        buffer.writeBytes(prefix)
        buffer.writeInteger(number)
        let marker = buffer
        return ResponseBody(contentLength: range.count) { writer in
            try await writer.write(marker)
            try await writer.finish(nil)
        }
    }

    /// The file and range a marker stands for, once; nil for any other buffer.
    fileprivate func take(_ buffer: ByteBuffer) -> (file: OpenFile, range: ClosedRange<Int>)? {
        guard buffer.readableBytes == Self.markerSize,
              buffer.readableBytesView.prefix(16).elementsEqual(prefix),
              let number = buffer.getInteger(at: buffer.readerIndex + 16, as: UInt64.self)
        else { return nil }
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: number) }) else { return nil }
        regions.add(1, ordering: .relaxed)
        return (pending.file, pending.range)
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

/// Swaps a file marker in a response body for a `FileRegion` of a duplicate
/// of the file's descriptor, closed once the region has been written (or failed).
private final class SendFileHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let sendFile: SendFile

    init(sendFile: SendFile) {
        self.sendFile = sendFile
    }

    func handlerAdded(context: ChannelHandlerContext) {
        sendFile.register(ObjectIdentifier(context.channel))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sendFile.unregister(ObjectIdentifier(context.channel))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .body(.byteBuffer(let buffer)) = unwrapOutboundIn(data), buffer.readableBytes == SendFile.markerSize,
              let taken = sendFile.take(buffer)
        else {
            context.write(data, promise: promise)
            return
        }
        // dup(2) copies a descriptor without touching the file system; the region owns the copy.
        let copy = dup(taken.file.descriptor)
        guard copy >= 0 else {
            let error = IOError(errnoCode: errno, reason: "dup")
            promise?.fail(error)
            context.close(promise: nil)
            return
        }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
        let region = FileRegion(fileHandle: handle, readerIndex: taken.range.lowerBound, endIndex: taken.range.upperBound + 1)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in try? handle.close() }
        if let promise { written.futureResult.cascade(to: promise) }
        context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: written)
    }
}
