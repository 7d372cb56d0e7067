import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// `realtime-reference`: the floor for the room fan-out of `make
/// bench-realtime`. A bare SwiftNIO WebSocket server with no accounts, no
/// database and no protocol beyond one rule: a text frame from any socket is
/// written, wrapped as a `message` frame, to every other socket, on each
/// socket's own event loop. The load generator measures it exactly as it
/// measures Based, in the same run, on the same cores.
@main
struct RealtimeReference {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2, let port = Int(arguments[1]) else {
            print("usage: realtime-reference PORT")
            return
        }
        let registry = Registry()
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 4096)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 16,
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(Broadcaster(registry: registry))
                        }
                    }
                )
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: port).get()
        print("realtime-reference listening on 127.0.0.1:\(port)")
        try await channel.closeFuture.get()
    }
}

/// Every open socket, for the fan-out.
final class Registry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) { channels.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    /// Writes `frame` to every socket but `sender`, one task per event loop.
    func broadcast(_ frame: ByteBuffer, except sender: ObjectIdentifier) {
        let all = channels.withLock { Array($0.values) }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, channels: [any Channel])] = [:]
        for channel in all where ObjectIdentifier(channel) != sender {
            byLoop[ObjectIdentifier(channel.eventLoop), default: (channel.eventLoop, [])].channels.append(channel)
        }
        for (_, group) in byLoop {
            let channels = group.channels
            group.loop.execute {
                for channel in channels {
                    channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: frame), promise: nil)
                }
            }
        }
    }
}

/// Says hello, answers pings and closes, and broadcasts text frames.
final class Broadcaster: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let registry: Registry

    init(registry: Registry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        registry.add(context.channel)
        let hello = context.channel.allocator.buffer(string: #"{"type":"hello","v":1,"userId":"reference"}"#)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: hello)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        registry.remove(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.unmaskedData)
            // The generator's send frame carries its stamp in "text"; pass it on as a message.
            guard let stamp = Self.field("text", in: text) else { return }
            let message = context.channel.allocator.buffer(string: #"{"type":"message","v":1,"message":{"text":""# + stamp + #""}}"#)
            registry.broadcast(message, except: ObjectIdentifier(context.channel))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    /// The string value of `"key":"…"` (the generator's stamps need no escapes).
    static func field(_ key: String, in text: String) -> String? {
        guard let start = text.firstRange(of: "\"\(key)\":\"")?.upperBound, let end = text[start...].firstIndex(of: "\"") else { return nil }
        return String(text[start..<end])
    }
}
