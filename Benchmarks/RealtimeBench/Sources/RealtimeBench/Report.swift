import Foundation
import Histogram

/// p50, p99 and max of a latency histogram, in milliseconds.
struct Latency: Codable {
    var p50Ms: Double
    var p99Ms: Double
    var maxMs: Double
    var samples: UInt64

    init?(_ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else { return nil }
        p50Ms = Double(histogram.valueAtPercentile(50)) / 1000
        p99Ms = Double(histogram.valueAtPercentile(99)) / 1000
        maxMs = Double(histogram.max) / 1000
        samples = histogram.totalCount
    }
}

struct ConnectionsResult: Codable {
    var target: Int
    var registered: Int
    var held: Int
    var failed: Int
    var seconds: Double
    var fileLimit: Int
    /// Why registrations failed, with counts.
    var registrationFailures: [String: Int]
    /// Why sockets failed or closed early, with counts.
    var socketEndings: [String: Int]
}

struct MemoryResult: Codable {
    var serverPid: Int32
    var rssBeforeKiB: Int
    var rssAfterKiB: Int
    var perConnectionKiB: Double
}

struct DirectResult: Codable {
    var skipped: String?
    var targetRate = 0
    var achievedRate = 0.0
    var seconds = 0
    var senders = 0
    var sent = 0
    var writeFailures = 0
    var delivered = 0
    var lost = 0
    var duplicates = 0
    var late = 0
    var unexpected = 0
    var acks = 0
    var errors: [String: Int] = [:]
    var latency: Latency?
    /// The slowest delivery (ms) among the messages sent in each second, to see when a tail happened.
    var worstMsBySecond: [Double] = []

    init(skipped: String) { self.skipped = skipped }

    init(tally: Measurements.Tally, targetRate: Int, seconds: Int, senders: Int) {
        if let last = tally.worstBySecond.keys.max() {
            worstMsBySecond = (0...last).map { Double(tally.worstBySecond[$0] ?? 0) / 1000 }
        }
        self.targetRate = targetRate
        self.seconds = seconds
        self.senders = senders
        sent = tally.sent - tally.writeFailures
        writeFailures = tally.writeFailures
        delivered = tally.delivered
        lost = sent - delivered
        duplicates = tally.duplicates
        late = tally.late
        unexpected = tally.unexpected
        acks = tally.acks
        errors = tally.errors
        latency = Latency(tally.latency)
        if let first = tally.firstSendAt, let last = tally.lastSendAt, last > first, tally.sent > 1 {
            achievedRate = Double(tally.sent - 1) / (Double(last - first) / 1e9)
        }
    }
}

struct RoomResult: Codable {
    var skipped: String?
    var roomId: String?
    var members = 0
    var joinAcks = 0
    var joinErrors: [String: Int] = [:]
    var joinSeconds = 0.0
    var messages = 0
    var intervalMs = 0
    var expected = 0
    var delivered = 0
    var duplicates = 0
    var late = 0
    var unexpected = 0
    var acks = 0
    var errors: [String: Int] = [:]
    var latency: Latency?
    /// The server's own figure for the same fan-outs, from its `/metrics`.
    var serverFanOut: ServerFanOut?

    init(skipped: String) { self.skipped = skipped }

    init(tally: Measurements.Tally, roomId: String, members: Int, joinAcks: Int, joinErrors: [String: Int], joinSeconds: Double, intervalMs: Int) {
        self.roomId = roomId
        self.members = members
        self.joinAcks = joinAcks
        self.joinErrors = joinErrors
        self.joinSeconds = joinSeconds
        self.intervalMs = intervalMs
        messages = tally.sent - tally.writeFailures
        expected = messages * members
        delivered = tally.delivered
        duplicates = tally.duplicates
        late = tally.late
        unexpected = tally.unexpected
        acks = tally.acks
        errors = tally.errors
        latency = Latency(tally.latency)
    }
}

struct BurstResult: Codable {
    var skipped: String?
    var conversations = 0
    var members = 0
    var messagesPerConversation = 0
    /// Frames a second each socket was allowed to send.
    var socketRate = 0
    var sendingSeconds = 0.0
    var sent = 0
    var writeFailures = 0
    var acks = 0
    var errors: [String: Int] = [:]
    /// Sends neither acknowledged nor refused by the end of the drain.
    var unanswered = 0
    /// Each stored message to every member socket, the sender's own included.
    var expected = 0
    var delivered = 0
    var lost = 0
    var duplicated = 0
    var outOfOrder = 0
    var late = 0
    var unexpected = 0
    /// Send to receipt, over every receipt on every member socket.
    var latency: Latency?
    var worstMsBySecond: [Double] = []
    /// The first few losses, duplicates and reorderings, to look into.
    var examples: [String] = []

    /// Whether every socket got every sequence of its conversation once and in order.
    var whole: Bool { skipped == nil && lost == 0 && duplicated == 0 && outOfOrder == 0 && expected > 0 }

