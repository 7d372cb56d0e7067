import ArgumentParser
import BasedAnalysis
import BasedApp
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The entry point. Before any Swift concurrency runs, NIO's event loops
/// become the global executor (the `executor` setting, `pool` keeps Swift's
/// default): a request handler then runs on the event loop of its
/// connection instead of hopping to the cooperative pool and back, which
/// cost a stream request more than its work. Blocking work never runs on
/// either (files and SQLite go through NIO's thread pool, audio analysis
/// through threads of its own). The setting is read here, by hand, because
/// the configuration is loaded later, inside a task; it validates it then.
@main
enum Entry {
    static func main() {
        let arguments = CommandLine.arguments
        let flagged = zip(arguments, arguments.dropFirst()).first { $0.0 == "--executor" }?.1
            ?? arguments.last { $0.hasPrefix("--executor=") }.map { String($0.dropFirst("--executor=".count)) }
        if (flagged ?? ProcessInfo.processInfo.environment["BASED_EXECUTOR"]) != AppConfiguration.Executor.pool.rawValue {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await Based.main()
            Foundation.exit(0)
        }
        dispatchMain()
    }
}

struct Based: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "based",
        abstract: "Based: music streaming and social platform for local music scenes.",
        subcommands: [Serve.self, Worker.self, Migrate.self, UserCommand.self, Import.self, Analyze.self, Demo.self, Audit.self, Recommend.self, Places.self],
        defaultSubcommand: Serve.self
    )
}

