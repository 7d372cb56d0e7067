/// Phase "burst": group conversations whose members all send into them at
/// once, every member socket as fast as the server's frame limit allows, and
/// every member socket a receiver too. The ledger then checks docs/realtime.md's
/// promise on each socket: every `seq` of its conversation, once, in order.
struct BurstPhase {
    var conversations: Int
    var members: Int
    /// Messages per conversation, shared out over its members.
    var messages: Int
    /// Frames a second per socket, and how many may go at once: together with
    /// `window` below the server's limit (30 a second, bursts of 60), so that
    /// no send is refused as `rate_limited` however the server's reads bunch up.
    var socketRate: Int
    var socketBurst: Int
    /// Sends a socket may have unanswered.
    var window: Int
    /// No send starts after this long.
    var maxSending: Duration
    var drain: Duration
    var runId: String

    func run(fleet: Fleet, api: ServerAPI, users: [BenchUser], measurements: Measurements) async -> BurstResult {
        let open = fleet.openIndices
        let count = min(conversations, open.count / members)
        guard count > 0 else { return BurstResult(skipped: "fewer than \(members) open sockets") }
        var groups: [(id: String, members: [Int])] = []
        for conversation in 0..<count {
            let sockets = Array(open[(conversation * members)..<((conversation + 1) * members)])
            do {
                let id = try await api.createGroup(
                    title: "bench burst \(conversation)",
                    memberIds: sockets.dropFirst().map { users[$0].id },
                    token: users[sockets[0]].accessToken
                )
                groups.append((id, sockets))
            } catch {
                return BurstResult(skipped: "could not create conversation \(conversation): \(error)")
            }
        }
        let senders = groups.flatMap { group in
            group.members.enumerated().map { position, socket in
                (socket: socket, conversationId: group.id, count: messages / members + (position < messages % members ? 1 : 0))
            }
        }
        let windows = Dictionary(uniqueKeysWithValues: senders.map { ($0.socket, SendWindow(limit: window)) })
        measurements.openBurst(BurstLedger(conversations: groups), windows: windows)

        let start = ContinuousClock.now
        let deadline = start + maxSending
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                // Past the deadline a sender waiting for an answer gives up.
                try? await Task.sleep(until: deadline, clock: .continuous)
                for window in windows.values { window.close() }
                return false
            }
            for sender in senders {
                let window = windows[sender.socket]!
                group.addTask {
                    await send(sender.count, into: sender.conversationId, from: sender.socket, window: window, until: deadline, fleet: fleet, measurements: measurements)
                    return true
                }
            }
            var finished = 0
            for await wasSender in group where wasSender {
                finished += 1
                if finished == senders.count { group.cancelAll() }
            }
        }
        let sendingSeconds = (ContinuousClock.now - start).seconds
        _ = await waitUntil(timeout: drain) {
            let tally = measurements.burst
            let answered = tally.acks + tally.errors.values.reduce(0, +)
            return answered >= tally.sent - tally.writeFailures && tally.delivered >= tally.acks * members
        }
        measurements.close(.burst)
        for window in windows.values { window.close() }
        return BurstResult(
            tally: measurements.burst, check: measurements.burstLedger.check(),
            conversations: groups.count, members: members, messagesPerConversation: messages,
            socketRate: socketRate, sendingSeconds: sendingSeconds
        )
    }

    /// One member's sends: each waits for a slot in the socket's window, then
    /// for a token of its client-side bucket, then goes out stamped.
    private func send(
        _ count: Int, into conversationId: String, from socket: Int, window: SendWindow,
        until deadline: ContinuousClock.Instant, fleet: Fleet, measurements: Measurements
    ) async {
        var tokens = Double(socketBurst)
        var refilledAt = ContinuousClock.now
        for number in 0..<count {
            guard ContinuousClock.now < deadline, await window.acquire() else { return }
            let now = ContinuousClock.now
            tokens = min(Double(socketBurst), tokens + Double(socketRate) * (now - refilledAt).seconds)
            refilledAt = now
            if tokens < 1 {
                let wait = Duration.seconds((1 - tokens) / Double(socketRate))
                guard now + wait < deadline else { return }
                try? await Task.sleep(for: wait)
                tokens = 1
                refilledAt = ContinuousClock.now
            }
            tokens -= 1
            let sentAt = MonotonicClock.nanoseconds()
            measurements.willSendBurst(at: sentAt)
            let frame = ClientFrame.sendToConversation(
                id: "b\(number)",
                conversationId: conversationId,
                clientMessageId: "\(runId)-b\(socket)-\(number)",
                stamp: Stamp(sentAt: sentAt, phase: .burst, number: number)
            )
            if await !fleet.send(frame, on: socket) {
                measurements.writeFailed(.burst)
                window.release()
            }
        }
    }
}
