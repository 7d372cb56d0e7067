import Foundation
import Logging
import ServiceLifecycle
import SQLKit

/// Keeps this process's sockets known to the others: a heartbeat every
/// 15 s, a sweep of processes that stopped beating (their users' presence
/// ends), and the bus listener that brings other processes' events.
struct RealtimeService: Service {
    let realtime: Realtime

    func run() async throws {
        let database = realtime.database
        try await PresenceQueries.heartbeat(realtime.processID, now: Date(), on: database.sql)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await realtime.bus.listen { event in await realtime.receive(event) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: realtime.limits.heartbeat)
                    guard !Task.isCancelled else { return }
                    do {
                        try await PresenceQueries.heartbeat(realtime.processID, now: Date(), on: database.sql)
                        for user in try await PresenceQueries.sweep(now: Date(), on: database.sql) {
                            await realtime.presenceChanged(of: user)
                        }
                    } catch {
                        realtime.logger.warning("realtime heartbeat failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // The database closes after this service; no socket may still be writing to it then.
        // (Background work is a service of its own, stopped after this one.)
        await realtime.socketLives.drained(timeout: .seconds(5))
        // Going away cleanly: the sockets were closed by the server; forget them now, not after a timeout.
        try? await database.sql.delete(from: "realtime_sockets").where("process_id", .equal, realtime.processID).run()
        try? await database.sql.delete(from: "realtime_processes").where("id", .equal, realtime.processID).run()
    }
}
