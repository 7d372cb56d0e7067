import Foundation

/// One socket's promise for each conversation: every message sequence
/// exactly once and in order, from the first one the socket is sent.
///
/// - A live message one past the last sent goes out, with any that waited behind it.
/// - One further ahead waits, and the gap is reported so it can be filled
///   (`Gap`); repeats and older ones are dropped.
/// - While `holding` (a `resume` replays history, or the client has not said
///   yet whether it will), live messages wait and the replay goes out; on
///   `release` the held ones follow, in order, without repeating what the
///   replay sent.
public struct MessageSequencer<Frame: Sendable>: Sendable {
    /// Sequences `after + 1 ..< before` of `conversation` have not been sent yet.
    public struct Gap: Sendable, Hashable {
        public var conversation: UUID
        public var after: Int
        public var before: Int

        public init(conversation: UUID, after: Int, before: Int) {
            self.conversation = conversation
            self.after = after
            self.before = before
        }
    }

    private struct Stream: Sendable {
        /// The first and last sequence sent on this socket; everything between was sent.
        var first: Int
        var last: Int
        var early: [Int: Frame] = [:]
        var filling = false
    }

    private var streams: [UUID: Stream] = [:]
    private var held: [(conversation: UUID, seq: Int, frame: Frame)]?

    public init() {}

    /// Whether live messages are being held.
    public var isHolding: Bool { held != nil }

    /// Messages waiting, behind gaps or held, over all conversations.
    public private(set) var waitingCount = 0

    /// A live message: what to write now, in order, and a gap to fill if one opened.
    public mutating func live(_ frame: Frame, seq: Int, in conversation: UUID) -> (write: [Frame], gap: Gap?) {
        if held != nil {
            held!.append((conversation, seq, frame))
            waitingCount += 1
            return ([], nil)
        }
        guard var stream = streams[conversation] else {
            streams[conversation] = Stream(first: seq, last: seq)
            return ([frame], nil)
        }
        defer { streams[conversation] = stream }
        guard seq > stream.last else { return ([], nil) }
        guard seq == stream.last + 1 else {
            if stream.early.updateValue(frame, forKey: seq) == nil { waitingCount += 1 }
            return ([], Self.gap(&stream, conversation))
        }
        var write = [frame]
        stream.last = seq
        while let next = stream.early.removeValue(forKey: stream.last + 1) {
            write.append(next)
            waitingCount -= 1
            stream.last += 1
        }
        if stream.early.isEmpty { stream.filling = false }
        return (write, nil)
    }

    /// Starts holding live messages (idempotent).
    public mutating func hold() {
        if held == nil { held = [] }
    }

    /// A message the replay read from the database, in ascending order per
    /// conversation: the frame to write, or nil when this socket already sent it live.
    public mutating func replayed(_ frame: Frame, seq: Int, in conversation: UUID) -> Frame? {
        guard var stream = streams[conversation] else {
            streams[conversation] = Stream(first: seq, last: seq)
            return frame
        }
        defer { streams[conversation] = stream }
        if seq < stream.first { return frame }
        guard seq > stream.last else { return nil }
        // The replay reads what is stored, so it is authoritative past the last live one.
        stream.last = seq
        let before = stream.early.count
        stream.early = stream.early.filter { $0.key > seq }
        waitingCount -= before - stream.early.count
        return frame
    }

    /// Forgets a conversation's order: its next message starts it again (a
    /// replay that stopped short, where the client pages the rest itself).
    public mutating func restart(_ conversation: UUID) {
        waitingCount -= streams.removeValue(forKey: conversation)?.early.count ?? 0
    }

    /// Stops holding: the held messages go through `live` in sequence order.
    public mutating func release() -> (write: [Frame], gaps: [Gap]) {
        guard let entries = held else { return ([], []) }
        held = nil
        waitingCount -= entries.count
        var write: [Frame] = []
        var gaps: [Gap] = []
        for entry in entries.sorted(by: { ($0.conversation.uuidString, $0.seq) < ($1.conversation.uuidString, $1.seq) }) {
            let out = live(entry.frame, seq: entry.seq, in: entry.conversation)
            write += out.write
            if let gap = out.gap { gaps.append(gap) }
        }
        return (write, gaps)
    }

    /// A fill of `conversation` ended; if messages still wait behind a gap
    /// (the fill found nothing, or a new gap opened), the gap to fill next.
    public mutating func fillEnded(in conversation: UUID) -> Gap? {
        guard var stream = streams[conversation] else { return nil }
        stream.filling = false
        defer { streams[conversation] = stream }
        return Self.gap(&stream, conversation)
    }

    private static func gap(_ stream: inout Stream, _ conversation: UUID) -> Gap? {
        guard !stream.filling, let first = stream.early.keys.min() else { return nil }
        stream.filling = true
        return Gap(conversation: conversation, after: stream.last, before: first)
    }
}
