import Configuration
import Foundation
import Logging

/// Everything the server needs to start, read from `BASED_*` environment
/// variables and command-line flags (flags win). Invalid values stop start-up
/// with one line that names the setting. The settings, their defaults, ranges
/// and help are one table, `AppConfiguration.settings` (Settings.swift).
public struct AppConfiguration: Sendable, Equatable {
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }
    /// Where Swift concurrency runs: NIO's event loops, or Swift's default pool.
    /// Chosen once at process start, before any task runs (see `Entry` in the `based` target).
    public enum Executor: String, Sendable, CaseIterable { case eventLoops = "event-loops", pool }
    public enum Switch: String, Sendable, CaseIterable { case on, off }

    public var host = "127.0.0.1"
    public var executor = Executor.eventLoops
    /// Whether signed-link range requests for ready renditions are answered on the
    /// event loop in front of the router (`StreamFastPath`); off with tracing.
    public var streamFastPath = Switch.on
    public var port = 8080
    public var dataDirectory = URL(fileURLWithPath: "data", isDirectory: true).standardizedFileURL
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
    /// How long a refresh token, once used, may be used again without ending
    /// its session: a refresh whose answer never arrived (the page was left or
    /// reloaded mid-request, a phone lost the network) is retried with the same
    /// token. Past it, a second use is taken for a stolen token.
    public var refreshReuseGrace: Duration = .seconds(20)
    public var bcryptCost: UInt8 = 12
    /// Requests per minute per client address, across the whole API.
    public var requestsPerMinute = 1200
    /// Sign-in and register attempts per minute per client address and per account.
    public var authAttemptsPerMinute = 10
    public var avatarMaxBytes = 8 * 1024 * 1024
    public var jsonBodyMaxBytes = 1024 * 1024
    /// How long a stream's open file and a ready track's facts are trusted
    /// before they are checked again (`OpenFiles`, `ReadyTracks`); not a
    /// setting: tests lengthen them so that what is cached does not depend on
    /// how fast a loaded machine runs.
    var openFileValidity: Duration = .seconds(2)
    var readyTrackValidity: Duration = .seconds(60)
    /// How often one user's typing indicator is forwarded per conversation;
    /// not a setting: the socket test lengthens it so that "the second one is
    /// held back" does not depend on how fast a loaded machine answers.
    var typingInterval: Duration = .seconds(2)
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
    /// Most live transcodes (ffmpeg children) at once; past it a stream answers 503 with Retry-After.
    public var transcodeConcurrency = 4
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
    /// How often each process trains the collaborative recommendation model again.
    public var recommendationTraining: Duration = .seconds(3_600)
    /// The languages whose word lists the text filter uses.
    public var moderationLanguages = ["en"]
    /// Messages one sender may send in 10 seconds before 429 `message_flood`; 0: no limit.
    public var messageFlood = 30
    /// Clips one listener may identify per minute (`POST /identify`) before 429; 0: no limit.
    public var identifyPerMinute = 20
    /// The window `messageFlood` counts in (10 s; tests widen it so a slow machine cannot slip past the limit).
    public var messageFloodWindow: Duration = .seconds(10)
    /// The OpenTelemetry collector (OTLP/HTTP) spans are exported to; nil turns tracing off.
    public var otlpEndpoint: URL?
    /// The web app's folder; nil looks for `Public` in the working directory, then beside the executable's checkout.
    public var webDirectory: URL?
    /// Session cookies carry `Secure` even when a request came over plain HTTP.
    public var secureCookies = false
    /// At most this many show alerts (`show_nearby`) per person in any 7 days; 0 turns them off.
    public var showAlertsPerWeek = 3
    /// The web app's map tiles: a template with {z}, {x} and {y}; nil draws pins only.
    public var mapTileURL: String?
    /// The credit the tiles' licence asks for, shown under the map.
    public var mapAttribution: String?

    public init() {}

    /// Reads the configuration from the environment and the command line.
    ///
    /// Both go through one swift-configuration `ConfigReader`: the flags first
    /// (`CommandLineArgumentsProvider`), then `BASED_*` variables
    /// (`EnvironmentVariablesProvider`), so a flag wins over its variable.
    ///
    /// - Parameters:
    ///   - environment: the process environment; any `BASED_*` variable that is not a known setting is an error.
    ///   - arguments: setting flags from the command line (`["--port", "9000", "--data-dir=/srv/based"]`);
    ///     an unknown flag, or a flag without exactly one value, is an error.
    public static func load(environment: [String: String], arguments: [String] = []) throws(ConfigurationError) -> AppConfiguration {
        // BASED_NEW_PASSWORD is read by `based user create`, not the server.
        let known = Set(settings.map(\.environmentName)).union(["BASED_NEW_PASSWORD"])
        if let unknown = environment.keys.filter({ $0.hasPrefix("BASED_") && !known.contains($0) }).sorted().first {
            throw .unknown(unknown)
        }
        let flags = try checkFlags(arguments)
        let secretFlags = Set(settings.filter(\.isSecret).map(\.flag))
        let secretVariables = Set(settings.filter(\.isSecret).map(\.environmentName))
        let reader = ConfigReader(providers: [
            // The provider skips its first argument, the program's name.
            CommandLineArgumentsProvider(arguments: ["based"] + arguments, secretsSpecifier: .dynamic { key, _ in secretFlags.contains(key) }),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secretVariables)).prefixKeys(with: "based"),
        ])
        var configuration = AppConfiguration()
        for setting in settings {
            guard let value = reader.string(forKey: ConfigKey([setting.key]), isSecret: setting.isSecret) else { continue }
            guard setting.apply(&configuration, value.trimmingCharacters(in: .whitespaces)) else {
                let name = flags.contains(setting.flag) ? setting.flag : setting.environmentName
                throw .invalid(name, setting.isSecret ? "(hidden)" : value, setting.expected)
            }
        }
        return configuration
    }

    /// The flags given, once each and each with one value; anything else stops start-up.
    static func checkFlags(_ arguments: [String]) throws(ConfigurationError) -> Set<String> {
        var seen = Set<String>()
        var waiting: Setting?
        func check(_ setting: Setting, _ value: String) throws(ConfigurationError) {
            // The command-line provider splits values at commas; such a value must come from the environment.
            guard !value.contains(",") else {
                throw .invalid(setting.flag, setting.isSecret ? "(hidden)" : value, "no comma on the command line (give it as \(setting.environmentName))")
            }
        }
        for argument in arguments {
            if argument.hasPrefix("--") {
                if let setting = waiting { throw .invalid(setting.flag, "", setting.expected) }
                let flag = String(argument.prefix { $0 != "=" })
                guard let setting = settings.first(where: { $0.flag == flag }) else { throw .unknownFlag(flag) }
                guard seen.insert(flag).inserted else { throw .repeatedFlag(flag) }
                if argument.count > flag.count {
                    try check(setting, String(argument.dropFirst(flag.count + 1)))
                } else {
                    waiting = setting
                }
            } else if let setting = waiting {
                try check(setting, argument)
                waiting = nil
            } else {
                throw .unexpectedArgument(argument)
            }
        }
        if let setting = waiting { throw .invalid(setting.flag, "", setting.expected) }
        return seen
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
    /// A `BASED_*` variable that names no setting.
    case unknown(String)
    /// A flag that names no setting.
    case unknownFlag(String)
    case repeatedFlag(String)
    /// A word on the command line that belongs to no flag.
    case unexpectedArgument(String)
    /// The setting (variable or flag), the value given, and what was expected.
    case invalid(String, String, String)

    public var description: String {
        switch self {
        case .unknown(let name):
            let names = AppConfiguration.settings.map(\.environmentName).joined(separator: ", ")
            return "unknown setting \(name); known settings are \(names)"
        case .unknownFlag(let flag):
            return "unknown flag \(flag); see --help for the settings"
        case .repeatedFlag(let flag):
            return "\(flag) is given more than once"
        case .unexpectedArgument(let argument):
            return "unexpected argument \(argument); settings are given as --name value"
        case .invalid(let name, let value, let expected):
            return "invalid \(name)=\(value): expected \(expected)"
        }
    }
}
