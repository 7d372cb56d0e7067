import BasedRealtime
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// `GET /api/v1/realtime`: authenticates the upgrade, then speaks the
/// protocol of docs/realtime.md on the socket.
struct RealtimeEndpoint: Sendable {
    static let path = "/api/v1/realtime"

    enum CloseCode {
        static let resumeRequired = WebSocketErrorCode(codeNumber: 4001)
        static let unauthorized = WebSocketErrorCode(codeNumber: 4401)
    }

    let realtime: Realtime
    let accounts: AccountService
    let metrics: AppMetrics?

    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel, logger: Logger) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let target = request.path, target.split(separator: "?", maxSplits: 1).first == Substring(Self.path) else { return .dontUpgrade }
        let auth: Result<(Identity, Date), AppError>
        if let token = Self.token(in: request) {
            do {
                auth = .success(try await accounts.authenticateWithExpiry(accessToken: token))
            } catch let error as AppError {
                auth = .failure(error)
            } catch {
                auth = .failure(AppError.unauthorized("The access token is not a valid Based token.", code: "invalid_token"))
            }
        } else {
            auth = .failure(AppError.unauthorized("No access token.", code: "token_missing"))
        }
        return .upgrade([:]) { inbound, outbound, context in
            switch auth {
            case .failure(let error):
                // Refused before any data: the close frame is the only frame.
                try await outbound.close(CloseCode.unauthorized, reason: error.code)
            case .success(let (identity, expiresAt)):
                let session = RealtimeSession(
                    realtime: realtime, accounts: accounts, identity: identity, expiresAt: expiresAt,
                    channel: channel, outbound: outbound, logger: context.logger
                )
                // Counted, so shutdown waits for its last database writes.
                await realtime.socketLives.run { await session.run(inbound: inbound) }
            }
        }
    }

    /// `Authorization: Bearer …`, or `?access_token=…` for browsers.
    static func token(in request: HTTPRequest) -> String? {
        if let header = request.headerFields[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        guard let query = request.path?.split(separator: "?", maxSplits: 1).dropFirst().first,
              let items = URLComponents(string: "?" + query)?.queryItems
        else { return nil }
        return items.first(where: { $0.name == "access_token" })?.value.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// One authenticated socket.
final class RealtimeSession: Sendable {
    let realtime: Realtime
    let accounts: AccountService
    let userID: UUID
    let outbox: SocketOutbox
    let outbound: WebSocketOutboundWriter
    let channel: any Channel
    let logger: Logger
    private let expiresAt: Mutex<Date>
    /// Until the client's first frame, live messages are held: if that frame
    /// is a `resume`, its replay goes out first and nothing is sent twice.
    private let awaitingFirstFrame = Mutex(true)
    /// How long a client that sends nothing waits for live messages.
    static let firstFrameWait: Duration = .seconds(5)

    init(realtime: Realtime, accounts: AccountService, identity: Identity, expiresAt: Date, channel: any Channel, outbound: WebSocketOutboundWriter, logger: Logger) {
        self.realtime = realtime
        self.accounts = accounts
        self.userID = identity.userID
        self.channel = channel
        self.outbound = outbound
        self.logger = logger
        self.expiresAt = Mutex(expiresAt)
        let gaps = GapForwarder()
        outbox = SocketOutbox(
            id: .v7(), userID: identity.userID, sessionID: identity.sessionID, channel: channel, capacity: realtime.limits.outboundQueue,
            onOverflow: {
                // The client stopped reading. Ask it to resume, and if even the
                // close frame cannot get out within two seconds, cut the connection.
                Task { try? await outbound.close(RealtimeEndpoint.CloseCode.resumeRequired, reason: "resume_required") }
                Task {
                    try? await Task.sleep(for: .seconds(2))
                    channel.close(promise: nil)
                }
            },
            onClose: { code, reason in
                Task { try? await outbound.close(WebSocketErrorCode(codeNumber: code), reason: reason) }
            },
            onGap: { gap in gaps.forward(gap) }
        )
        let (outbox, fanOut, limit) = (outbox, realtime.fanOut, realtime.limits.outboundQueue)
        gaps.set { gap in fanOut.fill(gap, for: outbox, limit: limit) }
        outbox.beginReplay()
    }

    /// The client's first frame arrived (or `firstFrameWait` passed): unless
    /// it is a `resume`, which releases them itself, held live messages go out.
    private func firstFrame(isResume: Bool) {
        let first = awaitingFirstFrame.withLock { waiting -> Bool in
            defer { waiting = false }
            return waiting
        }
        if first, !isResume { outbox.endReplay() }
    }

    func run(inbound: WebSocketInboundStream) async {
        let limits = realtime.limits
        outbox.send(Frames.encode(Frames.Hello(
            connectionId: outbox.id.text, userId: userID.text, tokenExpiresAt: expiresAt.withLock { $0 },
            limits: .init(maxFrameBytes: limits.maxFrameBytes, framesPerSecond: limits.framesPerSecond, burst: limits.burst, outboundQueue: limits.outboundQueue)
        )))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.closeAtExpiry() }
            do {
                try await realtime.connected(outbox)
            } catch {
                logger.warning("could not register a socket", metadata: ["error": "\(error)"])
            }
            // The wait for the first frame starts when frames are read, not
            // before registering (its presence queries can take seconds under load).
            group.addTask {
                try? await Task.sleep(for: Self.firstFrameWait)
                self.firstFrame(isResume: false)
            }
            do {
                try await readFrames(inbound)
            } catch {
                logger.debug("socket read ended", metadata: ["error": "\(error)"])
            }
            outbox.close()
            group.cancelAll()
        }
        await realtime.disconnected(outbox)
    }

    private func closeAtExpiry() async {
        while !Task.isCancelled {
            let deadline = expiresAt.withLock { $0 }
            let wait = deadline.timeIntervalSinceNow
            if wait <= 0 {
                outbox.closeAfterPending(code: 4401, reason: "token_expired")
                return
            }
            try? await Task.sleep(for: .milliseconds(Int(min(wait, 3600) * 1000) + 1))
        }
    }

    // MARK: Reading

    private func readFrames(_ inbound: WebSocketInboundStream) async throws {
        let limits = realtime.limits
        var bucket = Double(limits.burst)
        var last = ContinuousClock.now
        var refused = 0
        var closing = false
        for try await message in inbound.messages(maxSize: limits.maxFrameBytes) {
            // After asking to close, read on (and ignore) until the client answers.
            if closing { continue }
            let now = ContinuousClock.now
            let elapsed = now - last
            last = now
            bucket = min(Double(limits.burst), bucket + Double(limits.framesPerSecond) * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            guard bucket >= 1 else {
                refused += 1
                if refused > limits.burst {
                    outbox.closeAfterPending(code: 4429, reason: "rate_limited")
                    closing = true
                    continue
                }
                let wait = Int((1 - bucket) / Double(limits.framesPerSecond) * 1000) + 1
                sendError(re: nil, AppError(.tooManyRequests, code: "rate_limited", "Too many frames; slow down."), retryAfterMs: wait)
                continue
            }
            bucket -= 1
            refused = 0
            switch message {
            case .binary:
                sendError(re: nil, AppError(.badRequest, code: "binary_not_supported", "Frames are JSON text; binary messages are not read."))
            case .text(let text):
                await handle(text)
            }
        }
    }

    private func handle(_ text: String) async {
        let data = Data(text.utf8)
        let frame: ClientFrame
        do {
            frame = try JSONDecoder().decode(ClientFrame.self, from: data)
        } catch {
            let re = (try? JSONDecoder().decode(FrameID.self, from: data))?.id
            if case DecodingError.typeMismatch(_, let context) = error, let field = context.codingPath.first?.stringValue {
                sendError(re: re, AppError.validation(field, "has the wrong type"))
            } else if case DecodingError.dataCorrupted(let context) = error, let field = context.codingPath.first?.stringValue {
                sendError(re: re, AppError.validation(field, "is not valid"))
            } else if case DecodingError.keyNotFound(let key, _) = error, key.stringValue == "type" {
                sendError(re: re, AppError(.badRequest, code: "bad_frame", "A frame needs a type."))
            } else {
                sendError(re: re, AppError(.badRequest, code: "bad_frame", "A frame is one JSON object."))
            }
            return
        }
        firstFrame(isResume: frame.type == "resume")
        guard let id = frame.id, (1...64).contains(id.count) else {
            sendError(re: nil, AppError.validation("id", "must be 1–64 characters"))
            return
        }
        guard frame.v == nil || frame.v == 1 else {
            sendError(re: id, AppError(.badRequest, code: "unsupported_version", "This server speaks protocol version 1."))
            return
        }
        do {
            let ack = try await dispatch(frame, id: id)
            outbox.send(Frames.encode(ack))
        } catch let error as AppError {
            sendError(re: id, error)
        } catch {
            logger.error("realtime frame failed", metadata: ["type": "\(frame.type)", "error": "\(error)"])
            sendError(re: id, AppError(.internalServerError, code: "internal", "Something went wrong on our side."))
        }
    }

    private func dispatch(_ frame: ClientFrame, id: String) async throws -> Frames.Ack {
        var ack = Frames.Ack(re: id)
        switch frame.type {
        case "send":
            let target: MessagingService.Target
            switch (frame.conversationId, frame.to) {
            case (let conversation?, nil): target = .conversation(conversation)
            case (nil, let user?): target = .user(user)
            default: throw AppError.validation("conversationId", "or to, exactly one of them, is required")
            }
            let sent = try await realtime.send(
                from: userID, to: target, clientMessageId: try require(frame.clientMessageId, "clientMessageId"),
                text: frame.text, attachmentId: frame.attachmentId, replyToSeq: frame.replyToSeq
            )
            ack.conversationId = sent.message.conversationId.text
            ack.seq = sent.message.seq
            ack.messageId = sent.message.id.text
            ack.duplicate = sent.duplicate
        case "edit":
            let message = try await realtime.edit(by: userID, conversation: try require(frame.conversationId, "conversationId"), seq: try require(frame.seq, "seq"), text: try require(frame.text, "text"))
            ack.conversationId = message.conversationId.text
            ack.seq = message.seq
        case "delete":
            let message = try await realtime.delete(by: userID, conversation: try require(frame.conversationId, "conversationId"), seq: try require(frame.seq, "seq"))
            ack.conversationId = message.conversationId.text
            ack.seq = message.seq
        case "react":
            let message = try await realtime.react(
                by: userID, conversation: try require(frame.conversationId, "conversationId"), seq: try require(frame.seq, "seq"),
                emoji: try require(frame.emoji, "emoji"), remove: frame.remove ?? false
            )
            ack.conversationId = message.conversationId.text
            ack.seq = message.seq
        case "read":
            let conversation = try require(frame.conversationId, "conversationId")
            try await realtime.markRead(by: userID, conversation: conversation, seq: try require(frame.seq, "seq"))
            ack.conversationId = conversation.text
        case "received":
            let conversation = try require(frame.conversationId, "conversationId")
            _ = try await realtime.messaging.mark(.delivered, by: userID, conversation: conversation, seq: try require(frame.seq, "seq"))
            ack.conversationId = conversation.text
        case "typing":
            let conversation = try require(frame.conversationId, "conversationId")
            ack.throttled = !(try await realtime.typing(by: userID, conversation: conversation))
            ack.conversationId = conversation.text
        case "resume":
            try await resume(frame.positions ?? [:], into: &ack)
        case "presence":
            switch frame.state {
            case "online": try await realtime.setAway(outbox, away: false)
            case "away": try await realtime.setAway(outbox, away: true)
            default: throw AppError.validation("state", "must be online or away")
            }
        case "now_playing":
            try await realtime.nowPlaying(by: userID, track: frame.trackId)
        case "join":
            let room = try require(frame.roomId, "roomId")
            _ = try await realtime.messaging.join(room: room, user: userID)
            await realtime.roomMembership(room, user: userID, joined: true)
            ack.roomId = room.text
        case "leave":
            let room = try require(frame.roomId, "roomId")
            try await realtime.messaging.leave(room: room, user: userID)
            await realtime.roomMembership(room, user: userID, joined: false)
            ack.roomId = room.text
        case "auth":
            let (identity, expiry) = try await accounts.authenticateWithExpiry(accessToken: try require(frame.token, "token"))
            guard identity.userID == userID else { throw AppError.forbidden("The token is another user's.", code: "forbidden") }
            expiresAt.withLock { $0 = expiry }
            ack.tokenExpiresAt = expiry
        case "ping":
            ack.serverTime = (Date().timeIntervalSince1970 * 1000).rounded()
        default:
            throw AppError(.badRequest, code: "unknown_type", "Unknown frame type \(frame.type.prefix(40)).")
        }
        return ack
    }

    private func resume(_ raw: [String: Int], into ack: inout Frames.Ack) async throws {
        guard raw.count <= 1000 else { throw AppError.validation("positions", "may name at most 1000 conversations") }
        var positions: [UUID: Int] = [:]
        for (key, seq) in raw {
            guard let id = UUID(uuidString: key) else { throw AppError.validation("positions", "keys must be conversation ids") }
            positions[id] = seq
        }
        outbox.beginReplay()
        do {
            let missed = try await realtime.messaging.missed(by: userID, positions: positions)
            for message in missed.messages {
                let frames = Frames.message(message)
                outbox.sendReplayed(
                    conversation: message.conversationId, seq: message.seq,
                    frame: WireFrame(text: message.senderId == userID ? frames.sender : frames.others)
                )
            }
            ack.replayed = missed.messages.count
            ack.truncated = missed.truncated.map(\.text)
            ack.conversations = missed.newer.map { Frames.Position(id: $0.id.text, lastSeq: $0.lastSeq) }
            // A conversation whose replay stopped short goes on live from its
            // next message; the client pages the rest over REST.
            outbox.endReplay(restart: missed.truncated)
        } catch {
            outbox.endReplay()
            throw error
        }
    }

    private func require<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw AppError.validation(field, "is required") }
        return value
    }

    private func sendError(re: String?, _ error: AppError, retryAfterMs: Int? = nil) {
        let code = error.code == "validation_failed" ? "invalid_field" : error.code
        outbox.send(Frames.encode(Frames.Error(re: re, code: code, message: error.detail, field: error.fields.first?.field, retryAfterMs: retryAfterMs)))
    }
}

/// Lets the outbox report gaps to a handler made after it (the handler needs the outbox).
private final class GapForwarder: Sendable {
    private let handler = Mutex<(@Sendable (MessageSequencer<WireFrame>.Gap) -> Void)?>(nil)

    func set(_ handler: @escaping @Sendable (MessageSequencer<WireFrame>.Gap) -> Void) {
        self.handler.withLock { $0 = handler }
    }

    func forward(_ gap: MessageSequencer<WireFrame>.Gap) {
        handler.withLock { $0 }?(gap)
    }
}
