import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A registered bench user: who the server says they are and how to connect as them.
struct BenchUser: Sendable {
    var id: String
    var accessToken: String
}

/// Every bench socket: its writer once the server said hello, and how it ended.
/// The phase drivers send through it; each socket's own task fills it in.
final class Fleet: Sendable {
    enum SocketState: Sendable {
        case connecting
        case open(any Channel)
        case failed(String)
        case closed(String)
    }

    struct Counts: Sendable, Equatable {
        var connecting = 0, open = 0, failed = 0, closed = 0
        var settled: Int { open + failed + closed }
    }

    private let sockets: Mutex<[SocketState]>
    /// Why sockets failed or closed, with how many of each (close code or error).
    private let endings = Mutex<[String: Int]>([:])

    init(size: Int) {
        sockets = Mutex(Array(repeating: .connecting, count: size))
    }

    /// Records the hello; false when the socket had already been given up on.
    func opened(_ index: Int, channel: any Channel) -> Bool {
        sockets.withLock {
            guard case .connecting = $0[index] else { return false }
            $0[index] = .open(channel)
            return true
        }
    }

    /// Records a socket that never said hello; true the first time, so that its connect slot is released once.
    func failed(_ index: Int, because reason: String) -> Bool {
        let first = sockets.withLock {
            guard case .connecting = $0[index] else { return false }
            $0[index] = .failed(reason)
            return true
        }
        if first { endings.withLock { $0["failed: \(reason)", default: 0] += 1 } }
        return first
    }

    /// Records the end of a socket that was open.
    func closed(_ index: Int, because reason: String) {
        let wasOpen = sockets.withLock {
            guard case .open = $0[index] else { return false }
            $0[index] = .closed(reason)
            return true
        }
        if wasOpen { endings.withLock { $0["closed: \(reason)", default: 0] += 1 } }
    }

    var counts: Counts {
        sockets.withLock { sockets in
            sockets.reduce(into: Counts()) { counts, socket in
                switch socket {
                case .connecting: counts.connecting += 1
                case .open: counts.open += 1
                case .failed: counts.failed += 1
                case .closed: counts.closed += 1
                }
            }
        }
    }

    var openIndices: [Int] {
        sockets.withLock { sockets in
            sockets.indices.filter { if case .open = sockets[$0] { true } else { false } }
        }
    }

    var endingReasons: [String: Int] { endings.withLock { $0 } }

    /// Writes one text frame on socket `index`; false when it is not open or the write failed.
    func send(_ text: String, on index: Int) async -> Bool {
        let channel: (any Channel)? = sockets.withLock {
            if case .open(let channel) = $0[index] { channel } else { nil }
        }
        guard let channel else { return false }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        do {
            try await channel.writeAndFlush(frame)
            return true
        } catch {
            return false
        }
    }

    /// Sends a normal close on every open socket, `concurrency` at a time. The
    /// server answers with its own close and each socket's task then ends.
    func closeAll(concurrency: Int) async {
        let channels: [any Channel] = sockets.withLock { sockets in
            sockets.compactMap { if case .open(let channel) = $0 { channel } else { nil } }
        }
        await withTaskGroup(of: Void.self) { group in
            var next = channels.startIndex
            func addNext() {
                guard next < channels.endIndex else { return }
                let channel = channels[next]
                next += 1
                group.addTask {
                    var data = channel.allocator.buffer(capacity: 16)
                    data.write(webSocketErrorCode: .normalClosure)
                    data.writeString("bench done")
                    try? await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
                    // The server's close comes back and the handler closes the channel; give up after 5 s.
                    let closed = channel.closeFuture
                    channel.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
                    try? await closed.get()
                }
            }
            for _ in 0..<concurrency { addNext() }
            for await _ in group { addNext() }
        }
    }
}

/// Limits how many sockets are between "connect" and "hello" at once.
actor ConnectGate {
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            // The slot passes straight to the next waiter.
            waiting.removeFirst().resume()
        }
    }
}

/// One user's socket for the length of the run: connect, wait for hello, then
/// hand every frame to the measurements until the socket closes.
///
/// The socket is a plain NIO channel: frames are timestamped and scanned in
/// the channel handler, on the event loop that read them, with no task or
/// string per frame. The load generator shares the server's two cores, and
/// every microsecond it spends per frame is a microsecond the server waits;
/// the timestamp is taken when the frame is read from the socket.
struct BenchSocket: Sendable {
    var index: Int
    var user: BenchUser
    var host: String
    var port: Int
    var path: String
    var helloTimeout: Duration
    /// Send a `ping` right after hello, so the server releases live messages at once (not against realtime-reference, which would broadcast it).
    var pingsAfterHello: Bool
    var fleet: Fleet
    var gate: ConnectGate
    var measurements: Measurements
    var logger: Logger

