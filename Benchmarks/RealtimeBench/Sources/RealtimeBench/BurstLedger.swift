import Synchronization

/// The burst phase's record of sequence numbers: which conversation each
/// member socket is in, the `seq` of every acknowledged send, and the `seq`s
/// each socket received, in the order it read them. Checked once the phase
/// ends against docs/realtime.md's promise: per conversation, every socket
/// receives every sequence once and in order.
struct BurstLedger: Sendable {
    /// Conversation index by the server's conversation id.
    private(set) var conversationIndex: [String: Int] = [:]
    /// Each conversation's member sockets.
    private(set) var members: [[Int]] = []
    /// The burst conversation of each socket that is in one.
    private var conversationOfSocket: [Int: Int] = [:]
    /// Per conversation, the sequences the server acknowledged to a sender.
    private var acked: [[Int]] = []
    /// Per socket, the sequences received while the phase was open, in arrival order.
    private var receipts: [Int: [Int]] = [:]

    init(conversations: [(id: String, members: [Int])] = []) {
        for (index, conversation) in conversations.enumerated() {
            conversationIndex[conversation.id] = index
            members.append(conversation.members)
            for socket in conversation.members {
                conversationOfSocket[socket] = index
                receipts[socket] = []
            }
        }
        acked = Array(repeating: [], count: conversations.count)
    }

    func conversation(of socket: Int) -> Int? { conversationOfSocket[socket] }

    mutating func acknowledged(_ seq: Int, sentOn socket: Int) {
        guard let conversation = conversationOfSocket[socket] else { return }
        acked[conversation].append(seq)
    }

    /// Records a receipt; false when `socket` is not a member of that conversation.
    mutating func receive(_ seq: Int, in conversationId: String, on socket: Int) -> Bool {
        guard let conversation = conversationIndex[conversationId], conversationOfSocket[socket] == conversation else { return false }
        receipts[socket, default: []].append(seq)
        return true
    }

    /// What the ledger shows against the promise.
    struct Check: Sendable {
        /// Every sequence some sender was acknowledged or some member received, times the members.
        var expected = 0
        /// Distinct sequences received per socket and conversation.
        var delivered = 0
        /// Expected on a socket and never received there (while the phase was open).
        var lost = 0
        /// Received again on a socket that already had it.
        var duplicated = 0
        /// A first receipt of a sequence lower than one already received on that socket.
        var outOfOrder = 0
        /// The first few of each, as "socket s, conversation c: …", to look into.
        var examples: [String] = []
    }

    func check(exampleLimit: Int = 12) -> Check {
        var result = Check()
        func example(_ line: @autoclosure () -> String) {
            if result.examples.count < exampleLimit { result.examples.append(line()) }
        }
        for (conversation, sockets) in members.enumerated() {
            // A message stored whose ack went missing is still owed to every member.
            var expected = Set(acked[conversation])
            for socket in sockets { expected.formUnion(receipts[socket] ?? []) }
            result.expected += expected.count * sockets.count
            for socket in sockets {
                var seen = Set<Int>()
                var highest = 0
                for seq in receipts[socket] ?? [] {
                    if !seen.insert(seq).inserted {
                        result.duplicated += 1
                        example("socket \(socket), conversation \(conversation): seq \(seq) again")
                    } else if seq < highest {
                        result.outOfOrder += 1
                        example("socket \(socket), conversation \(conversation): seq \(seq) after \(highest)")
                    }
                    highest = max(highest, seq)
                }
                result.delivered += seen.count
                let missing = expected.subtracting(seen)
                result.lost += missing.count
                if !missing.isEmpty {
                    example("socket \(socket), conversation \(conversation): \(missing.count) never received, first \(missing.sorted().prefix(5).map(String.init).joined(separator: ", "))")
                }
            }
        }
        return result
    }
}

/// How many frames one socket may have sent and not yet had answered; a
/// sender past it waits for an answer. Answers arrive on the socket's event
/// loop, so this is a lock and a continuation, not an actor.
final class SendWindow: Sendable {
    private struct State {
        var inFlight = 0
        var waiter: CheckedContinuation<Bool, Never>?
        var closed = false
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot, waiting for one if need be; false once the window is closed.
    func acquire() async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = state.withLock { state -> Bool? in
                if state.closed { return false }
                if state.inFlight < limit {
                    state.inFlight += 1
                    return true
                }
                state.waiter = continuation
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// An answer arrived (or a write failed): the slot passes to the waiting sender, if any.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.inFlight = max(0, state.inFlight - 1)
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Ends the window: a waiting sender and every later `acquire` get false.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: false)
    }
}