    init(skipped: String) { self.skipped = skipped }

    init(tally: Measurements.Tally, check: BurstLedger.Check, conversations: Int, members: Int, messagesPerConversation: Int, socketRate: Int, sendingSeconds: Double) {
        self.conversations = conversations
        self.members = members
        self.messagesPerConversation = messagesPerConversation
        self.socketRate = socketRate
        self.sendingSeconds = sendingSeconds
        sent = tally.sent - tally.writeFailures
        writeFailures = tally.writeFailures
        acks = tally.acks
        errors = tally.errors
        unanswered = max(0, sent - acks - errors.values.reduce(0, +))
        expected = check.expected
        delivered = check.delivered
        lost = check.lost
        duplicated = check.duplicated
        outOfOrder = check.outOfOrder
        late = tally.late
        unexpected = tally.unexpected
        latency = Latency(tally.latency)
        if let last = tally.worstBySecond.keys.max() {
            worstMsBySecond = (0...last).map { Double(tally.worstBySecond[$0] ?? 0) / 1000 }
        }
        examples = check.examples
    }
}

/// The targets of issue 5 point 10, written next to every result.
struct Targets: Codable {
    var clients = 10_000
    var directRate = 1_000
    var directP99Ms = 20.0
    var roomMembers = 5_000
    var roomP99Ms = 100.0
}

/// Everything one run measured, as written to `--json`.
struct Results: Codable {
    var url: String
    /// Measured against realtime-reference, the bare NIO floor, not Based.
    var reference = false
    var date: String
    var targets = Targets()
    var connections: ConnectionsResult
    var memory: MemoryResult?
    var direct: DirectResult?
    var room: RoomResult?
    var burst: BurstResult?
    /// Answers to the `ping` each socket sends right after hello.
    var pingAcks = 0
    var otherFrames: [String: Int] = [:]
    var unattributedErrors: [String: Int] = [:]
    var unreadableFrames = 0

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url)
    }

    /// The results as a markdown table, each row beside its target.
    var markdown: String {
        reference ? referenceMarkdown : basedMarkdown
    }

    /// Against the reference server only the fan-out means anything; no targets apply to it.
    private var referenceMarkdown: String {
        var lines = ["| reference: bare SwiftNIO broadcast | measured |", "| --- | --- |"]
        lines.append("| connections held | \(grouped(connections.held)) / \(grouped(connections.target)) (\(connections.failed) failed) |")
        if let memory { lines.append("| RSS per connection | \(format(memory.perConnectionKiB, 1)) KiB |") }
        if let room {
            lines.append("| room fan-out p50 / p99 / max | " + (room.skipped.map { "skipped: \($0)" } ?? "\(latencyText(room.latency)) to \(grouped(room.members)) sockets, \(room.messages) messages every \(room.intervalMs) ms; deliveries \(grouped(room.delivered)) / \(grouped(room.expected))") + " |")
        }
        return lines.joined(separator: "\n")
    }

    private var basedMarkdown: String {
        var rows: [(String, String, String, String)] = []
        let held = connections.held
        rows.append((
            "connections held",
            "\(grouped(targets.clients)) clients",
            "\(grouped(held)) / \(grouped(connections.target)) (\(connections.failed) failed, \(format(connections.seconds, 1)) s to connect)",
            verdict(held >= targets.clients)
        ))
        rows.append((
            "server RSS per connection",
            "—",
            memory.map { "\(format($0.perConnectionKiB, 1)) KiB (\(format(Double($0.rssBeforeKiB) / 1024, 1)) → \(format(Double($0.rssAfterKiB) / 1024, 1)) MiB)" } ?? "not measured (no --server-pid)",
            ""
        ))
        if let direct {
            if let skipped = direct.skipped {
                rows.append(("direct p50 / p99 / max", "p99 < \(format(targets.directP99Ms, 0)) ms at \(grouped(targets.directRate)) msg/s", "skipped: \(skipped)", verdict(false)))
            } else {
                let met = (direct.latency?.p99Ms ?? .infinity) < targets.directP99Ms && direct.targetRate >= targets.directRate && direct.lost == 0
                rows.append((
                    "direct p50 / p99 / max",
                    "p99 < \(format(targets.directP99Ms, 0)) ms at \(grouped(targets.directRate)) msg/s",
                    "\(latencyText(direct.latency)) at \(format(direct.achievedRate, 0)) msg/s over \(direct.seconds) s, \(direct.senders) senders; sent \(grouped(direct.sent)), delivered \(grouped(direct.delivered)), lost \(grouped(direct.lost)), acks \(grouped(direct.acks))\(errorsText(direct.errors))",
                    verdict(met)
                ))
            }
        }
        if let room {
            if let skipped = room.skipped {
                rows.append(("room fan-out p50 / p99 / max", "p99 < \(format(targets.roomP99Ms, 0)) ms to \(grouped(targets.roomMembers))", "skipped: \(skipped)", verdict(false)))
            } else {
                let met = (room.latency?.p99Ms ?? .infinity) < targets.roomP99Ms && room.members >= targets.roomMembers && room.delivered == room.expected
                rows.append((
                    "room fan-out p50 / p99 / max",
                    "p99 < \(format(targets.roomP99Ms, 0)) ms to \(grouped(targets.roomMembers))",
                    "\(latencyText(room.latency)) to \(grouped(room.members)) members, \(room.messages) messages every \(room.intervalMs) ms; deliveries \(grouped(room.delivered)) / \(grouped(room.expected)), joins acked \(grouped(room.joinAcks))\(errorsText(room.errors.merging(room.joinErrors) { $0 + $1 }))",
                    verdict(met)
                ))
            }
        }
        if let burst {
            let target = "lost, duplicated, out of order = 0"
            if let skipped = burst.skipped {
                rows.append(("burst: concurrent senders per conversation", target, "skipped: \(skipped)", verdict(false)))
            } else {
                rows.append((
                    "burst: \(burst.conversations) conversations × \(burst.members) members, all sending",
                    target,
                    "lost \(grouped(burst.lost)), duplicated \(grouped(burst.duplicated)), out of order \(grouped(burst.outOfOrder)); "
                        + "sent \(grouped(burst.sent)) in \(format(burst.sendingSeconds, 1)) s (≤ \(burst.socketRate)/s per socket), acked \(grouped(burst.acks)), "
                        + "deliveries \(grouped(burst.delivered)) / \(grouped(burst.expected)) (every socket, sender's own too); "
                        + "\(latencyText(burst.latency))\(burst.unanswered > 0 ? ", \(burst.unanswered) unanswered" : "")\(errorsText(burst.errors))",
                    verdict(burst.whole)
                ))
            }
        }
        if let server = room?.serverFanOut {
            rows.append((
                "server fan-out time (from the server's /metrics)",
                "—",
                server.fanOuts == 0
                    ? "no fan-out to over 1,000 sockets recorded"
                    : "mean \(format(server.meanMs, 2)) ms, p50 ≤ \(format(server.p50UpperMs, 0)) ms, p99 ≤ \(format(server.p99UpperMs, 0)) ms over \(server.fanOuts) fan-outs (start until every frame is written to its socket)",
                ""
            ))
        }
        var lines = ["| measure | target | measured | met |", "| --- | --- | --- | --- |"]
        lines += rows.map { "| \($0.0) | \($0.1) | \($0.2) | \($0.3) |" }
        return lines.joined(separator: "\n")
    }

    private func latencyText(_ latency: Latency?) -> String {
        guard let latency else { return "no receipts" }
        return "\(format(latency.p50Ms, 2)) / \(format(latency.p99Ms, 2)) / \(format(latency.maxMs, 2)) ms"
    }

    private func errorsText(_ errors: [String: Int]) -> String {
        errors.isEmpty ? "" : "; errors " + errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }

    private func verdict(_ met: Bool) -> String { met ? "yes" : "**no**" }
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (offset, digit) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}

