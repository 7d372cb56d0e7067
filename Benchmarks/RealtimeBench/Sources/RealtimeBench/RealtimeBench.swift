import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// `realtime-bench`: registers users on a running Based server, holds one
/// realtime socket per user and measures direct and room delivery latency
/// against the targets of issue 5 point 10, then checks that concurrent
/// senders into one conversation lose, repeat or reorder nothing (issue 11).
@main
struct RealtimeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realtime-bench",
        abstract: "Load-test the realtime WebSocket of a running Based server.",
        discussion: """
            Exits 2 when the burst phase finds a message lost, duplicated or out of order on a socket \
            (or could not run), 1 when the harness itself fails; never on a missed latency target.
            """
    )

    @Option(help: "The server's base URL.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "Users to register and sockets to hold.")
    var clients = 10_000

    @Option(help: "Direct messages per second, in total.")
    var rate = 1_000

    @Option(help: "How long the direct phase sends, in seconds.")
    var directSeconds = 20

    @Option(help: "Room members besides the sender (0 skips the room phase).")
    var room = 5_000

    @Option(help: "Messages sent to the room (at most 64).")
    var roomMessages = 20

    @Option(help: "Milliseconds between room messages.")
    var roomIntervalMs = 200

    @Option(help: "Group conversations in the burst phase, every member sending at once (0 skips it).")
    var burstConversations = 10

    @Option(help: "Members of each burst conversation, each with one socket that sends and receives (2–101).")
    var burstMembers = 8

    @Option(help: "Messages sent into each burst conversation, shared out over its members.")
    var burstMessages = 2_000

    @Option(help: "Frames a second each burst socket sends (1–25: the server allows 30).")
    var burstSocketRate = 25

    @Option(help: "Seconds after which the burst phase starts no more sends.")
    var burstSeconds = 60

    @Option(help: "Seconds to wait for deliveries after a phase stops sending.")
    var drainSeconds = 5

    @Option(help: "The server's process id, to read its resident memory from /proc.")
    var serverPid: Int32?

    @Option(help: "Write the results as JSON to this path.")
    var json: String?

    @Option(help: "Registrations in flight at once.")
    var registerConcurrency = 32

    @Flag(help: "The server is realtime-reference (bare NIO): no accounts, no direct phase, every socket is in the one room.")
    var reference = false

    @Option(help: "Sockets between connect and hello at once.")
    var connectConcurrency = 200

    @Option(help: "Seconds a socket may take from connect to hello.")
    var helloTimeout = 30

    mutating func validate() throws {
        guard clients >= 2 else { throw ValidationError("--clients must be at least 2") }
        guard rate > 0, directSeconds >= 0 else { throw ValidationError("--rate must be positive and --direct-seconds not negative") }
        guard (0...64).contains(roomMessages) else { throw ValidationError("--room-messages must be 0–64") }
        guard room >= 0, roomIntervalMs > 0, drainSeconds >= 0 else { throw ValidationError("--room, --room-interval-ms and --drain-seconds must not be negative") }
        guard burstConversations >= 0, (2...101).contains(burstMembers), burstMessages > 0, (1...25).contains(burstSocketRate), burstSeconds > 0 else {
            throw ValidationError("--burst-conversations must not be negative, --burst-members 2–101, --burst-socket-rate 1–25, --burst-messages and --burst-seconds positive")
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw ValidationError("--url must be http://… or https://…") }
        while url.hasSuffix("/") { url.removeLast() }
    }

    func run() async throws {
        var logger = Logger(label: "realtime-bench")
        logger.logLevel = .error
        let fileLimit = ProcessFacts.raiseFileLimit(to: clients + 256)
        if fileLimit < clients + 64 {
            note("open-file limit is \(fileLimit): sockets past it will fail (run `ulimit -n 65536` first)")
        }
        let runId = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: registerConcurrency)
        // The registration loop retries on its own; a refused connection should fail at once, not after the connect timeout.
        pool.retryConnectionEstablishment = false
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(60)), connectionPool: pool)
        )
        let api = ServerAPI(baseURL: url, client: client)
        do {
            try await measure(api: api, fileLimit: fileLimit, runId: runId, logger: logger)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func measure(api: ServerAPI, fileLimit: Int, runId: String, logger: Logger) async throws {
        let users: [BenchUser]
        let registrationFailures: [String: Int]
        if reference {
            // The reference server has no accounts: every socket is anonymous.
            users = (0..<clients).map { BenchUser(id: "r\($0)", accessToken: "none") }
            registrationFailures = [:]
        } else {
            note("registering \(clients) users on \(url)")
            let registrationStart = ContinuousClock.now
            (users, registrationFailures) = await api.registerUsers(count: clients, concurrency: registerConcurrency) { note("  \($0) registered") }
            note("registered \(users.count) in \(format((ContinuousClock.now - registrationStart).seconds, 1)) s")
        }
        if !registrationFailures.isEmpty { note("registration failures: \(registrationFailures)") }
        guard users.count >= 2 else {
            throw BenchError.harness("only \(users.count) users registered: \(registrationFailures.first?.key ?? "")")
        }

        let rssBefore = serverPid.flatMap(ProcessFacts.residentKiB(of:))
        let fleet = Fleet(size: users.count)
        let measurements = Measurements()
        let gate = ConnectGate(limit: connectConcurrency)
        guard let server = URLComponents(string: url), let host = server.host else { throw BenchError.harness("cannot read host and port from \(url)") }
        let port = server.port ?? (server.scheme == "https" ? 443 : 80)

        let (held, writeError, burstWhole) = await withDiscardingTaskGroup { group -> (Int, (any Error)?, Bool) in
            let connectStart = ContinuousClock.now
            for (index, user) in users.enumerated() {
                await gate.acquire()
                let socket = BenchSocket(
                    index: index, user: user, host: host, port: port, path: server.path + "/api/v1/realtime", helloTimeout: .seconds(helloTimeout),
                    pingsAfterHello: !reference, fleet: fleet, gate: gate, measurements: measurements, logger: logger
                )
                group.addTask { await socket.run() }
                if (index + 1) % 1000 == 0 { note("  \(index + 1) connecting, \(fleet.counts.open) open") }
            }
            // The last ones may still be waiting for hello; each has its own timeout.
            _ = await waitUntil(timeout: .seconds(helloTimeout + 5)) { fleet.counts.connecting == 0 }
            let connectSeconds = (ContinuousClock.now - connectStart).seconds
            // Let the server settle (allocations after hello, presence fan-out) before reading its memory.
            try? await Task.sleep(for: .seconds(2))
            let counts = fleet.counts
            note("holding \(counts.open) sockets (\(counts.failed) failed) after \(format(connectSeconds, 1)) s")
            let rssAfter = serverPid.flatMap(ProcessFacts.residentKiB(of:))

            var results = Results(
                url: url,
                reference: reference,
                date: ISO8601DateFormatter().string(from: Date()),
                connections: ConnectionsResult(
                    target: clients, registered: users.count, held: counts.open, failed: counts.failed + counts.closed,
                    seconds: connectSeconds, fileLimit: fileLimit,
                    registrationFailures: registrationFailures, socketEndings: fleet.endingReasons
                )
            )
            if let serverPid, let rssBefore, let rssAfter, counts.open > 0 {
                results.memory = MemoryResult(
                    serverPid: serverPid, rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter,
                    perConnectionKiB: Double(rssAfter - rssBefore) / Double(counts.open)
                )
            }

            if directSeconds > 0, !reference {
                note("direct: \(rate) msg/s for \(directSeconds) s")
                results.direct = await DirectPhase(rate: rate, seconds: directSeconds, drain: .seconds(drainSeconds), runId: runId)
                    .run(fleet: fleet, users: users, measurements: measurements)
            }
            if room > 0, roomMessages > 0 {
                note("room: \(room) members, \(roomMessages) messages every \(roomIntervalMs) ms")
                results.room = await RoomPhase(
                    members: room, messages: roomMessages, interval: .milliseconds(roomIntervalMs),
                    joinTimeout: .seconds(60), drain: .seconds(drainSeconds), runId: runId, reference: reference
                ).run(fleet: fleet, api: api, users: users, measurements: measurements)
            }
            if burstConversations > 0, !reference {
                note("burst: \(burstConversations) conversations of \(burstMembers), \(burstMessages) messages each, every member sending")
                results.burst = await BurstPhase(
                    conversations: burstConversations, members: burstMembers, messages: burstMessages,
                    socketRate: burstSocketRate, socketBurst: 25, window: 25,
                    // Called lost only after a generous wait, which ends as soon as every delivery is in.
                    maxSending: .seconds(burstSeconds), drain: .seconds(max(drainSeconds, 30)), runId: runId
                ).run(fleet: fleet, api: api, users: users, measurements: measurements)
            }
            results.pingAcks = measurements.pingAcks
            results.connections.socketEndings = fleet.endingReasons
            results.otherFrames = measurements.otherFrames
            results.unattributedErrors = measurements.unattributedErrors
            results.unreadableFrames = measurements.unreadable

            let burstWhole = results.burst.map(\.whole) ?? true
            // Report before closing, so that a socket that will not close cannot hold the results back.
            print(results.markdown)
            var writeError: (any Error)?
            if let json {
                do {
                    try results.write(to: json)
                    note("wrote \(json)")
                } catch {
                    writeError = error
                }
            }

            note("closing \(fleet.counts.open) sockets")
            await fleet.closeAll(concurrency: 500)
            if await !waitUntil(timeout: .seconds(15), { fleet.counts.open == 0 }) {
                note("\(fleet.counts.open) sockets did not close in 15 s; cancelling them")
                group.cancelAll()
                // A socket stuck before its upgrade may not notice cancellation; the results are out, so do not wait for it.
                Task.detached {
                    try? await Task.sleep(for: .seconds(10))
                    note("sockets still running after cancellation; exiting")
                    Foundation.exit(burstWhole ? 0 : 2)
                }
            }
            return (counts.open, writeError, burstWhole)
        }
        if let writeError { throw BenchError.harness("could not write \(json ?? ""): \(writeError)") }
        guard held > 0 else { throw BenchError.harness("no socket was held") }
        if !burstWhole {
            note("burst: a socket did not get every message of its conversation once and in order (or the phase could not run)")
            throw ExitCode(2)
        }
    }
}

/// Progress goes to standard error, so that standard output is the table alone.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
