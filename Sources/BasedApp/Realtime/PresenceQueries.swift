import Foundation
import SQLKit

/// Which sockets are open across all server processes, and who may see whose presence.
enum PresenceQueries {
    /// A process whose heartbeat is older than this is taken for dead.
    static let processTimeout: TimeInterval = 45

    static func heartbeat(_ process: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "realtime_processes").columns("id", "heartbeat_at")
            .values(SQLBind(process), SQLBind(now))
            .onConflict(with: ["id"]) { $0.set("heartbeat_at", to: SQLBind(now)) }
            .run()
    }

    static func addSocket(_ id: UUID, process: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "realtime_sockets").columns("id", "process_id", "user_id", "away", "connected_at")
            .values(SQLBind(id), SQLBind(process), SQLBind(user), SQLBind(false), SQLBind(now)).run()
    }

    static func removeSocket(_ id: UUID, user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "realtime_sockets").where("id", .equal, id).run()
        try await touchLastSeen(user, now: now, on: sql)
    }

    static func touchLastSeen(_ user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "last_seen").columns("user_id", "seen_at").values(SQLBind(user), SQLBind(now))
            .onConflict(with: ["user_id"]) { $0.set("seen_at", to: SQLBind(now)) }
            .run()
    }

    static func setAway(_ id: UUID, away: Bool, on sql: any SQLDatabase) async throws {
        try await sql.update("realtime_sockets").set("away", to: SQLBind(away)).where("id", .equal, id).run()
    }

    /// Removes processes that stopped beating and their sockets; returns those sockets' users.
    static func sweep(now: Date, on sql: any SQLDatabase) async throws -> [UUID] {
        let cutoff = now.addingTimeInterval(-processTimeout)
        let dead = try await sql.select().column("id").from("realtime_processes").where("heartbeat_at", .lessThan, SQLBind(cutoff))
            .all(decodingColumn: "id", as: UUID.self)
        // Sockets of processes that never beat at all (a crash before the first heartbeat) go too.
        let orphans = try await sql.raw("""
            SELECT DISTINCT process_id FROM realtime_sockets
            WHERE process_id NOT IN (SELECT id FROM realtime_processes) AND connected_at < \(bind: cutoff)
            """).all(decodingColumn: "process_id", as: UUID.self)
        let gone = dead + orphans
        guard !gone.isEmpty else { return [] }
        let users = try await sql.select().column("user_id").from("realtime_sockets").where("process_id", .in, gone)
            .all(decodingColumn: "user_id", as: UUID.self)
        for user in Set(users) { try await touchLastSeen(user, now: now, on: sql) }
        try await sql.delete(from: "realtime_sockets").where("process_id", .in, gone).run()
        if !dead.isEmpty { try await sql.delete(from: "realtime_processes").where("id", .in, dead).run() }
        return Array(Set(users))
    }

    struct State: Sendable, Equatable {
        var state: String
        var lastSeenAt: Date?
    }

    /// Presence of each user: `online` with any active socket on a live
    /// process, `away` when all their sockets said so, else `offline`.
    static func states(of users: [UUID], now: Date, on sql: any SQLDatabase) async throws -> [UUID: State] {
        guard !users.isEmpty else { return [:] }
        struct Row: Decodable { var userId: UUID; var away: Bool }
        let cutoff = now.addingTimeInterval(-processTimeout)
        var result: [UUID: State] = [:]
        for chunk in stride(from: 0, to: users.count, by: 500).map({ Array(users[$0..<min($0 + 500, users.count)]) }) {
            let rows = try await sql.select()
                .column(SQLColumn("user_id", table: "realtime_sockets"), as: "user_id")
                .column(SQLColumn("away", table: "realtime_sockets"), as: "away")
                .from("realtime_sockets")
                .join("realtime_processes", on: SQLColumn("id", table: "realtime_processes"), .equal, SQLColumn("process_id", table: "realtime_sockets"))
                .where(SQLColumn("heartbeat_at", table: "realtime_processes"), .greaterThan, SQLBind(cutoff))
                .where(SQLColumn("user_id", table: "realtime_sockets"), .in, SQLBind.group(chunk))
                .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            for row in rows {
                if !row.away { result[row.userId] = State(state: "online") } else if result[row.userId] == nil { result[row.userId] = State(state: "away") }
            }
            let offline = chunk.filter { result[$0] == nil }
            if !offline.isEmpty {
                struct Seen: Decodable { var userId: UUID; var seenAt: Date }
                let seen = try await sql.select().column("user_id").column("seen_at").from("last_seen")
                    .where("user_id", .in, offline)
                    .all(decoding: Seen.self, keyDecodingStrategy: .snakeCaseColumns)
                let byUser = Dictionary(seen.map { ($0.userId, $0.seenAt) }, uniquingKeysWith: { a, _ in a })
                for user in offline { result[user] = State(state: "offline", lastSeenAt: byUser[user]) }
            }
        }
        return result
    }
}
