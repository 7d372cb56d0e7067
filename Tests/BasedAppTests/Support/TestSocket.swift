import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization
import Testing

/// A real WebSocket client for tests: connects over loopback, collects the
/// server's frames, sends JSON, and reports how the server closed.
actor TestSocket {
    struct Frame: Sendable, CustomStringConvertible {
        let text: String
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
        var type: String? { object["type"] as? String }
        subscript(key: String) -> Any? { object[key] }
        func string(_ key: String) -> String? { object[key] as? String }
        func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
        var description: String { text }
    }

    private var received: [Frame] = []
    private var outbound: WebSocketOutboundWriter?
    private(set) var closeCode: Int?
    private(set) var closeReason: String?
    private(set) var finished = false
    private var task: Task<Void, Never>?

    /// Connects to `/api/v1/realtime` with the token in the query (or none).
    static func connect(port: Int, token: String?, query: Bool = true) async throws -> TestSocket {
        let socket = TestSocket()
        var url = "ws://127.0.0.1:\(port)/api/v1/realtime"
        var headers: HTTPFields = [:]
        if let token {
            if query { url += "?access_token=\(token)" } else { headers[.authorization] = "Bearer \(token)" }
        }
        await socket.start(url: url, headers: headers)
        return socket
    }

    private func start(url: String, headers: HTTPFields) {
        task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers), logger: Logger(label: "test-socket")
                ) { inbound, outbound, _ in
                    await self.opened(outbound)
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case .text(let text) = message { await self.receive(text) }
                    }
                }
                self.closed(code: close.map { Self.number($0.closeCode) }, reason: close?.reason)
            } catch {
                self.closed(code: nil, reason: "\(error)")
            }
        }
    }

    private static func number(_ code: WebSocketErrorCode) -> Int {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return Int(buffer.readInteger(as: UInt16.self) ?? 0)
    }

    private func opened(_ outbound: WebSocketOutboundWriter) { self.outbound = outbound }
    private func receive(_ text: String) { received.append(Frame(text: text)) }
    private func closed(code: Int?, reason: String?) {
        closeCode = code
        closeReason = reason
        finished = true
    }

    /// Sends a frame; `json` is the frame's JSON text.
    func send(_ json: String) async throws {
        for _ in 0..<500 where outbound == nil { try await Task.sleep(for: .milliseconds(10)) }
        guard let outbound else { throw SocketError.notOpen }
        try await outbound.write(.text(json))
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        guard let outbound else { throw SocketError.notOpen }
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The next frame matching `where`, removing it and everything before it that matched nothing... only it.
    func next(_ type: String? = nil, timeout: Duration = .seconds(30), where predicate: @Sendable (Frame) -> Bool = { _ in true }) async throws -> Frame {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let index = received.firstIndex(where: { (type == nil || $0.type == type) && predicate($0) }) {
                return received.remove(at: index)
            }
            if finished { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let state = finished ? "closed with \(closeCode.map(String.init) ?? "no code") \(closeReason ?? "")" : "open"
        throw SocketError.timeout("no \(type ?? "frame") within \(timeout) (socket \(state)); have \(received.map(\.text).joined(separator: "\n"))")
    }

    /// The answer (`ack` or `error`) to the frame with this id.
    func answer(_ id: String, timeout: Duration = .seconds(30)) async throws -> Frame {
        try await next(nil, timeout: timeout) { ($0.type == "ack" || $0.type == "error") && $0.string("re") == id }
    }

    /// Sends a frame and waits for its answer.
    func call(_ json: String, id: String) async throws -> Frame {
        try await send(json)
        return try await answer(id)
    }

    /// Frames of a type received so far, without waiting.
    func all(_ type: String) -> [Frame] { received.filter { $0.type == type } }

    func waitClosed(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !finished {
            guard ContinuousClock.now < deadline else { throw SocketError.timeout("socket still open") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func close() async {
        try? await outbound?.close(.normalClosure, reason: nil)
        try? await waitClosed(timeout: .seconds(3))
        task?.cancel()
    }

    enum SocketError: Error { case notOpen, timeout(String) }
}

/// Runs `body` against the application listening on a real loopback port.
func withLiveApp(
    _ adjust: (inout AppConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol, Int, AppServices) async throws -> Void
) async throws {
    try await withTestApp(.live, adjust) { client, services in try await body(client, client.port!, services) }
}
