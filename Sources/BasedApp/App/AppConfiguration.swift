import Configuration
import Foundation
import Logging

/// Everything the server needs to start, read from `BASED_*` environment
/// variables and command-line flags (flags win). Invalid values stop start-up
/// with one line that names the setting.
public struct AppConfiguration: Sendable {
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = URL(fileURLWithPath: "data", isDirectory: true)
    /// `nil` means the SQLite file `based.sqlite` in the data directory.
    public var databaseURL: String?
    /// Most PostgreSQL connections one process opens for queries (the event bus
    /// LISTENs on one more); SQLite always uses four.
    public var databaseConnections = 16
    public var logLevel = Logger.Level.info
    public var logFormat = LogFormat.text
    /// The HMAC key for access tokens; generated into the data directory when absent.
    public var jwtSecret: String?
    public var accessTokenLifetime: Duration = .seconds(15 * 60)
    public var refreshTokenLifetime: Duration = .seconds(30 * 24 * 3600)
    public var bcryptCost: UInt8 = 12
    /// Requests per minute per client address, across the whole API.
    public var requestsPerMinute = 1200
    /// Sign-in and register attempts per minute per client address and per account.
    public var authAttemptsPerMinute = 10
    public var avatarMaxBytes = 8 * 1024 * 1024
    public var jsonBodyMaxBytes = 1024 * 1024
    /// Largest audio upload.
    public var maxUploadBytes = 300 * 1024 * 1024
    /// Job worker slots inside `based serve`; nil picks by database, 0 leaves jobs to `based worker`.
    public var workers: Int?
    /// Seed the demo library on start when the database is empty (`based serve --demo`).
    public var seedDemo = false
    /// How long a worker holds a job between renewals; a crashed worker's job runs again after this.
    public var jobLease: Duration = .seconds(60)
    /// Size cap of the cache of live transcodes.
    public var transcodeCacheBytes = 2 * 1024 * 1024 * 1024
    /// Most live transcodes (ffmpeg children) at once; past it a stream that needs one more gets 503 and Retry-After.
    public var transcodeConcurrency = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// The push gateway notifications go to when a user has no open socket; nil turns pushes off.
    public var pushURL: URL?
    /// A bearer token for the push gateway, if it wants one.
    public var pushToken: String?
    /// Frames a socket may have waiting before it is closed with 4001 (resume required).
    public var realtimeOutboundQueue = 1024
    /// How often sockets are pinged; one that misses a pong for a whole period is closed.
    public var realtimePing: Duration = .seconds(30)
    /// How long before an event starts the people who RSVP'd are reminded.
    public var eventReminderLead: Duration = .seconds(120 * 60)

    public init() {}

    /// One setting: its key (`based.port` ↔ `BASED_PORT` ↔ `--port`) and how it is applied.
    struct Setting: Sendable {
        let key: [String]
        let help: String
        let apply: @Sendable (inout AppConfiguration, String) throws -> Void

        var environmentName: String { key.map { $0.uppercased() }.joined(separator: "_") }
        var flag: String { "--" + key.dropFirst().joined(separator: "-") }
    }