    /// Never throws: every way a socket can end is recorded in the fleet.
    func run() async {
        let outcome = SocketOutcome(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let channel: any Channel
        do {
            channel = try await connect(outcome: outcome)
        } catch {
            if fleet.failed(index, because: describe(error)) { await gate.release() }
            return
        }
        let timeout = TimeAmount.nanoseconds(Int64(helloTimeout.seconds * 1e9))
        let watchdog = channel.eventLoop.scheduleTask(in: timeout) {
            outcome.helloFailed(BenchError.helloTimeout)
            channel.close(promise: nil)
        }
        outcome.hello.whenSuccess { watchdog.cancel() }
        channel.closeFuture.whenComplete { _ in outcome.helloFailed(BenchError.noHello("closed " + (outcome.closeReason ?? "without a close frame"))) }
        do {
            try await outcome.hello.get()
        } catch {
            channel.close(promise: nil)
            if fleet.failed(index, because: describe(error)) { await gate.release() }
            return
        }
        if fleet.opened(index, channel: channel) { await gate.release() }
        try? await channel.closeFuture.get()
        fleet.closed(index, because: outcome.closeReason ?? "no close frame")
    }

    private func connect(outcome: SocketOutcome) async throws -> any Channel {
        let (index, measurements, pingsAfterHello) = (index, measurements, pingsAfterHello)
        let request = "\(path)?access_token=\(user.accessToken)"
        let hostHeader = "\(host):\(port)"
        return try await ClientBootstrap(group: outcome.eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 16, automaticErrorHandling: true) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 16)
                        )
                        try channel.pipeline.syncOperations.addHandler(BenchFrameHandler(index: index, measurements: measurements, outcome: outcome, pingsAfterHello: pingsAfterHello))
                    }
                }
                return channel.pipeline.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    .flatMap {
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(UpgradeRequest(uri: request, host: hostHeader))
                        }
                    }
            }
            .connect(host: host, port: port).get()
    }

    private func describe(_ error: any Error) -> String {
        switch error {
        case let error as BenchError: "\(error)"
        default: String(describing: type(of: error)) + ": " + String("\(error)".prefix(100))
        }
    }
}

/// How one socket's start and end went: the hello, once, and the close frame's code and reason.
final class SocketOutcome: Sendable {
    let eventLoop: any EventLoop
    private let promise: EventLoopPromise<Void>
    private let state = Mutex<(settled: Bool, closeReason: String?)>((false, nil))

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        promise = eventLoop.makePromise()
    }

    var hello: EventLoopFuture<Void> { promise.futureResult }
    var closeReason: String? { state.withLock { $0.closeReason } }

    func helloArrived() {
        if settle() { promise.succeed() }
    }

    func helloFailed(_ error: any Error) {
        if settle() { promise.fail(error) }
    }

    func closed(_ reason: String) {
        state.withLock { if $0.closeReason == nil { $0.closeReason = reason } }
    }

    private func settle() -> Bool {
        state.withLock { state in
            guard !state.settled else { return false }
            state.settled = true
            return true
        }
    }
}

/// Sends the upgrade request once connected, then leaves the pipeline.
private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let uri: String
    private let host: String

    init(uri: String, host: String) {
        self.uri = uri
        self.host = host
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Reads a bench socket's frames on its event loop: the first must be hello,
/// answered by a `ping` frame; the rest are stamped and counted; WebSocket pings are answered; a close is recorded and returned.
private final class BenchFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let index: Int
    private let measurements: Measurements
    private let outcome: SocketOutcome
    private let pingsAfterHello: Bool
    private var sawHello = false
    private var sentClose = false

    init(index: Int, measurements: Measurements, outcome: SocketOutcome, pingsAfterHello: Bool) {
        self.index = index
        self.measurements = measurements
        self.outcome = outcome
        self.pingsAfterHello = pingsAfterHello
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let receivedAt = MonotonicClock.nanoseconds()
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let parsed = frame.data.withUnsafeReadableBytes { ServerFrame(parsing: $0.assumingMemoryBound(to: UInt8.self)) }
            if sawHello {
                measurements.record(parsed, on: index, at: receivedAt)
            } else if case .hello = parsed {
                sawHello = true
                if pingsAfterHello {
                    let ping = context.channel.allocator.buffer(string: ClientFrame.ping)
                    context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ping)), promise: nil)
                }
                outcome.helloArrived()
            } else {
                let text = String(buffer: frame.data)
                outcome.helloFailed(BenchError.noHello(String(text.prefix(120))))
                context.close(promise: nil)
            }
        case .binary:
            measurements.record(.unreadable, on: index, at: receivedAt)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)), promise: nil)
        case .connectionClose:
            var data = frame.data
            let code = data.readWebSocketErrorCode().map { String(UInt16(webSocketErrorCode: $0)) } ?? "none"
            outcome.closed("\(code) \(data.readString(length: data.readableBytes) ?? "")")
            if !sentClose {
                sentClose = true
                let channel = context.channel
                var reply = channel.allocator.buffer(capacity: 2)
                reply.write(webSocketErrorCode: .normalClosure)
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reply)))
                    .whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        outcome.closed("error: \(String(describing: type(of: error)))")
        context.close(promise: nil)
    }
}
