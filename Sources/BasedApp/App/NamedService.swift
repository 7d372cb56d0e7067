import Logging
import ServiceLifecycle

/// One of the application's services under a name: it logs its start and its
/// end at debug level, and one still running `patience` after shutdown began
/// says so at error level, naming itself, and again each `patience` until it
/// ends. A stop that hangs names what holds it up instead of hanging silently
/// (a service group stops its services one by one, in reverse order, so one
/// that never ends keeps all before it running too).
public struct NamedService: Service {
    let name: String
    let base: any Service
    let patience: Duration
    let logger: Logger

    init(_ name: String, _ base: any Service, patience: Duration = .seconds(30), logger: Logger) {
        self.name = name
        self.base = base
        self.patience = patience
        self.logger = logger
    }

    public func run() async throws {
        logger.debug("service started", metadata: ["service": "\(name)"])
        defer { logger.debug("service ended", metadata: ["service": "\(name)"]) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await base.run()
                return true
            }
            group.addTask {
                await overdue()
                return false
            }
            // The service's end (or error) ends the watch; the watch ending
            // first (cancelled with the group) leaves the service to finish.
            for try await ended in group where ended {
                group.cancelAll()
            }
        }
    }

    /// Each service of a group under its name, in the group's order.
    public static func all(_ services: [(String, any Service)], logger: Logger) -> [any Service] {
        services.map { NamedService($0.0, $0.1, logger: logger) }
    }

    /// Returns only when cancelled: after shutdown begins, reports each lapse of `patience`.
    private func overdue() async {
        do {
            try await gracefulShutdown()
            var waited = Duration.zero
            while true {
                try await Task.sleep(for: patience)
                waited += patience
                logger.error(
                    "service has not stopped since shutdown began",
                    metadata: ["service": "\(name)", "seconds": "\(waited.components.seconds)"]
                )
            }
        } catch {
            return
        }
    }
}
