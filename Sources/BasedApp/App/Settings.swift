import BasedModeration
import Foundation
import Logging

extension AppConfiguration {
    /// One setting: its key (`dataDir` ↔ `BASED_DATA_DIR` ↔ `--data-dir`), its
    /// default as people see it, what it means, what it accepts, and how a value is applied.
    public struct Setting: Sendable {
        /// The swift-configuration key, in camelCase; the providers derive the variable and the flag from it.
        public let key: String
        /// The default as `--help` and the README show it: a value, or what happens when it is unset.
        public let defaultValue: String
        /// True when `defaultValue` says what happens when the setting is unset rather than being a value.
        public let defaultIsDescribed: Bool
        public let help: String
        /// What a valid value is, for the one-line error.
        public let expected: String
        /// Never echoed back: errors show `(hidden)`.
        public let isSecret: Bool
        /// Applies a value; false when the value is invalid.
        let apply: @Sendable (inout AppConfiguration, String) -> Bool

        /// `BASED_DATA_DIR`, as `EnvironmentVariablesProvider` encodes `based.dataDir`.
        public var environmentName: String { "BASED_" + Self.words(of: key).joined(separator: "_").uppercased() }
        /// `--data-dir`, as `CommandLineArgumentsProvider` encodes `dataDir`.
        public var flag: String { "--" + Self.words(of: key).joined(separator: "-").lowercased() }

        /// camelCase split where a lower-case letter meets an upper-case one, as both providers do.
        static func words(of key: String) -> [String] {
            var words = [""]
            var previous: Character?
            for character in key {
                if let previous, previous.isLowercase, character.isUppercase { words.append("") }
                words[words.count - 1].append(character)
                previous = character
            }
            return words
        }

        /// A whole number in `range`; `noun` names it in errors ("seconds 30–86400").
        static func integer(
            _ key: String, _ range: ClosedRange<Int>, default defaultValue: Int? = nil, unset: String? = nil, _ noun: String, help: String,
            _ set: @escaping @Sendable (inout AppConfiguration, Int) -> Void
        ) -> Setting {
            let expected = range.upperBound == Int.max ? "\(noun), \(range.lowerBound) or more" : "\(noun) \(range.lowerBound)–\(range.upperBound)"
            return Setting(
                key: key, defaultValue: defaultValue.map(String.init) ?? unset ?? "unset", defaultIsDescribed: defaultValue == nil,
                help: help, expected: expected, isSecret: false
            ) { configuration, text in
                guard let value = Int(text), range.contains(value) else { return false }
                set(&configuration, value)
                return true
            }
        }

        /// One of the cases of `Choice`, case-insensitively.
        static func choice<Choice: RawRepresentable<String> & CaseIterable & Sendable>(
            _ key: String, _ type: Choice.Type, default defaultValue: String, help: String,
            _ set: @escaping @Sendable (inout AppConfiguration, Choice) -> Void
        ) -> Setting {
            let names = Choice.allCases.map(\.rawValue)
            let expected = "one of " + names.joined(separator: ", ")
            return Setting(key: key, defaultValue: defaultValue, defaultIsDescribed: false, help: help, expected: expected, isSecret: false) { configuration, text in
                guard let value = Choice(rawValue: text.lowercased()) else { return false }
                set(&configuration, value)
                return true
            }
        }

        /// Text that `parse` checks and applies.
        static func text(
            _ key: String, default defaultValue: String? = nil, unset: String? = nil, help: String, expected: String, secret: Bool = false,
            _ parse: @escaping @Sendable (inout AppConfiguration, String) -> Bool
        ) -> Setting {
            Setting(
                key: key, defaultValue: defaultValue ?? unset ?? "unset", defaultIsDescribed: defaultValue == nil,
                help: help, expected: expected, isSecret: secret, apply: parse
            )
        }

        /// An http(s) URL with a host.
        static func httpURL(_ key: String, help: String, _ set: @escaping @Sendable (inout AppConfiguration, URL) -> Void) -> Setting {
            text(key, help: help, expected: "an http(s) URL") { configuration, text in
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else { return false }
                set(&configuration, url)
                return true
            }
        }
    }