/// How long the server says its fan-outs to over 1,000 sockets took: the
/// difference of its `based_realtime_fanout_duration_seconds` histogram
/// before and after the room phase. Percentiles are bucket upper bounds.
struct ServerFanOut: Codable {
    var fanOuts = 0
    var meanMs = 0.0
    var p50UpperMs = 0.0
    var p99UpperMs = 0.0

    /// Cumulative bucket counts by upper bound (seconds), and the sum and count.
    struct Snapshot {
        var buckets: [Double: Double] = [:]
        var sum = 0.0
        var count = 0.0

        init(prometheus text: String, audience: String = "1001+") {
            let metric = "based_realtime_fanout_duration_seconds"
            for line in text.split(separator: "\n") where line.hasPrefix(metric) && line.contains("audience=\"\(audience)\"") {
                guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
                if line.hasPrefix(metric + "_bucket"), let start = line.range(of: "le=\"")?.upperBound,
                   let end = line[start...].firstIndex(of: "\"") {
                    let bound = line[start..<end] == "+Inf" ? Double.infinity : Double(line[start..<end]) ?? .nan
                    buckets[bound] = value
                } else if line.hasPrefix(metric + "_sum") {
                    sum = value
                } else if line.hasPrefix(metric + "_count") {
                    count = value
                }
            }
        }
    }

    init(before: Snapshot, after: Snapshot) {
        let count = after.count - before.count
        fanOuts = Int(count)
        guard count > 0 else { return }
        meanMs = (after.sum - before.sum) / count * 1000
        let bounds = after.buckets.keys.sorted()
        func upper(_ quantile: Double) -> Double {
            for bound in bounds where after.buckets[bound, default: 0] - before.buckets[bound, default: 0] >= quantile * count {
                return bound * 1000
            }
            return .infinity
        }
        p50UpperMs = upper(0.5)
        p99UpperMs = upper(0.99)
    }
}
