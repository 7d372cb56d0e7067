import ArgumentParser
import BasedApp
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

@main
struct Based: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "based",
        abstract: "Based: music streaming and social platform for local music scenes.",
        subcommands: [Serve.self, Worker.self, Migrate.self, UserCommand.self, Demo.self],
        defaultSubcommand: Serve.self
    )
}

/// The flags every command shares; each overrides its `BASED_*` variable.
struct SettingOptions: ParsableArguments {
    @Option(help: "Address to listen on (BASED_HOST).") var host: String?
    @Option(help: "TCP port (BASED_PORT).") var port: String?
    @Option(help: "Data directory (BASED_DATA_DIR).") var dataDir: String?
    @Option(help: "sqlite:PATH or postgres://… (BASED_DATABASE_URL).") var databaseURL: String?
    @Option(help: "Log level (BASED_LOG_LEVEL).") var logLevel: String?
    @Option(help: "text or json (BASED_LOG_FORMAT).") var logFormat: String?

    var flags: [[String]: String] {
        var flags: [[String]: String] = [:]
        flags[["based", "host"]] = host
        flags[["based", "port"]] = port
        flags[["based", "data", "dir"]] = dataDir
        flags[["based", "database", "url"]] = databaseURL
        flags[["based", "log", "level"]] = logLevel
        flags[["based", "log", "format"]] = logFormat
        return flags
    }

    /// The configuration, or exit with one line naming the bad setting.
    func load() -> AppConfiguration {
        do {
            let configuration = try AppConfiguration.load(environment: ProcessInfo.processInfo.environment, flags: flags)
            _ = try configuration.database
            LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            return configuration
        } catch {
            FileHandle.standardError.write(Data("based: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrations are applied first).")
    @OptionGroup var options: SettingOptions
    @Flag(help: "Seed the demo library when the database is empty.") var demo = false

    func run() async throws {
        var loaded = options.load()
        loaded.seedDemo = demo
        let configuration = loaded
        let logger = Logger(label: "based")
        let database = try configuration.database.displayName
        let app = try await buildApplication(configuration: configuration, logger: logger) { channel in
            let port = channel.localAddress?.port ?? configuration.port
            // Written straight to the file descriptor: print() may sit in a buffer when stdout is a pipe.
            FileHandle.standardOutput.write(Data("Based listening on http://\(configuration.host):\(port) — database: \(database) — data: \(configuration.dataDirectory.path)\n".utf8))
        }
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")
    @OptionGroup var options: SettingOptions

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let database = try await Database.open(try configuration.database, logger: logger)
        do {
            let applied = try await Migrator(database: database, logger: logger).migrate()
            print(applied.isEmpty ? "Database is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", ")).")
            try await database.shutdown()
        } catch {
            try? await database.shutdown()
            throw error
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; the only way to make an admin.")
        @OptionGroup var options: SettingOptions
        @Option(help: "Username.") var username: String
        @Option(help: "Email address.") var email: String
        @Option(help: "admin, artist, venue or listener.") var role: String = "listener"
        @Option(help: "Password; read from BASED_NEW_PASSWORD or standard input when absent.") var password: String?

        func run() async throws {
            let configuration = options.load()
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be admin, artist, venue or listener")
            }
            let password = self.password ?? ProcessInfo.processInfo.environment["BASED_NEW_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            let services = try await AppServices.start(configuration, logger: Logger(label: "based"))
            do {
                let user = try await services.accounts.createUser(
                    .init(username: username, email: email, password: password, role: role),
                    allowAdmin: true
                )
                print("Created \(user.role.rawValue) \(user.username) (\(user.id.uuidString.lowercased())).")
                try await services.database.shutdown()
            } catch let error as AppError {
                try? await services.database.shutdown()
                let fields = error.fields.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
                throw ValidationError(fields.isEmpty ? error.detail : fields)
            } catch {
                try? await services.database.shutdown()
                throw error
            }
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run job workers only (no HTTP), beside one or more `based serve`.")
    @OptionGroup var options: SettingOptions
    @Option(help: "Worker slots in this process.") var concurrency = 2

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let services = try await AppServices.start(configuration, logger: logger)
        FileHandle.standardOutput.write(Data("Based worker with \(concurrency) slots — database: \(try configuration.database.displayName)\n".utf8))
        let group = ServiceGroup(
            services: [DatabaseLifecycle(database: services.database), services.worker(concurrency: concurrency)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add the demo artists and their music (processed by a running server or worker).")
    @OptionGroup var options: SettingOptions

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let services = try await AppServices.start(configuration, logger: logger)
        do {
            let count = try await DemoLibrary(services: services, logger: logger).seed()
            print("Demo library: \(count) new tracks queued for processing; accounts use the password \(DemoLibrary.password).")
            try await services.database.shutdown()
        } catch {
            try? await services.database.shutdown()
            throw error
        }
    }
}
