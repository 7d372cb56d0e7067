/// Decides whether one sender's next message is spam, from what they sent
/// recently: a flood (too many messages in a short window), or the same text
/// sent into many conversations (the same words, however disguised: the
/// comparison uses `Words` keys). A plain value: the caller keeps it behind a
/// lock and passes the time, so tests need no clock.
public struct SpamGuard: Sendable {
    public struct Limits: Sendable {
        /// At most this many messages per `floodWindow`.
        public var floodMessages = 20
        public var floodWindow: Double = 10
        /// The same text into at most this many conversations per `repeatWindow`.
        public var repeatConversations = 5
        public var repeatWindow: Double = 600
        /// Texts with fewer words than this ("hi", "see you there") may repeat freely.
        public var repeatMinimumWords = 4
        /// Senders remembered at once; the longest idle are forgotten first.
        public var senders = 10_000

        public init() {}
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Too many messages: try again after this many seconds.
        case flood(retryAfter: Int)
        /// The same text went to too many conversations: try again after this many seconds.
        case repeated(retryAfter: Int)
    }

    struct Sent {
        var time: Double
        var text: String?
        var conversation: String
    }

    public let limits: Limits
    private var recent: [String: [Sent]] = [:]
    private var lastSeen: [String: Double] = [:]

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// How many senders it keeps a record of.
    public var rememberedSenders: Int { lastSeen.count }

    /// Judges `text` from `sender` into `conversation` at `now` (seconds, any
    /// epoch) and, when allowed, remembers it.
    public mutating func check(sender: String, conversation: String, text: String?, now: Double) -> Verdict {
        let horizon = now - max(limits.floodWindow, limits.repeatWindow)
        var sent = (recent[sender] ?? []).filter { $0.time > horizon }
        let inFlood = sent.filter { $0.time > now - limits.floodWindow }
        if inFlood.count >= limits.floodMessages {
            recent[sender] = sent
            return .flood(retryAfter: max(1, Int((inFlood[0].time + limits.floodWindow - now).rounded(.up))))
        }
        let key = text.flatMap { self.key($0) }
        if let key {
            let same = sent.filter { $0.text == key && $0.time > now - limits.repeatWindow }
            var conversations = Set(same.map(\.conversation))
            conversations.insert(conversation)
            if conversations.count > limits.repeatConversations {
                recent[sender] = sent
                let oldest = same.map(\.time).min() ?? now
                return .repeated(retryAfter: max(1, Int((oldest + limits.repeatWindow - now).rounded(.up))))
            }
        }
        sent.append(Sent(time: now, text: key, conversation: conversation))
        recent[sender] = sent
        lastSeen[sender] = now
        if lastSeen.count > limits.senders { forgetIdle() }
        return .allowed
    }

    /// The text's words in canonical spelling, or nil when it is too short to count as a repeat.
    func key(_ text: String) -> String? {
        let words = Words.split(text)
        return words.count >= limits.repeatMinimumWords ? words.map(\.key).joined(separator: " ") : nil
    }

    private mutating func forgetIdle() {
        let keep = lastSeen.sorted { $0.value > $1.value }.prefix(limits.senders * 3 / 4)
        let kept = Set(keep.map(\.key))
        lastSeen = lastSeen.filter { kept.contains($0.key) }
        recent = recent.filter { kept.contains($0.key) }
    }
}
