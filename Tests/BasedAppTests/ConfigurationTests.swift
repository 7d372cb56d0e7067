import BasedApp
import BasedMedia
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults: SQLite in ./data on 127.0.0.1:8080")
    func defaults() throws {
        let configuration = try AppConfiguration.load(environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(try configuration.database == .sqlite(path: configuration.dataDirectory.appendingPathComponent("based.sqlite").path))
    }

    @Test("environment variables are read and flags win over them")
    func precedence() throws {
        let configuration = try AppConfiguration.load(
            environment: ["BASED_PORT": "9000", "BASED_HOST": "0.0.0.0", "BASED_DATABASE_URL": "postgres://u:p@db:5433/based", "BASED_LOG_FORMAT": "json"],
            arguments: ["--port", "9100"]
        )
        #expect(configuration.port == 9100)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.logFormat == .json)
        #expect(try configuration.database == .postgres(url: "postgres://u:p@db:5433/based"))
        #expect(try configuration.database.displayName == "PostgreSQL at db:5433/based")
        #expect(configuration.eventReminderLead == .seconds(120 * 60))
        #expect(try AppConfiguration.load(environment: ["BASED_EVENT_REMINDER_MINUTES": "30"]).eventReminderLead == .seconds(30 * 60))
        #expect(configuration.databaseConnections == 16)
        #expect(try AppConfiguration.load(environment: ["BASED_DATABASE_CONNECTIONS": "40"]).databaseConnections == 40)
    }

    @Test("unknown and invalid settings stop start-up with one line naming them", arguments: [
        (["BASED_PROT": "80"], "unknown setting BASED_PROT"),
        (["BASED_PORT": "eighty"], "invalid BASED_PORT=eighty"),
        (["BASED_PORT": "70000"], "invalid BASED_PORT=70000"),
        (["BASED_LOG_LEVEL": "loud"], "invalid BASED_LOG_LEVEL=loud"),
        (["BASED_DATABASE_URL": "mysql://x"], "invalid BASED_DATABASE_URL=mysql://x"),
        (["BASED_JWT_SECRET": "short"], "invalid BASED_JWT_SECRET"),
        (["BASED_BCRYPT_COST": "40"], "invalid BASED_BCRYPT_COST=40"),
        (["BASED_EVENT_REMINDER_MINUTES": "0"], "invalid BASED_EVENT_REMINDER_MINUTES=0"),
        (["BASED_DATABASE_CONNECTIONS": "0"], "invalid BASED_DATABASE_CONNECTIONS=0"),
    ])
    func invalid(environment: [String: String], message: String) {
        do {
            _ = try AppConfiguration.load(environment: environment)
            Issue.record("\(environment) was accepted")
        } catch {
            let line = "\(error)"
            #expect(line.hasPrefix(message), "\(line)")
            #expect(!line.contains("\n"))
        }
    }

    @Test("a generated JWT secret is kept in the data directory and reused")
    func generatedSecret() async throws {
        let first = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: first.dataDirectory) }
        #expect(first.jwtSecret == nil)
        let token = try await withAppReturning({ $0 = first }) { client in try await client.register("ana").accessToken }
        let secretFile = first.dataDirectory.appendingPathComponent("secrets/jwt-secret")
        #expect(FileManager.default.fileExists(atPath: secretFile.path))
        let attributes = try FileManager.default.attributesOfItem(atPath: secretFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A second server on the same data directory accepts the first one's token.
        try await withApp({ $0 = first }) { client, _ in
            let status = try await client.request(.get, "/api/v1/me", token: token).status
            #expect(status == .ok)
        }
    }

    /// Two valid values per setting, neither the default's effect for both: the variable's, then the flag's.
    static let samples: [String: (variable: String, flag: String)] = [
        "BASED_HOST": ("0.0.0.0", "10.1.2.3"),
        "BASED_PORT": ("9000", "9100"),
        "BASED_DATA_DIR": ("/tmp/based-a", "/tmp/based-b"),
        "BASED_DATABASE_URL": ("sqlite:/tmp/a.sqlite", "postgres://u:p@db:5433/based"),
        "BASED_DATABASE_CONNECTIONS": ("40", "50"),
        "BASED_LOG_LEVEL": ("debug", "error"),
        "BASED_LOG_FORMAT": ("json", "text"),
        "BASED_EXECUTOR": ("pool", "event-loops"),
        "BASED_STREAM_FAST_PATH": ("off", "on"),
        "BASED_JWT_SECRET": (String(repeating: "a", count: 32), String(repeating: "b", count: 40)),
        "BASED_ACCESS_TOKEN_SECONDS": ("60", "120"),
        "BASED_REFRESH_TOKEN_DAYS": ("2", "3"),
        "BASED_BCRYPT_COST": ("4", "5"),
        "BASED_RATE_LIMIT": ("10", "20"),
        "BASED_AUTH_RATE_LIMIT": ("3", "4"),
        "BASED_MAX_UPLOAD_MB": ("10", "20"),
        "BASED_WORKERS": ("0", "3"),
        "BASED_JOB_LEASE_SECONDS": ("5", "6"),
        "BASED_TRANSCODE_CACHE_MB": ("10", "20"),
        "BASED_TRANSCODE_CONCURRENCY": ("2", "8"),
        "BASED_PUSH_URL": ("http://push-a.example/push", "https://push-b.example/push"),
        "BASED_PUSH_TOKEN": ("token-a", "token-b"),
        "BASED_REALTIME_QUEUE": ("16", "32"),
        "BASED_REALTIME_PING_SECONDS": ("5", "10"),
        "BASED_EVENT_REMINDER_MINUTES": ("30", "60"),
        "BASED_RECOMMENDATION_TRAINING_SECONDS": ("600", "7200"),
        "BASED_OTLP_ENDPOINT": ("http://127.0.0.1:4318", "http://collector.example:4318"),
        "BASED_WEB_DIR": ("/srv/web-a", "/srv/web-b"),
        "BASED_SECURE_COOKIES": ("true", "false"),
        "BASED_MODERATION_LANGUAGES": ("en,de", "fr"),
        "BASED_MESSAGE_FLOOD": ("0", "50"),
        "BASED_IDENTIFY_PER_MINUTE": ("0", "5"),
        "BASED_SHOW_ALERTS_PER_WEEK": ("0", "7"),
        "BASED_MAP_TILE_URL": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "http://127.0.0.1:8081/{z}/{x}/{y}.png"),
        "BASED_MAP_ATTRIBUTION": ("© OpenStreetMap contributors", "Local tiles"),
    ]

    @Test("every setting has sample values in this suite")
    func samplesCoverEverySetting() {
        #expect(Set(Self.samples.keys) == Set(AppConfiguration.settings.map(\.environmentName)))
    }

    @Test("every setting can be given as a flag, and the flag wins over its variable", arguments: AppConfiguration.settings.map(\.environmentName))
    func flagWins(name: String) throws {
        let setting = try #require(AppConfiguration.settings.first { $0.environmentName == name })
        let sample = try #require(Self.samples[name])
        let fromVariable = try AppConfiguration.load(environment: [name: sample.variable])
        let fromFlag = try AppConfiguration.load(environment: [:], arguments: [setting.flag, sample.flag])
        let both = try AppConfiguration.load(environment: [name: sample.variable], arguments: [setting.flag, sample.flag])
        #expect(fromFlag == (try AppConfiguration.load(environment: [name: sample.flag])))
        #expect(fromFlag != fromVariable)
        #expect(both == fromFlag)
        #expect(try AppConfiguration.load(environment: [:], arguments: ["\(setting.flag)=\(sample.flag)"]) == fromFlag)
    }

    @Test("bad flags stop start-up with one line naming them", arguments: [
        (["--port", "eighty"], "invalid --port=eighty: expected a port number 0–65535"),
        (["--port=70000"], "invalid --port=70000"),
        (["--prot", "80"], "unknown flag --prot"),
        (["--port"], "invalid --port=: expected a port number"),
        (["--port", "80", "--port", "81"], "--port is given more than once"),
        (["--port", "80", "81"], "unexpected argument 81"),
        (["--jwt-secret", String(repeating: "a,", count: 20)], "invalid --jwt-secret=(hidden): expected no comma"),
        (["--jwt-secret", "short"], "invalid --jwt-secret=(hidden)"),
        (["--otlp-endpoint", "collector:4318"], "invalid --otlp-endpoint=collector:4318: expected an http(s) URL"),
    ])
    func invalidFlags(arguments: [String], message: String) {
        do {
            _ = try AppConfiguration.load(environment: ["BASED_PORT": "9000"], arguments: arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            let line = "\(error)"
            #expect(line.hasPrefix(message), "\(line)")
            #expect(!line.contains("\n"))
        }
    }

    @Test("the table's defaults are the defaults the code uses")
    func tableDefaults() throws {
        var configuration = AppConfiguration()
        for setting in AppConfiguration.settings where !setting.defaultIsDescribed {
            configuration = try AppConfiguration.load(environment: [setting.environmentName: setting.defaultValue])
            #expect(configuration == AppConfiguration(), "\(setting.environmentName)=\(setting.defaultValue)")
        }
    }

    @Test("the README's configuration table lists every setting with its default")
    func readmeTable() throws {
        let readme = try String(contentsOf: RepositoryToolingTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        var rows: [String: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `BASED_") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            rows[cells[0]] = cells[1]
        }
        for setting in AppConfiguration.settings {
            #expect(rows[setting.environmentName] == setting.defaultValue, "\(setting.environmentName) in README.md")
        }
        #expect(Set(rows.keys) == Set(AppConfiguration.settings.map(\.environmentName)))
    }

    @Test("`based serve --help` lists every setting with its flag, variable and default")
    func serveHelp() async throws {
        try #require(FileManager.default.fileExists(atPath: ServerProcess.binary.path), "build the based executable first (swift build)")
        let result = try await Subprocess.run(ServerProcess.binary.path, ["serve", "--help"])
        let help = String(decoding: result.standardOutput, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for setting in AppConfiguration.settings {
            #expect(help.contains("\(setting.flag) <value>, \(setting.environmentName) (default: \(setting.defaultValue))"), "\(setting.flag)")
            #expect(help.contains(setting.help.split(whereSeparator: \.isWhitespace).joined(separator: " ")), "\(setting.flag)")
        }
    }

    @Test("the real binary takes a setting as a flag and names a bad one in one line")
    func binaryFlags() async throws {
        try #require(FileManager.default.fileExists(atPath: ServerProcess.binary.path), "build the based executable first (swift build)")
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = ["migrate", "--data-dir", "/nonexistent", "--port", "eighty"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BASED_") }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(String(decoding: output, as: UTF8.self) == "based: invalid --port=eighty: expected a port number 0–65535\n")
    }
}
