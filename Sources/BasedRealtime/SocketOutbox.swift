import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// One open socket's outbound side. Frames are written straight to the
/// socket's channel from whatever thread produces them (a fan-out encodes a
/// frame once and writes the same buffer to every socket), and counted until
/// the kernel has taken them. A socket with `capacity` frames still unwritten
/// belongs to a client that stopped reading: it is closed with 4001 so it
/// never holds up anyone else.
///
/// Conversation messages go through the socket's `MessageSequencer`: each
/// sequence once, in order; a gap is held back and reported to `onGap`, whose
/// fill comes back through `sendMessage`.
public final class SocketOutbox: Sendable {
    public let id: UUID
    public let userID: UUID
    public let sessionID: UUID
    private let channel: any Channel
    /// The WebSocket frame encoder's place in the pipeline, found on first
    /// write: frames are written there already encoded.
    private let encoder: NIOLoopBoundBox<ChannelHandlerContext?>
    public var eventLoop: any EventLoop { channel.eventLoop }
    private let capacity: Int
    private let onOverflow: @Sendable () -> Void
    private let onClose: @Sendable (_ code: Int, _ reason: String) -> Void
    private let onGap: @Sendable (MessageSequencer<WireFrame>.Gap) -> Void

    private struct State {
        var pending = 0
        var open = true
        /// A close asked for behind the frames still pending.
        var closeRequest: (code: Int, reason: String)?
        var closeSent = false
        /// Blocks of frames queued on the loop and not yet written.
        var queued = 0
        var sequencer = MessageSequencer<WireFrame>()
    }

    private let state = Mutex(State())

    public init(
        id: UUID, userID: UUID, sessionID: UUID, channel: any Channel, capacity: Int,
        onOverflow: @escaping @Sendable () -> Void,
        onClose: @escaping @Sendable (_ code: Int, _ reason: String) -> Void,
        onGap: @escaping @Sendable (MessageSequencer<WireFrame>.Gap) -> Void
    ) {
        self.id = id
        self.userID = userID
        self.sessionID = sessionID
        self.channel = channel
        encoder = .makeEmptyBox(valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
        self.capacity = capacity
        self.onOverflow = onOverflow
        self.onClose = onClose
        self.onGap = onGap
    }

    @discardableResult
    public func send(_ frame: String) -> Bool {
        send(WireFrame(text: frame))
    }

    /// Writes a text frame; false when the socket is closed or just overflowed.
    @discardableResult
    public func send(_ frame: WireFrame) -> Bool {
        finish(state.withLock { take(&$0, [frame]) })
    }

    private enum Outcome { case taken(direct: [WireFrame]), overflow, refused }

    /// Inside the lock: counts `frames` as pending and queues them on the
    /// socket's loop, or says why not. Messages waiting behind a gap count
    /// too: a client that never catches up overflows.
    ///
    /// Frames leave in the order they are taken: on the loop itself, with
    /// nothing queued before, they are written right after the lock (nothing
    /// else runs on the loop in between); otherwise they are queued on the
    /// loop here, under the lock, behind any queued earlier.
    private func take(_ state: inout State, _ frames: [WireFrame]) -> Outcome {
        guard state.open else { return .refused }
        guard state.pending + frames.count + state.sequencer.waitingCount <= capacity else {
            state.open = false
            return .overflow
        }
        guard !frames.isEmpty else { return .taken(direct: []) }
        state.pending += frames.count
        if channel.eventLoop.inEventLoop, state.queued == 0 { return .taken(direct: frames) }
        state.queued += 1
        channel.eventLoop.execute {
            for frame in frames { self.write(frame) }
            self.state.withLock { $0.queued -= 1 }
        }
        return .taken(direct: [])
    }

    /// Outside the lock: writes what `take` left to write here, or reports an overflow.
    @discardableResult
    private func finish(_ outcome: Outcome) -> Bool {
        switch outcome {
        case .taken(let direct):
            for frame in direct { write(frame) }
            return true
        case .overflow:
            onOverflow()
            return false
        case .refused:
            return false
        }
    }

    /// On the socket's event loop: hands the encoded frame to the handler
    /// before the frame encoder, and counts it written when the kernel took it.
    private func write(_ frame: WireFrame) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] result in
            if case .failure = result { state.withLock { $0.open = false } }
            written()
        }
        if encoder.value == nil {
            encoder.value = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        }
        guard let context = encoder.value else {
            // The encoder is gone with the connection.
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.writeAndFlush(NIOAny(frame.bytes), promise: promise)
    }

    private func written() {
        let close = state.withLock { state -> (Int, String)? in
            state.pending -= 1
            guard state.pending == 0, let request = state.closeRequest, !state.closeSent else { return nil }
            state.closeSent = true
            return request
        }
        if let close { onClose(close.0, close.1) }
    }

    /// Writes message `seq` of `conversation` in its place: now, with any that
    /// waited behind it, or after the gap before it is filled. Repeats are
    /// dropped. One lock round: a fan-out calls this for every socket in a room.
    public func sendMessage(conversation: UUID, seq: Int, frame: WireFrame) {
        let (outcome, gap) = state.withLock { state -> (Outcome, MessageSequencer<WireFrame>.Gap?) in
            guard state.open else { return (.refused, nil) }
            let out = state.sequencer.live(frame, seq: seq, in: conversation)
            return (take(&state, out.write), out.gap)
        }
        finish(outcome)
        if let gap { onGap(gap) }
    }

    /// A fill of `conversation` ended; asks for the next fill if something still waits.
    public func fillEnded(conversation: UUID) {
        let gap = state.withLock { $0.open ? $0.sequencer.fillEnded(in: conversation) : nil }
        if let gap { onGap(gap) }
    }

    /// Holds live messages until `endReplay`: before a `resume`, and from the
    /// socket's start until the client's first frame tells whether it resumes.
    public func beginReplay() {
        state.withLock { $0.sequencer.hold() }
    }

    /// Writes a message the replay read from the database, unless this socket
    /// already sent it live.
    public func sendReplayed(conversation: UUID, seq: Int, frame: WireFrame) {
        finish(state.withLock { state -> Outcome in
            guard let frame = state.sequencer.replayed(frame, seq: seq, in: conversation) else { return .taken(direct: []) }
            return take(&state, [frame])
        })
    }

    /// Ends a replay: conversations in `restart` begin their order again at
    /// their next message; the held live messages follow, in order.
    public func endReplay(restart: [UUID] = []) {
        let (outcome, gaps) = state.withLock { state -> (Outcome, [MessageSequencer<WireFrame>.Gap]) in
            guard state.sequencer.isHolding else { return (.taken(direct: []), []) }
            for conversation in restart { state.sequencer.restart(conversation) }
            let out = state.sequencer.release()
            return (take(&state, out.write), out.gaps)
        }
        finish(outcome)
        for gap in gaps { onGap(gap) }
    }

    /// Whether live messages are held (a replay, or waiting for the client's first frame).
    public var isHolding: Bool { state.withLock { $0.sequencer.isHolding } }

    public func close() {
        state.withLock { $0.open = false }
    }

    /// Closes with `code` once every frame written before is out; nothing more is accepted.
    public func closeAfterPending(code: Int, reason: String) {
        let now = state.withLock { state -> Bool in
            guard state.open else { return false }
            state.open = false
            state.closeRequest = (code, reason)
            guard state.pending == 0 else { return false }
            state.closeSent = true
            return true
        }
        if now { onClose(code, reason) }
    }
}
