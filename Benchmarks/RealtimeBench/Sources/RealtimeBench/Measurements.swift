import Histogram
import Synchronization

/// Everything the sockets report during the run: latencies, deliveries, acks
/// and errors per phase. Shared by every connection's reading task and the
/// phase drivers, so it is one lock around plain counters.
final class Measurements: Sendable {
    /// One phase's tallies.
    struct Tally: Sendable {
        /// Latency from send to receipt, in microseconds.
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var sent = 0
        var writeFailures = 0
        var delivered = 0
        var duplicates = 0
        /// Received after the phase was closed (counted as lost).
        var late = 0
        /// A bench message that arrived on a socket that was not meant to count it.
        var unexpected = 0
        var acks = 0
        var errors: [String: Int] = [:]
        var firstSendAt: UInt64?
        var lastSendAt: UInt64?
        var open = false
        /// The slowest delivery of the messages sent in each second of the phase, in microseconds.
        var worstBySecond: [Int: UInt64] = [:]

        mutating func noteWorst(_ micros: UInt64, sentAt: UInt64) {
            guard let first = firstSendAt, sentAt >= first else { return }
            let second = Int((sentAt - first) / 1_000_000_000)
            worstBySecond[second] = max(worstBySecond[second] ?? 0, micros)
        }
    }

    fileprivate struct State {
        var direct = Tally()
        var room = Tally()
        var burst = Tally()
        var burstLedger = BurstLedger()
        /// Each burst sender's window, by socket, released by its answers.
        var burstWindows: [Int: SendWindow] = [:]
        /// The connection each direct message is addressed to, by message number.
        var directRecipient: [Int32] = []
        var directSeen: [Bool] = []
        /// Which connections count room receipts, and which room messages each has seen (bit per message).
        var roomReceivers: [Bool] = []
        var roomSeen: [UInt64] = []
        var joinAcks = 0
        var joinErrors: [String: Int] = [:]
        var pingAcks = 0
        var otherFrames: [String: Int] = [:]
        var unattributedErrors: [String: Int] = [:]
        var unreadable = 0
    }

    private let state = Mutex(State())

    // MARK: Phase set-up, from the drivers

    func openDirect(messages: Int) {
        state.withLock {
            $0.directRecipient = Array(repeating: -1, count: messages)
            $0.directSeen = Array(repeating: false, count: messages)
            $0.direct.open = true
        }
    }

    func openRoom(receivers: [Int], connections: Int) {
        state.withLock {
            $0.roomReceivers = Array(repeating: false, count: connections)
            for receiver in receivers { $0.roomReceivers[receiver] = true }
            $0.roomSeen = Array(repeating: 0, count: connections)
            $0.room.open = true
        }
    }

    func openBurst(_ ledger: BurstLedger, windows: [Int: SendWindow]) {
        state.withLock {
            $0.burstLedger = ledger
            $0.burstWindows = windows
            $0.burst.open = true
        }
    }

    /// Called just before direct message `number` is written, so that a receipt racing the write is understood.
    func willSendDirect(_ number: Int, to recipient: Int, at time: UInt64) {
        state.withLock {
            $0.directRecipient[number] = Int32(recipient)
            $0.direct.sent += 1
            $0.direct.firstSendAt = $0.direct.firstSendAt ?? time
            $0.direct.lastSendAt = time
        }
    }

    func willSendRoom(at time: UInt64) {
        state.withLock {
            $0.room.sent += 1
            $0.room.firstSendAt = $0.room.firstSendAt ?? time
            $0.room.lastSendAt = time
        }
    }

    func willSendBurst(at time: UInt64) {
        state.withLock {
            $0.burst.sent += 1
            $0.burst.firstSendAt = $0.burst.firstSendAt ?? time
            $0.burst.lastSendAt = time
        }
    }

    func writeFailed(_ phase: Phase) {
        state.withLock {
            switch phase {
            case .direct: $0.direct.writeFailures += 1
            case .room: $0.room.writeFailures += 1
            case .burst: $0.burst.writeFailures += 1
            }
        }
    }

    /// Stops counting receipts of `phase`: whatever arrives afterwards is late.
    func close(_ phase: Phase) {
        state.withLock {
            switch phase {
            case .direct: $0.direct.open = false
            case .room: $0.room.open = false
            case .burst: $0.burst.open = false
            }
        }
    }

