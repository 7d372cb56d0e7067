import Foundation

/// Puts the messages of many conversations back in sequence order, per
/// conversation. Sequences are dense (1, 2, 3…), so a message that arrives
/// ahead of a gap waits until the gap is filled, and nothing is skipped.
///
/// A conversation's order starts where the caller says (`startingAt`: the
/// first message stored recently, which may still be on its way) or else at
/// the first sequence seen. An entry with nothing waiting may be forgotten
/// (`limit`) and then starts again. Each socket keeps its own order too
/// (`MessageSequencer`), so starting too early costs a gap fill, never a
/// repeat, and nothing is skipped.
public struct MessageOrdering<Item: Sendable>: Sendable {
    private struct Stream: Sendable {
        /// The next sequence that may go out.
        var next: Int
        var waiting: [Int: Item] = [:]
        var filling = false
    }

    private var streams: [UUID: Stream] = [:]
    private let limit: Int

    /// `limit`: conversations remembered before idle ones are forgotten.
    public init(limit: Int = 100_000) {
        self.limit = limit
    }

    /// Conversations remembered now.
    public var count: Int { streams.count }

    /// Whether `conversation` has an order already (else the next `accept` starts one).
    public func isKnown(_ conversation: UUID) -> Bool {
        streams[conversation] != nil
    }

    /// Takes message `seq` of `conversation`; returns what can go out now, in
    /// sequence order (empty when it waits behind a gap or was already out).
    /// A conversation not known yet starts at `startingAt` (if lower than `seq`).
    public mutating func accept(_ item: Item, seq: Int, in conversation: UUID, startingAt first: Int? = nil) -> [Item] {
        if streams[conversation] == nil, streams.count >= limit {
            streams = streams.filter { !$0.value.waiting.isEmpty }
        }
        var stream = streams[conversation] ?? Stream(next: min(seq, first ?? seq))
        defer { streams[conversation] = stream }
        guard seq >= stream.next else { return [] }
        stream.waiting[seq] = item
        var ready: [Item] = []
        while let item = stream.waiting.removeValue(forKey: stream.next) {
            ready.append(item)
            stream.next += 1
        }
        return ready
    }

    /// The sequences missing before the first waiting message, when some wait
    /// and no fill is under way; marks a fill as under way.
    public mutating func gapToFill(in conversation: UUID) -> ClosedRange<Int>? {
        guard var stream = streams[conversation], !stream.filling, let first = stream.waiting.keys.min() else { return nil }
        stream.filling = true
        streams[conversation] = stream
        return stream.next...(first - 1)
    }

    /// A fill ended (with or without the missing messages).
    public mutating func fillEnded(in conversation: UUID) {
        streams[conversation]?.filling = false
    }

    /// Whether messages of `conversation` wait behind a gap.
    public func isWaiting(in conversation: UUID) -> Bool {
        !(streams[conversation]?.waiting.isEmpty ?? true)
    }
}
