@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `PresenceQueries` against a real database, SQLite or PostgreSQL as the run asks.
///
/// Times are a fixed day far ahead of the clock: the application under test
/// beats and sweeps on the real time, so its own sweep never takes these rows first.
@Suite("Presence queries", .serialized)
struct PresenceQueriesTests {
    /// 2100-01-01T00:00:00Z.
    private static let now = Date(timeIntervalSince1970: 4_102_444_800)
    /// Long enough before `now` that a process that beat then counts as dead.
    private static let stale = now.addingTimeInterval(-PresenceQueries.processTimeout - 1)

    @Test("a heartbeat writes the process once and then moves its time")
    func heartbeat() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let process = UUID()
            try await PresenceQueries.heartbeat(process, now: now, on: sql)
            try await PresenceQueries.heartbeat(process, now: now.addingTimeInterval(15), on: sql)
            let beats = try await sql.select().column("heartbeat_at").from("realtime_processes").where("id", .equal, process)
                .all(decodingColumn: "heartbeat_at", as: Date.self)
            #expect(beats == [now.addingTimeInterval(15)])
        }
    }

    @Test("a user with an active socket on a live process is online")
    func online() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let process = UUID()
            try await PresenceQueries.heartbeat(process, now: now, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: process, user: ana, now: now, on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql) == [ana: .init(state: "online")])
        }
    }

    @Test("a user is away when every socket says so, and online while one does not")
    func away() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let process = UUID()
            let (phone, laptop) = (UUID(), UUID())
            try await PresenceQueries.heartbeat(process, now: now, on: sql)
            try await PresenceQueries.addSocket(phone, process: process, user: ana, now: now, on: sql)
            try await PresenceQueries.addSocket(laptop, process: process, user: ana, now: now, on: sql)
            try await PresenceQueries.setAway(phone, away: true, on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana]?.state == "online")
            try await PresenceQueries.setAway(laptop, away: true, on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana]?.state == "away")
            try await PresenceQueries.setAway(phone, away: false, on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana]?.state == "online")
        }
    }

    @Test("a user with no socket is offline, with when they were last seen if ever")
    func offline() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            try await PresenceQueries.touchLastSeen(ana, now: now.addingTimeInterval(-600), on: sql)
            try await PresenceQueries.touchLastSeen(ana, now: now.addingTimeInterval(-60), on: sql)
            let states = try await PresenceQueries.states(of: [ana, ben], now: now, on: sql)
            #expect(states == [ana: .init(state: "offline", lastSeenAt: now.addingTimeInterval(-60)), ben: .init(state: "offline")])
        }
    }

    @Test("a socket on a process that stopped beating does not make its user online")
    func staleProcess() async throws {
        let (now, stale) = (Self.now, Self.stale)
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let process = UUID()
            try await PresenceQueries.heartbeat(process, now: stale, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: process, user: ana, now: stale, on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana]?.state == "offline")
        }
    }

    @Test("closing a socket records when its user was last seen, and leaves their other sockets")
    func removeSocket() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let process = UUID()
            let (phone, laptop) = (UUID(), UUID())
            try await PresenceQueries.heartbeat(process, now: now, on: sql)
            try await PresenceQueries.addSocket(phone, process: process, user: ana, now: now, on: sql)
            try await PresenceQueries.addSocket(laptop, process: process, user: ana, now: now, on: sql)
            try await PresenceQueries.setAway(laptop, away: true, on: sql)
            try await PresenceQueries.removeSocket(phone, user: ana, now: now.addingTimeInterval(5), on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana]?.state == "away")
            try await PresenceQueries.removeSocket(laptop, user: ana, now: now.addingTimeInterval(9), on: sql)
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana] == .init(state: "offline", lastSeenAt: now.addingTimeInterval(9)))
        }
    }

    @Test("a sweep removes the processes that stopped beating and their sockets, and names each of their users once")
    func sweepDead() async throws {
        let (now, stale) = (Self.now, Self.stale)
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let (dead, live) = (UUID(), UUID())
            try await PresenceQueries.heartbeat(dead, now: stale, on: sql)
            try await PresenceQueries.heartbeat(live, now: now, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: dead, user: ana, now: stale, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: dead, user: ana, now: stale, on: sql)
            let bens = UUID()
            try await PresenceQueries.addSocket(bens, process: live, user: ben, now: now, on: sql)
            #expect(try await PresenceQueries.sweep(now: now, on: sql) == [ana])
            #expect(try await socketIDs(of: [dead, live], sql) == [bens])
            #expect(try await processIDs(of: [dead, live], sql) == [live])
            #expect(try await PresenceQueries.states(of: [ana], now: now, on: sql)[ana] == .init(state: "offline", lastSeenAt: now))
        }
    }

    @Test("a sweep removes the sockets of a process that never beat once they are older than the timeout")
    func sweepOrphans() async throws {
        let (now, stale) = (Self.now, Self.stale)
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let (crashed, starting) = (UUID(), UUID())
            try await PresenceQueries.addSocket(UUID(), process: crashed, user: ana, now: stale, on: sql)
            let young = UUID()
            try await PresenceQueries.addSocket(young, process: starting, user: ben, now: now.addingTimeInterval(-5), on: sql)
            #expect(try await PresenceQueries.sweep(now: now, on: sql) == [ana])
            #expect(try await socketIDs(of: [crashed, starting], sql) == [young])
        }
    }

    @Test("a sweep with nothing dead names no one and removes nothing")
    func sweepNothing() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let process = UUID()
            let socket = UUID()
            try await PresenceQueries.heartbeat(process, now: now.addingTimeInterval(-10), on: sql)
            try await PresenceQueries.addSocket(socket, process: process, user: ana, now: now.addingTimeInterval(-10), on: sql)
            // The application's own process beats on the real time and so is, to this sweep, long dead; it has no sockets.
            #expect(try await PresenceQueries.sweep(now: now, on: sql).isEmpty)
            #expect(try await socketIDs(of: [process], sql) == [socket])
            #expect(try await processIDs(of: [process], sql) == [process])
        }
    }

    @Test("states answer for every user asked about, past the 500 that one query takes, and for none when asked about none")
    func statesInChunks() async throws {
        let now = Self.now
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let process = UUID()
            try await PresenceQueries.heartbeat(process, now: now, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: process, user: ana, now: now, on: sql)
            try await PresenceQueries.addSocket(UUID(), process: process, user: ben, now: now, on: sql)
            // Ana in the first chunk, Ben in the third, unknown ids around them.
            var users = (0..<1100).map { _ in UUID() }
            users[10] = ana
            users[1050] = ben
            let states = try await PresenceQueries.states(of: users, now: now, on: sql)
            #expect(states.count == 1100)
            #expect(Set(states.filter { $0.value.state == "online" }.keys) == [ana, ben])
            #expect(try await PresenceQueries.states(of: [], now: now, on: sql).isEmpty)
        }
    }

    // MARK: Rows

    /// Ids of the sockets of these processes.
    private func socketIDs(of processes: [UUID], _ sql: any SQLDatabase) async throws -> Set<UUID> {
        Set(try await sql.select().column("id").from("realtime_sockets").where("process_id", .in, processes).all(decodingColumn: "id", as: UUID.self))
    }

    /// Which of these processes are still listed.
    private func processIDs(of processes: [UUID], _ sql: any SQLDatabase) async throws -> Set<UUID> {
        Set(try await sql.select().column("id").from("realtime_processes").where("id", .in, processes).all(decodingColumn: "id", as: UUID.self))
    }
}
