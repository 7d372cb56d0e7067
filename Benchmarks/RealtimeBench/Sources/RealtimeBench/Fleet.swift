import HummingbirdWSClient
import Logging
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
        case open(WebSocketOutboundWriter)
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
    func opened(_ index: Int, writer: WebSocketOutboundWriter) -> Bool {
        sockets.withLock {
            guard case .connecting = $0[index] else { return false }
            $0[index] = .open(writer)
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
        let writer: WebSocketOutboundWriter? = sockets.withLock {
            if case .open(let writer) = $0[index] { writer } else { nil }
        }
        guard let writer else { return false }
        do {
            try await writer.write(.text(text))
            return true
        } catch {
            return false
        }
    }

    /// Sends a normal close on every open socket, `concurrency` at a time. The
    /// server answers with its own close and each socket's task then ends.
    func closeAll(concurrency: Int) async {
        let writers: [WebSocketOutboundWriter] = sockets.withLock { sockets in
            sockets.compactMap { if case .open(let writer) = $0 { writer } else { nil } }
        }
        await withTaskGroup(of: Void.self) { group in
            var next = writers.startIndex
            func addNext() {
                guard next < writers.endIndex else { return }
                let writer = writers[next]
                next += 1
                group.addTask { try? await writer.close(.normalClosure, reason: "bench done") }
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
struct BenchSocket: Sendable {
    var index: Int
    var user: BenchUser
    var realtimeURL: String
    var helloTimeout: Duration
    var fleet: Fleet
    var gate: ConnectGate
    var measurements: Measurements
    var logger: Logger

    /// Never throws: every way a socket can end is recorded in the fleet.
    func run() async {
        do {
            // Two tasks: the socket itself (true when it ends), and a watchdog that
            // gives up on it when no hello came in time. An error from either
            // cancels the other; the end of the socket stops the watchdog.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await connectAndRead()
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: helloTimeout)
                    if !Task.isCancelled, case .connecting = fleet.state(of: index) { throw BenchError.helloTimeout }
                    return false
                }
                for try await socketEnded in group where socketEnded {
                    group.cancelAll()
                }
            }
        } catch {
            if fleet.failed(index, because: describe(error)) {
                await gate.release()
            } else {
                fleet.closed(index, because: describe(error))
            }
        }
    }

    private func connectAndRead() async throws {
        var configuration = WebSocketClientConfiguration()
        configuration.maxFrameSize = 1 << 16
        configuration.closeTimeout = .seconds(5)
        let closeFrame = try await WebSocketClient.connect(
            url: realtimeURL + "?access_token=" + user.accessToken,
            configuration: configuration,
            logger: logger
        ) { inbound, outbound, _ in
            var frames = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            // No frame at all: the server closed first (4401 and its reason); `connect` returns that close frame.
            guard case .text(let first)? = try await frames.next() else { return }
            guard case .hello = ServerFrame(parsing: first) else { throw BenchError.noHello(String(first.prefix(120))) }
            if fleet.opened(index, writer: outbound) { await gate.release() }
            while let frame = try await frames.next() {
                let receivedAt = MonotonicClock.nanoseconds()
                switch frame {
                case .text(let text): measurements.record(ServerFrame(parsing: text), on: index, at: receivedAt)
                case .binary: measurements.record(.unreadable, on: index, at: receivedAt)
                }
            }
        }
        let reason = closeFrame.map { "\(UInt16(webSocketErrorCode: $0.closeCode)) \($0.reason ?? "")" } ?? "no close frame"
        if case .connecting = fleet.state(of: index) {
            // Closed before hello: a 4401 with its reason, most likely.
            throw BenchError.noHello("closed " + reason)
        }
        fleet.closed(index, because: reason)
    }

    private func describe(_ error: any Error) -> String {
        switch error {
        case let error as BenchError: "\(error)"
        default: String(describing: type(of: error)) + ": " + String("\(error)".prefix(100))
        }
    }
}

extension Fleet {
    func state(of index: Int) -> SocketState {
        sockets.withLock { $0[index] }
    }
}