/// The setting flags every command takes (`--port 9000`, `--data-dir=/srv/based`, …),
/// each overriding its `BASED_*` variable. They are not declared one by one:
/// `AppConfiguration.settings` is the one table, read through swift-configuration,
/// and `based serve --help` lists it.
struct SettingOptions: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    /// The configuration, or exit with one line naming the bad setting.
    func load() -> AppConfiguration {
        do {
            let configuration = try AppConfiguration.load(environment: ProcessInfo.processInfo.environment, arguments: settings)
            _ = try configuration.database
            LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            return configuration
        } catch {
            FileHandle.standardError.write(Data("based: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }
}

extension CommandConfiguration {
    /// Where a command's help sends people for the settings.
    static let settingsPointer = "Takes every setting of `based serve` as a flag (see `based serve --help`)."
}

/// Starts the services for a one-off command, runs `body`, and closes the
/// database whether it succeeded or not.
func withServices<T: Sendable>(_ configuration: AppConfiguration, _ body: @Sendable (AppServices) async throws -> T) async throws -> T {
    let services = try await AppServices.start(configuration, logger: Logger(label: "based"))
    return try await services.database.whileRunning { try await body(services) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrations are applied first).", discussion: AppConfiguration.settingsHelp)
    @OptionGroup var options: SettingOptions
    @Flag(help: "Seed the demo library when the database is empty.") var demo = false

    func run() async throws {
        var loaded = options.load()
        loaded.seedDemo = demo
        let configuration = loaded
        let logger = Logger(label: "based")
        let database = try configuration.database.displayName
        let telemetry = try Telemetry.bootstrap(configuration, logger: logger)
        let app = try await buildApplication(configuration: configuration, logger: logger, telemetry: telemetry) { channel in
            let port = channel.localAddress?.port ?? configuration.port
            // Written straight to the file descriptor: print() may sit in a buffer when stdout is a pipe.
            FileHandle.standardOutput.write(Data("Based listening on http://\(configuration.host):\(port) — database: \(database) — data: \(configuration.dataDirectory.path)\n".utf8))
        }
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.", discussion: CommandConfiguration.settingsPointer)
    @OptionGroup var options: SettingOptions

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let applied = try await Database.withOpen(try configuration.database, connections: 2, logger: logger) { database in
            try await Migrator(database: database, logger: logger).migrate()
        }
        print(applied.isEmpty ? "Database is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", ")).")
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; the only way to make an admin.", discussion: CommandConfiguration.settingsPointer)
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
            do {
                let user = try await withServices(configuration) { services in
                    try await services.accounts.createUser(.init(username: username, email: email, password: password, role: role), allowAdmin: true)
                }
                print("Created \(user.role.rawValue) \(user.username) (\(user.id.uuidString.lowercased())).")
            } catch let error as AppError {
                let fields = error.fields.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
                throw ValidationError(fields.isEmpty ? error.detail : fields)
            }
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run job workers only (no HTTP), beside one or more `based serve`.", discussion: CommandConfiguration.settingsPointer)
    @OptionGroup var options: SettingOptions
    @Option(help: "Worker slots in this process.") var concurrency = 2

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let telemetry = try Telemetry.bootstrap(configuration, serviceName: "based-worker", logger: logger)
        let services = try await AppServices.start(configuration, logger: logger)
        FileHandle.standardOutput.write(Data("Based worker with \(concurrency) slots — database: \(try configuration.database.displayName)\n".utf8))
        let push = services.pushGateway()
        // Stopped in reverse order: the workers, the push gateway they use, the database, the span exporter.
        let group = ServiceGroup(
            services: NamedService.all(
                (telemetry.map { [("telemetry", $0)] } ?? [])
                    + [("database", DatabaseLifecycle(database: services.database)), ("realtime background", services.realtime.background)]
                    + (push.map { [("push gateway", $0)] } ?? []) + [("job worker", services.worker(concurrency: concurrency, push: push))],
                logger: logger
            ),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add the demo artists and their music (processed by a running server or worker).", discussion: CommandConfiguration.settingsPointer)
    @OptionGroup var options: SettingOptions

    func run() async throws {
        let configuration = options.load()
        let logger = Logger(label: "based")
        let count = try await withServices(configuration) { services in
            try await DemoLibrary(services: services, logger: logger).seed()
        }
        print("Demo library: \(count) new tracks queued for processing; accounts use the password \(DemoLibrary.password).")
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a folder of music for an artist (recursively), through the same checks as uploads.",
        discussion: "Files already imported are skipped, bad files are reported and skipped. A running server or `based worker` processes the tracks. " + CommandConfiguration.settingsPointer
    )
    @Argument(help: "The folder to import.") var folder: String
    // After `folder`: the settings collect what is left over, so they come after every positional.
    @OptionGroup var options: SettingOptions
    @Option(help: "The artist account that owns the tracks.") var artist: String
    @Option(help: "public, unlisted or private.") var visibility: String = "public"
    @Option(help: "Files imported at once.") var concurrency = 2

    func run() async throws {
        let configuration = options.load()
        guard let visibility = Visibility(rawValue: visibility) else { throw ValidationError("--visibility must be public, unlisted or private") }
        let files = try LibraryImport.audioFiles(in: URL(fileURLWithPath: folder))
        let report = try await withServices(configuration) { services in
            let user = try await services.profiles.profile(username: artist).user
            guard user.role == .artist || user.role == .admin else { throw ValidationError("\(artist) is not an artist account") }
            let identity = Identity(userID: user.id, sessionID: UUID(), username: user.username, role: user.role)
            let meter = ProgressMeter(total: files.count, interactive: isatty(STDOUT_FILENO) == 1)
            let report = await LibraryImport(services: services).run(files, artist: identity, visibility: visibility, concurrency: concurrency) { file, outcome in
                await meter.record(file, outcome)
            }
            await meter.finish()
            return report
        }
        print("Imported \(report.imported), already there \(report.alreadyImported), failed \(report.failed.count) of \(files.count) audio files.")
        if !report.failed.isEmpty { throw ExitCode(1) }
    }
}

/// Shows import progress: a redrawn bar (files, rate, ETA) on a terminal, one plain line per file otherwise.
actor ProgressMeter {
    let total: Int
    let interactive: Bool
    let start = ContinuousClock.now
    var done = 0

    init(total: Int, interactive: Bool) {
        self.total = total
        self.interactive = interactive
    }

    func record(_ file: URL, _ outcome: LibraryImport.Outcome) {
        done += 1
        let line: String? = switch outcome {
        case .imported: interactive ? nil : "imported \(file.path)"
        case .alreadyImported: interactive ? nil : "already imported \(file.path)"
        case .failed(let reason): "skipped \(file.path): \(reason)"
        }
        if interactive {
            if let line { write("\r\u{1B}[2K\(line)\n") }
            write("\r\u{1B}[2K" + bar())
        } else if let line {
            write(line + "\n")
        }
    }

    func finish() {
        if interactive { write("\r\u{1B}[2K" + bar() + "\n") }
    }

    private func bar() -> String {
        let elapsed = (ContinuousClock.now - start).components
        let seconds = max(0.001, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        let rate = Double(done) / seconds
        let remaining = rate > 0 ? Int(Double(total - done) / rate) : 0
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return String(format: "[%@] %d/%d files · %.1f files/s · ETA %d:%02d", bar, done, total, rate, remaining / 60, remaining % 60)
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Analyse audio files and print their features, tempo, key, loudness and embedding as JSON, one line per file.")
    @Argument(help: "Audio files.") var files: [String]

    func run() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var failed = false
        for file in files {
            do {
                let analysis = try await AudioAnalysis.analyze(fileAt: file)
                FileHandle.standardOutput.write(try encoder.encode(analysis) + Data("\n".utf8))
            } catch {
                failed = true
                FileHandle.standardError.write(Data("based analyze: \(file): \(error)\n".utf8))
            }
        }
        if failed { throw ExitCode(1) }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The moderation audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log's hash chain; exits 1 naming the first entry that does not verify.",
            discussion: CommandConfiguration.settingsPointer
        )
        @OptionGroup var options: SettingOptions

        func run() async throws {
            let configuration = options.load()
            let result = try await withServices(configuration) { services in try await services.reports.verifyAudit() }
            if let broken = result.broken {
                FileHandle.standardError.write(Data("audit log: BROKEN at \(broken) (entries 1–\(result.entries) verify)\n".utf8))
                throw ExitCode(1)
            }
            print("audit log: \(result.entries) entries, chain intact (head \(result.head))")
        }
    }
}
