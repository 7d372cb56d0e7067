/// Phase "direct": senders write to their partner's direct conversation at a
/// steady total rate, spread round-robin over every pair.
struct DirectPhase {
    var rate: Int
    var seconds: Int
    /// How long undelivered messages are waited for once sending stops.
    var drain: Duration
    var runId: String

    func run(fleet: Fleet, users: [BenchUser], measurements: Measurements) async -> DirectResult {
        let open = fleet.openIndices
        let pairs = stride(from: 0, to: open.count - 1, by: 2).map { (sender: open[$0], recipient: open[$0 + 1]) }
        let total = rate * seconds
        guard !pairs.isEmpty, total > 0 else { return DirectResult(skipped: "fewer than two open sockets") }
        measurements.openDirect(messages: total)
        let interval = 1_000_000_000 / Double(rate)
        let start = MonotonicClock.nanoseconds()
        await withDiscardingTaskGroup { group in
            var number = 0
            while number < total {
                // Everything due by now goes out, so a late wake-up does not lower the rate.
                let elapsed = Double(MonotonicClock.nanoseconds() - start)
                let due = min(total, Int(elapsed / interval) + 1)
                while number < due {
                    let message = number, pair = pairs[number % pairs.count]
                    group.addTask {
                        let sentAt = MonotonicClock.nanoseconds()
                        measurements.willSendDirect(message, to: pair.recipient, at: sentAt)
                        let frame = ClientFrame.sendDirect(
                            id: "d\(message)",
                            to: users[pair.recipient].id,
                            clientMessageId: "\(runId)-d\(message)",
                            stamp: Stamp(sentAt: sentAt, phase: .direct, number: message)
                        )
                        if await !fleet.send(frame, on: pair.sender) { measurements.writeFailed(.direct) }
                    }
                    number += 1
                }
                let nextDue = Double(start) + Double(number) * interval
                let wait = nextDue - Double(MonotonicClock.nanoseconds())
                if wait > 0 { try? await Task.sleep(for: .nanoseconds(Int64(wait))) }
            }
        }
        _ = await waitUntil(timeout: drain) {
            let tally = measurements.direct
            return tally.delivered >= tally.sent - tally.writeFailures && tally.acks + tally.errors.values.reduce(0, +) >= tally.sent - tally.writeFailures
        }
        measurements.close(.direct)
        return DirectResult(tally: measurements.direct, targetRate: rate, seconds: seconds, senders: pairs.count)
    }
}

/// Phase "room fan-out": members join one room over their sockets, then one
/// member sends a message at a fixed interval and every other member's receipt is timed.
struct RoomPhase {
    var members: Int
    var messages: Int
    var interval: Duration
    var joinTimeout: Duration
    var drain: Duration
    var runId: String
    /// Against realtime-reference: no room to create or join, everyone is in it.
    var reference = false

    func run(fleet: Fleet, api: ServerAPI, users: [BenchUser], measurements: Measurements) async -> RoomResult {
        let open = fleet.openIndices
        guard open.count >= 2 else { return RoomResult(skipped: "fewer than two open sockets") }
        let sender = open[0]
        let receivers = Array(open.dropFirst().prefix(members))
        let roomId: String
        var answers: (acks: Int, errors: [String: Int]) = (0, [:])
        var joinSeconds = 0.0
        if reference {
            roomId = "reference"
        } else {
            do {
                roomId = try await api.createRoom(title: "bench", token: users[sender].accessToken)
            } catch {
                return RoomResult(skipped: "could not create the room: \(error)")
            }

            // Everyone joins, the sender too: a room's messages go to its members.
            let joiners = [sender] + receivers
            let joinsStarted = ContinuousClock.now
            await withTaskGroup(of: Void.self) { group in
                var next = 0
                func addNext() {
                    guard next < joiners.count else { return }
                    let index = joiners[next]
                    next += 1
                    group.addTask { _ = await fleet.send(ClientFrame.join(id: "j\(index)", roomId: roomId), on: index) }
                }
                for _ in 0..<200 { addNext() }
                for await _ in group { addNext() }
            }
            let allAnswered = await waitUntil(timeout: joinTimeout) {
                let answers = measurements.joinAnswers
                return answers.acks + answers.errors.values.reduce(0, +) >= joiners.count
            }
            joinSeconds = (ContinuousClock.now - joinsStarted).seconds
            answers = measurements.joinAnswers
            guard answers.acks > 0 else {
                return RoomResult(skipped: "no join was acknowledged (\(allAnswered ? "errors" : "timed out"): \(answers.errors))")
            }
        }

        measurements.openRoom(receivers: receivers, connections: users.count)
        let metricsBefore = reference ? nil : try? await api.metrics()
        let start = ContinuousClock.now
        for message in 0..<messages {
            try? await Task.sleep(until: start + interval * message, clock: .continuous)
            let sentAt = MonotonicClock.nanoseconds()
            measurements.willSendRoom(at: sentAt)
            let frame = ClientFrame.sendToRoom(
                id: "r\(message)",
                roomId: roomId,
                clientMessageId: "\(runId)-r\(message)",
                stamp: Stamp(sentAt: sentAt, phase: .room, number: message)
            )
            if await !fleet.send(frame, on: sender) { measurements.writeFailed(.room) }
        }
        let expected = measurements.room.sent * receivers.count
        _ = await waitUntil(timeout: drain) { measurements.room.delivered >= expected }
        measurements.close(.room)
        var result = RoomResult(
            tally: measurements.room,
            roomId: roomId,
            members: receivers.count,
            joinAcks: answers.acks,
            joinErrors: answers.errors,
            joinSeconds: joinSeconds,
            intervalMs: Int(interval.seconds * 1000)
        )
        if let metricsBefore, let metricsAfter = try? await api.metrics() {
            result.serverFanOut = ServerFanOut(before: .init(prometheus: metricsBefore), after: .init(prometheus: metricsAfter))
        }
        return result
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; true when it held.
func waitUntil(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