    /// Every setting, in the order the README's table lists them: the one
    /// definition that `load`, `based serve --help` and the README check read.
    public static let settings: [Setting] = [
        .text("host", default: "127.0.0.1", help: "address to listen on", expected: "an address") { $0.host = $1; return true },
        .integer("port", 0...65535, default: 8080, "a port number", help: "TCP port (0 picks a free one)") { $0.port = $1 },
        .text("dataDir", default: "./data", help: "database file, media, avatars, generated secrets", expected: "a directory path") { configuration, path in
            guard !path.isEmpty else { return false }
            configuration.dataDirectory = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
            return true
        },
        .text("databaseURL", unset: "sqlite:<data dir>/based.sqlite", help: "sqlite:PATH or postgres://user:pass@host:port/db", expected: "sqlite:PATH or postgres://…") { configuration, url in
            guard ["sqlite:", "postgres://", "postgresql://"].contains(where: url.hasPrefix) else { return false }
            configuration.databaseURL = url
            return true
        },
        .integer("databaseConnections", 1...500, default: 16, "connections", help: "most PostgreSQL connections one process opens for queries (the bus LISTENs on one more)") {
            $0.databaseConnections = $1
        },
        .choice("logLevel", Logger.Level.self, default: "info", help: "trace, debug, info, notice, warning, error, critical") { $0.logLevel = $1 },
        .choice("logFormat", LogFormat.self, default: "text", help: "text, or json for one JSON object per line") { $0.logFormat = $1 },
        .choice("executor", Executor.self, default: "event-loops", help: "event-loops: tasks run on NIO's event loops, as requests do (fewer thread hops); pool: Swift's default pool") {
            $0.executor = $1
        },
        .choice("streamFastPath", Switch.self, default: "on", help: "on: ready renditions through signed links are answered on the event loop, before the router (off while tracing)") {
            $0.streamFastPath = $1
        },
        .text("jwtSecret", unset: "generated into <data dir>/secrets/jwt-secret", help: "HMAC key for access tokens, 32 bytes or more", expected: "at least 32 bytes", secret: true) {
            guard $1.utf8.count >= 32 else { return false }
            $0.jwtSecret = $1
            return true
        },
        .integer("accessTokenSeconds", 30...86_400, default: 900, "seconds", help: "access token lifetime") { $0.accessTokenLifetime = .seconds($1) },
        .integer("refreshTokenDays", 1...365, default: 30, "days", help: "refresh token lifetime") { $0.refreshTokenLifetime = .seconds($1 * 86_400) },
        .integer("bcryptCost", 4...16, default: 12, "a cost factor", help: "bcrypt cost factor") { $0.bcryptCost = UInt8($1) },
        .integer("rateLimit", 1...Int.max, default: 1200, "requests a minute", help: "API requests per minute per client address") { $0.requestsPerMinute = $1 },
        .integer("authRateLimit", 1...Int.max, default: 10, "attempts a minute", help: "sign-in/register attempts per minute per address and per account") {
            $0.authAttemptsPerMinute = $1
        },
        .integer("maxUploadMB", 1...4096, default: 300, "megabytes", help: "largest audio upload") { $0.maxUploadBytes = $1 * 1024 * 1024 },
        .integer("workers", 0...64, unset: "1 on SQLite, 2 on PostgreSQL", "workers", help: "job workers inside `based serve`; 0 leaves jobs to `based worker`") { $0.workers = $1 },
        .integer("jobLeaseSeconds", 2...3600, default: 60, "seconds", help: "how long a worker holds a job between renewals; a crashed worker's job runs again after it") {
            $0.jobLease = .seconds($1)
        },
        .integer("transcodeCacheMB", 1...1_000_000, default: 2048, "megabytes", help: "size cap of the live-transcode cache (least recently used files go first)") {
            $0.transcodeCacheBytes = $1 * 1024 * 1024
        },
        .integer("transcodeConcurrency", 1...64, default: 4, "transcodes", help: "most live transcodes (ffmpeg children) at once; past it a stream answers 503 with Retry-After") {
            $0.transcodeConcurrency = $1
        },
        .httpURL("pushURL", help: "push gateway for notifications to users with no open socket (Expo-style JSON array); unset: no pushes") { $0.pushURL = $1 },
        .text("pushToken", help: "bearer token sent to the push gateway", expected: "a token", secret: true) { $0.pushToken = $1.isEmpty ? nil : $1; return true },
        .integer("realtimeQueue", 8...1_000_000, default: 1024, "frames", help: "frames a socket may have waiting; past it the socket is closed with 4001 and the client resumes") {
            $0.realtimeOutboundQueue = $1
        },
        .integer("realtimePingSeconds", 1...3600, default: 30, "seconds", help: "socket ping period; a socket that misses a pong for a period is closed") { $0.realtimePing = .seconds($1) },
        .integer("eventReminderMinutes", 1...10_080, default: 120, "minutes", help: "how long before an event starts the people who RSVP'd are reminded") {
            $0.eventReminderLead = .seconds($1 * 60)
        },
        .integer("recommendationTrainingSeconds", 1...604_800, default: 3600, "seconds", help: "how often each process trains the collaborative recommendation model again") {
            $0.recommendationTraining = .seconds($1)
        },
        .text("moderationLanguages", default: "en", help: "word lists the text filter uses, comma-separated ISO 639-1 codes (cs da de en es fi fr hu it nl no pl pt ru sv tr); <data dir>/moderation/*.txt adds to them", expected: "codes such as en,de,fr") { configuration, text in
            let codes = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            guard !codes.isEmpty, codes.allSatisfy(WordLists.languages.contains) else { return false }
            configuration.moderationLanguages = codes
            return true
        },
        .integer("messageFlood", 0...100_000, default: 30, "messages", help: "messages one sender may send in 10 seconds before 429 message_flood; 0: no limit") {
            $0.messageFlood = $1
        },
        .integer("identifyPerMinute", 0...10_000, default: 20, "clips", help: "clips one listener may identify per minute (POST /identify) before 429; 0: no limit") {
            $0.identifyPerMinute = $1
        },
        .integer("showAlertsPerWeek", 0...100, default: 3, "alerts", help: "show alerts (a show near you with an artist you follow or often hear) one person gets in any 7 days at most; 0: none") {
            $0.showAlertsPerWeek = $1
        },
        .text("mapTileURL", help: "map tiles for the web app, an http(s) template with {z}, {x} and {y} (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png); unset: the map draws pins only", expected: "an http(s) URL with {z}, {x} and {y}") { configuration, text in
            guard ["{z}", "{x}", "{y}"].allSatisfy(text.contains), let url = URL(string: text.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
                  url.scheme == "https" || url.scheme == "http", url.host != nil else { return false }
            configuration.mapTileURL = text
            return true
        },
        .text("mapAttribution", help: "the credit the map tiles' licence asks for, shown under the map", expected: "text") { configuration, text in
            configuration.mapAttribution = text.isEmpty ? nil : text
            return true
        },
        .httpURL("otlpEndpoint", help: "OpenTelemetry collector (OTLP/HTTP, e.g. http://127.0.0.1:4318) for request, job and ffmpeg spans; unset: no tracing") {
            $0.otlpEndpoint = $1
        },
        .text("webDir", unset: "Public in the working directory, else beside the executable's checkout", help: "the web app's folder (index.html, ES modules, CSS), served at /; none found: no web app", expected: "a directory path") { configuration, path in
            guard !path.isEmpty else { return false }
            configuration.webDirectory = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
            return true
        },
        .text("secureCookies", default: "false", help: "mark the web app's session cookies Secure even on plain HTTP (they are whenever the request came over TLS)", expected: "true or false") { configuration, text in
            guard let value = Bool(text.lowercased()) else { return false }
            configuration.secureCookies = value
            return true
        },
    ]

    /// The settings for `--help`: flag, variable, default and meaning of each,
    /// wrapped to 80 columns here so the help printer keeps the indentation.
    public static var settingsHelp: String {
        var lines = ["SETTINGS (each a flag or a BASED_* environment variable; a flag wins):"]
        for setting in settings {
            lines.append("  \(setting.flag) <value>, \(setting.environmentName)")
            var line = "       "
            for word in "(default: \(setting.defaultValue)) \(setting.help)".split(separator: " ") {
                if line.count + 1 + word.count > 79 {
                    lines.append(line)
                    line = "       "
                }
                line += " " + word
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