    /// All settings, in the order the README's table lists them.
    static let settings: [Setting] = [
        Setting(key: ["based", "host"], help: "address to listen on") { $0.host = $1 },
        Setting(key: ["based", "port"], help: "TCP port, 0 for any free port") { config, value in
            guard let port = Int(value), (0...65535).contains(port) else { throw ConfigurationError.invalid("BASED_PORT", value, "a port number 0–65535") }
            config.port = port
        },
        Setting(key: ["based", "data", "dir"], help: "data directory (database, media, secrets)") { config, value in
            guard !value.isEmpty else { throw ConfigurationError.invalid("BASED_DATA_DIR", value, "a directory path") }
            config.dataDirectory = URL(fileURLWithPath: value, isDirectory: true)
        },
        Setting(key: ["based", "database", "url"], help: "sqlite:PATH or postgres://user:pass@host:port/db") { config, value in
            guard value.hasPrefix("sqlite:") || value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                throw ConfigurationError.invalid("BASED_DATABASE_URL", value, "sqlite:PATH or postgres://…")
            }
            config.databaseURL = value
        },
        Setting(key: ["based", "database", "connections"], help: "most PostgreSQL connections a process opens for queries") { config, value in
            guard let connections = Int(value), (1...500).contains(connections) else {
                throw ConfigurationError.invalid("BASED_DATABASE_CONNECTIONS", value, "a number of connections between 1 and 500")
            }
            config.databaseConnections = connections
        },
        Setting(key: ["based", "log", "level"], help: "trace, debug, info, notice, warning, error, critical") { config, value in
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw ConfigurationError.invalid("BASED_LOG_LEVEL", value, "one of trace, debug, info, notice, warning, error, critical")
            }
            config.logLevel = level
        },
        Setting(key: ["based", "log", "format"], help: "text or json (JSON lines)") { config, value in
            guard let format = LogFormat(rawValue: value.lowercased()) else { throw ConfigurationError.invalid("BASED_LOG_FORMAT", value, "text or json") }
            config.logFormat = format
        },
        Setting(key: ["based", "jwt", "secret"], help: "HMAC secret for access tokens (32+ bytes); generated when absent") { config, value in
            guard value.utf8.count >= 32 else { throw ConfigurationError.invalid("BASED_JWT_SECRET", "(hidden)", "at least 32 bytes") }
            config.jwtSecret = value
        },
        Setting(key: ["based", "access", "token", "seconds"], help: "access token lifetime in seconds") { config, value in
            guard let seconds = Int(value), (30...86_400).contains(seconds) else {
                throw ConfigurationError.invalid("BASED_ACCESS_TOKEN_SECONDS", value, "seconds between 30 and 86400")
            }
            config.accessTokenLifetime = .seconds(seconds)
        },
        Setting(key: ["based", "refresh", "token", "days"], help: "refresh token lifetime in days") { config, value in
            guard let days = Int(value), (1...365).contains(days) else { throw ConfigurationError.invalid("BASED_REFRESH_TOKEN_DAYS", value, "days between 1 and 365") }
            config.refreshTokenLifetime = .seconds(days * 86_400)
        },
        Setting(key: ["based", "bcrypt", "cost"], help: "bcrypt cost factor, 4–16") { config, value in
            guard let cost = UInt8(value), (4...16).contains(cost) else { throw ConfigurationError.invalid("BASED_BCRYPT_COST", value, "an integer 4–16") }
            config.bcryptCost = cost
        },
        Setting(key: ["based", "rate", "limit"], help: "API requests per minute per client address") { config, value in
            guard let limit = Int(value), limit > 0 else { throw ConfigurationError.invalid("BASED_RATE_LIMIT", value, "a positive integer") }
            config.requestsPerMinute = limit
        },
        Setting(key: ["based", "auth", "rate", "limit"], help: "sign-in/register attempts per minute per address and per account") { config, value in
            guard let limit = Int(value), limit > 0 else { throw ConfigurationError.invalid("BASED_AUTH_RATE_LIMIT", value, "a positive integer") }
            config.authAttemptsPerMinute = limit
        },
        Setting(key: ["based", "max", "upload", "mb"], help: "largest audio upload in MB") { config, value in
            guard let megabytes = Int(value), (1...4096).contains(megabytes) else {
                throw ConfigurationError.invalid("BASED_MAX_UPLOAD_MB", value, "megabytes between 1 and 4096")
            }
            config.maxUploadBytes = megabytes * 1024 * 1024
        },
        Setting(key: ["based", "workers"], help: "job workers inside `based serve` (0: only `based worker` runs jobs)") { config, value in
            guard let workers = Int(value), (0...64).contains(workers) else {
                throw ConfigurationError.invalid("BASED_WORKERS", value, "an integer 0–64")
            }
            config.workers = workers
        },
        Setting(key: ["based", "transcode", "cache", "mb"], help: "size cap of the live transcode cache in MB") { config, value in
            guard let megabytes = Int(value), (1...1_000_000).contains(megabytes) else {
                throw ConfigurationError.invalid("BASED_TRANSCODE_CACHE_MB", value, "megabytes between 1 and 1000000")
            }
            config.transcodeCacheBytes = megabytes * 1024 * 1024
        },
        Setting(key: ["based", "transcode", "concurrency"], help: "most live transcodes (ffmpeg children) at once; more get 503") { config, value in
            guard let children = Int(value), (1...64).contains(children) else {
                throw ConfigurationError.invalid("BASED_TRANSCODE_CONCURRENCY", value, "an integer 1–64")
            }
            config.transcodeConcurrency = children
        },
        Setting(key: ["based", "job", "lease", "seconds"], help: "job lease; a crashed worker's job is retried after it") { config, value in
            guard let seconds = Int(value), (2...3600).contains(seconds) else {
                throw ConfigurationError.invalid("BASED_JOB_LEASE_SECONDS", value, "seconds between 2 and 3600")
            }
            config.jobLease = .seconds(seconds)
        },
        Setting(key: ["based", "push", "url"], help: "push gateway URL (Expo-style JSON); unset: no pushes") { config, value in
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError.invalid("BASED_PUSH_URL", value, "an http(s) URL")
            }
            config.pushURL = url
        },
        Setting(key: ["based", "push", "token"], help: "bearer token sent to the push gateway") { config, value in
            config.pushToken = value.isEmpty ? nil : value
        },
        Setting(key: ["based", "realtime", "queue"], help: "frames a socket may have waiting before it must resume (close 4001)") { config, value in
            guard let frames = Int(value), (8...1_000_000).contains(frames) else {
                throw ConfigurationError.invalid("BASED_REALTIME_QUEUE", value, "frames between 8 and 1000000")
            }
            config.realtimeOutboundQueue = frames
        },
        Setting(key: ["based", "realtime", "ping", "seconds"], help: "socket ping period; a socket silent for two is closed") { config, value in
            guard let seconds = Int(value), (1...3600).contains(seconds) else {
                throw ConfigurationError.invalid("BASED_REALTIME_PING_SECONDS", value, "seconds between 1 and 3600")
            }
            config.realtimePing = .seconds(seconds)
        },
        Setting(key: ["based", "event", "reminder", "minutes"], help: "minutes before an event starts that its RSVPs are reminded") { config, value in
            guard let minutes = Int(value), (1...10_080).contains(minutes) else {
                throw ConfigurationError.invalid("BASED_EVENT_REMINDER_MINUTES", value, "minutes between 1 and 10080")
            }
            config.eventReminderLead = .seconds(minutes * 60)
        },
    ]

    /// Reads the configuration from the environment and flags.
    ///
    /// - Parameters:
    ///   - environment: the process environment; any `BASED_*` variable that is not a known setting is an error.
    ///   - flags: values from the command line, keyed by setting (`["based", "port"]`), which override the environment.
    public static func load(environment: [String: String], flags: [[String]: String] = [:]) throws -> AppConfiguration {
        // BASED_NEW_PASSWORD is read by `based user create`, not the server.
        let known = Set(settings.map(\.environmentName)).union(["BASED_NEW_PASSWORD"])
        if let unknown = environment.keys.filter({ $0.hasPrefix("BASED_") && !known.contains($0) }).sorted().first {
            throw ConfigurationError.unknown(unknown)
        }
        let flagValues = Dictionary(uniqueKeysWithValues: flags.map { (AbsoluteConfigKey($0.key), ConfigValue(.string($0.value), isSecret: false)) })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flagValues),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(["BASED_JWT_SECRET"])),
        ])
        var configuration = AppConfiguration()
        for setting in settings {
            if let value = reader.string(forKey: ConfigKey(setting.key)) {
                try setting.apply(&configuration, value.trimmingCharacters(in: .whitespaces))
            }
        }
        return configuration
    }

    /// The database to use: the URL given, or the SQLite file in the data directory.
    public var database: DatabaseLocation {
        get throws(ConfigurationError) {
            guard let url = databaseURL else {
                return .sqlite(path: dataDirectory.appendingPathComponent("based.sqlite").path)
            }
            if url.hasPrefix("sqlite:") {
                let path = String(url.dropFirst("sqlite:".count))
                guard !path.isEmpty else { throw ConfigurationError.invalid("BASED_DATABASE_URL", url, "sqlite:PATH with a path") }
                return .sqlite(path: path)
            }
            guard let components = URLComponents(string: url), components.host?.isEmpty == false else {
                throw ConfigurationError.invalid("BASED_DATABASE_URL", "(hidden)", "postgres://user:pass@host:port/db")
            }
            return .postgres(url: url)
        }
    }
}

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// How start-up describes it, without credentials.
    public var displayName: String {
        switch self {
        case .sqlite(let path): return "SQLite at \(path)"
        case .postgres(let url):
            let components = URLComponents(string: url)
            let host = components?.host ?? "?"
            let port = components?.port.map { ":\($0)" } ?? ""
            return "PostgreSQL at \(host)\(port)\(components?.path ?? "")"
        }
    }
}

/// A setting that stops start-up; its description is the one line shown.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case invalid(String, String, String)

    public var description: String {
        switch self {
        case .unknown(let name):
            let names = AppConfiguration.settings.map(\.environmentName).joined(separator: ", ")
            return "unknown setting \(name); known settings are \(names)"
        case .invalid(let name, let value, let expected):
            return "invalid \(name)=\(value): expected \(expected)"
        }
    }
}