    // MARK: Receipts, from the sockets

    /// Counts one frame that `connection` read at `receivedAt`.
    func record(_ frame: ServerFrame, on connection: Int, at receivedAt: UInt64) {
        // A burst sender waiting for this answer is resumed outside the lock.
        let answered: SendWindow? = state.withLock { state in
            switch frame {
            case .message(let stamp, let position):
                state.recordMessage(stamp, at: position, on: connection, at: receivedAt)
            case .ack(let re, let seq):
                switch re?.first {
                case "d": state.direct.acks += 1
                case "r": state.room.acks += 1
                case "b":
                    state.burst.acks += 1
                    if let seq { state.burstLedger.acknowledged(seq, sentOn: connection) }
                    return state.burstWindows[connection]
                case "j": state.joinAcks += 1
                case "p": state.pingAcks += 1
                default: state.otherFrames["ack", default: 0] += 1
                }
            case .error(let re, let code):
                switch re?.first {
                case "d": state.direct.errors[code, default: 0] += 1
                case "r": state.room.errors[code, default: 0] += 1
                case "b":
                    state.burst.errors[code, default: 0] += 1
                    return state.burstWindows[connection]
                case "j": state.joinErrors[code, default: 0] += 1
                default: state.unattributedErrors[code, default: 0] += 1
                }
            case .hello:
                state.otherFrames["hello", default: 0] += 1
            case .other(let type):
                state.otherFrames[type, default: 0] += 1
            case .unreadable:
                state.unreadable += 1
            }
            return nil
        }
        answered?.release()
    }

    // MARK: Reading, from the drivers

    var direct: Tally { state.withLock { $0.direct } }
    var room: Tally { state.withLock { $0.room } }
    var burst: Tally { state.withLock { $0.burst } }
    var burstLedger: BurstLedger { state.withLock { $0.burstLedger } }
    var pingAcks: Int { state.withLock { $0.pingAcks } }
    var joinAnswers: (acks: Int, errors: [String: Int]) { state.withLock { ($0.joinAcks, $0.joinErrors) } }
    var otherFrames: [String: Int] { state.withLock { $0.otherFrames } }
    var unattributedErrors: [String: Int] { state.withLock { $0.unattributedErrors } }
    var unreadable: Int { state.withLock { $0.unreadable } }
}

extension Measurements.State {
    fileprivate mutating func recordMessage(_ stamp: Stamp, at position: ServerFrame.Position?, on connection: Int, at receivedAt: UInt64) {
        let micros = receivedAt >= stamp.sentAt ? (receivedAt - stamp.sentAt) / 1000 : 0
        switch stamp.phase {
        case .direct:
            guard directRecipient.indices.contains(stamp.number), directRecipient[stamp.number] == Int32(connection) else {
                // The sender's own echo, or a number from another run.
                direct.unexpected += 1
                return
            }
            if !direct.open {
                direct.late += 1
            } else if directSeen[stamp.number] {
                direct.duplicates += 1
            } else {
                directSeen[stamp.number] = true
                direct.delivered += 1
                _ = direct.latency.record(micros)
                direct.noteWorst(micros, sentAt: stamp.sentAt)
            }
        case .room:
            guard roomReceivers.indices.contains(connection), roomReceivers[connection], (0..<64).contains(stamp.number) else {
                room.unexpected += 1
                return
            }
            let bit = UInt64(1) << UInt64(stamp.number)
            if !room.open {
                room.late += 1
            } else if roomSeen[connection] & bit != 0 {
                room.duplicates += 1
            } else {
                roomSeen[connection] |= bit
                room.delivered += 1
                _ = room.latency.record(micros)
                room.noteWorst(micros, sentAt: stamp.sentAt)
            }
        case .burst:
            guard burst.open else {
                burst.late += 1
                return
            }
            guard let position, burstLedger.receive(position.seq, in: position.conversationId, on: connection) else {
                burst.unexpected += 1
                return
            }
            // Every receipt counts towards the drain; duplicates and order are the ledger's to judge.
            burst.delivered += 1
            _ = burst.latency.record(micros)
            burst.noteWorst(micros, sentAt: stamp.sentAt)
        }
    }
}
