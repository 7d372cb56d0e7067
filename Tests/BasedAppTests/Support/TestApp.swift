import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OpenAPIRuntime
import SQLKit
import Synchronization
import Testing

/// Which database the suite runs on: SQLite unless `BASED_TEST_DATABASE=postgres`
/// (with `BASED_TEST_POSTGRES_URL`), as `scripts/test.sh` sets for its second pass.
enum TestDatabase {
    static var isPostgres: Bool { ProcessInfo.processInfo.environment["BASED_TEST_DATABASE"] == "postgres" }

    /// A database of its own for one test: a temporary SQLite file, or a fresh PostgreSQL schema.
    static func location(dataDirectory: URL) async throws -> DatabaseLocation {
        guard isPostgres else {
            return .sqlite(path: dataDirectory.appendingPathComponent("test.sqlite").path)
        }
        guard let url = ProcessInfo.processInfo.environment["BASED_TEST_POSTGRES_URL"] else {
            Issue.record("BASED_TEST_DATABASE=postgres needs BASED_TEST_POSTGRES_URL")
            throw CancellationError()
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await Database.withOpen(.postgres(url: url), connections: 1, logger: Logger(label: "test")) { admin in
            try await admin.sql.raw("CREATE SCHEMA \(unsafeRaw: schema)").run()
        }
        let separator = url.contains("?") ? "&" : "?"
        return .postgres(url: "\(url)\(separator)schema=\(schema)")
    }
}

/// A configuration for tests: its own data directory and database, cheap
/// bcrypt, and rate limits high enough not to get in the way.
func testConfiguration(_ adjust: (inout AppConfiguration) -> Void = { _ in }) async throws -> AppConfiguration {
    var configuration = AppConfiguration()
    configuration.dataDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("based-test-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
    switch try await TestDatabase.location(dataDirectory: configuration.dataDirectory) {
    case .sqlite(let path): configuration.databaseURL = "sqlite:\(path)"
    case .postgres(let url): configuration.databaseURL = url
    }
    configuration.bcryptCost = 4
    configuration.requestsPerMinute = 100_000
    configuration.authAttemptsPerMinute = 100_000
    // Tests send bursts of messages; the flood limit has tests of its own.
    configuration.messageFlood = 0
    configuration.port = 0
    adjust(&configuration)
    return configuration
}

/// Runs `body` against a freshly built application driven through its real router.
///
/// Each call is a whole application with its own database pool. Suites that
/// state one rule per test are `.serialized`, so the applications alive at
/// once (and their PostgreSQL connections) do not grow with the number of rules.
func withApp(
    _ adjust: (inout AppConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol, AppServices) async throws -> Void
) async throws {
    try await withTestApp(.router, adjust, body)
}

/// Applications started so far in this process, to tell their logs apart.
private let testApps = Atomic(0)

/// A fresh application for the length of `body`, driven by Hummingbird's test
/// framework `setup` (`.router`: its router in-process; `.live`: a real port).
/// Its logs are labelled with the test's name; `BASED_TEST_APP_DEBUG=1` logs
/// each of its services starting and ending. A test whose application does
/// not finish says so each minute, and in which phase, instead of hanging silently.
func withTestApp(
    _ setup: TestingSetup,
    _ adjust: (inout AppConfiguration) -> Void,
    _ body: @escaping @Sendable (any TestClientProtocol, AppServices) async throws -> Void
) async throws {
    // A test inside another's application (a second process) does not wait for a slot of its own.
    if TestAppSlots.holding {
        return try await runTestApp(setup, adjust, body)
    }
    try await TestAppSlots.shared.withPlace {
        try await TestAppSlots.$holding.withValue(true) { try await runTestApp(setup, adjust, body) }
    }
}

/// How many test applications run at once. Swift Testing starts every test
/// that is not in a `.serialized` suite at the same time; hundreds of
/// applications (each with its pool, workers and sockets) on two cores made
/// single requests wait past the test client's fixed 20-second read timeout.
/// `BASED_TEST_APPS` overrides the default of four per core.
enum TestAppSlots {
    static let shared = FairGate(
        limit: ProcessInfo.processInfo.environment["BASED_TEST_APPS"].flatMap(Int.init) ?? max(4, 4 * ProcessInfo.processInfo.activeProcessorCount)
    )
    @TaskLocal static var holding = false
}

private func runTestApp(
    _ setup: TestingSetup,
    _ adjust: (inout AppConfiguration) -> Void,
    _ body: @escaping @Sendable (any TestClientProtocol, AppServices) async throws -> Void
) async throws {
    var configuration = try await testConfiguration()
    // Only the directory made here is removed; `adjust` may point at a test's own.
    let created = configuration.dataDirectory
    defer { try? FileManager.default.removeItem(at: created) }
    adjust(&configuration)
    let name = Test.current?.displayName ?? "?"
    var logger = Logger(label: "app[\(name) #\(testApps.add(1, ordering: .relaxed).newValue)]")
    if ProcessInfo.processInfo.environment["BASED_TEST_APP_DEBUG"] != nil { logger.logLevel = .debug }
    let services = try await AppServices.start(configuration, logger: logger)
    let app = try buildApplication(services: services, logger: logger)
    let phase = Mutex("starting")
    let watchdog = Task {
        var waited = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            waited += 60
            if !Task.isCancelled { print("withTestApp: \"\(name)\" still \(phase.withLock { $0 }) after \(waited) s") }
        }
    }
    defer { watchdog.cancel() }
    // The body's error is carried out of the test framework rather than thrown
    // through it: thrown, it would cancel the application's service group
    // instead of shutting it down in order, and a job worker claiming a job as
    // the PostgreSQL client stops can then wait for a connection forever.
    let outcome: Result<Void, any Error> = try await app.test(setup) { client in
        phase.withLock { $0 = "running its body" }
        defer { phase.withLock { $0 = "stopping its services" } }
        do {
            return .success(try await body(client, services))
        } catch {
            return .failure(error)
        }
    }
    try outcome.get()
}

// MARK: Requests

/// Decodes responses as the server encodes them: swift-openapi-runtime's
/// `Configuration` writes `date-time` values with its ISO 8601 transcoder, and
/// the generated types decode dates through the decoder's strategy.
let jsonDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    let transcoder = OpenAPIRuntime.Configuration().dateTranscoder
    decoder.dateDecodingStrategy = .custom { value in
        try transcoder.decode(try value.singleValueContainer().decode(String.self))
    }
    return decoder
}()

/// The types of the contract's `components/schemas`, which responses are decoded into.
typealias Schemas = Components.Schemas

/// What `register` returns: the tokens and the user's id and name of the
/// `Schemas.Session` it decoded. A hand-written type because MultiProcessTests
/// (changed by others) decodes it with a plain JSONDecoder, which cannot read
/// the contract's dates; tests that check a whole session decode `Schemas.Session`.
struct SessionBody: Decodable, Sendable {
    struct User: Decodable, Sendable { var id: String; var username: String }
    var accessToken: String
    var refreshToken: String
    var user: User
}

extension SessionBody {
    init(_ session: Schemas.Session) {
        self.init(accessToken: session.accessToken, refreshToken: session.refreshToken, user: .init(id: session.user.id, username: session.user.username))
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type = T.self, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        do {
            return try jsonDecoder.decode(T.self, from: Data(buffer: body))
        } catch {
            Issue.record("could not decode \(T.self) from \(String(buffer: body)): \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// The problem document, after checking its media type.
    func problem(sourceLocation: SourceLocation = #_sourceLocation) throws -> Schemas.Problem {
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        return try decode(Schemas.Problem.self, sourceLocation: sourceLocation)
    }
}

extension TestClientProtocol {
    @discardableResult
    func request(
        _ method: HTTPRequest.Method,
        _ uri: String,
        json: String? = nil,
        token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if json != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Registers a user (password `correct horse battery`) and returns its session.
    func register(_ username: String, role: String = "listener", email: String? = nil) async throws -> SessionBody {
        let response = try await request(.post, "/api/v1/auth/register", json: """
            {"username":"\(username)","email":"\(email ?? "\(username.lowercased())@example.org")","password":"correct horse battery","role":"\(role)"}
            """)
        #expect(response.status == .created, "register \(username): \(String(buffer: response.body))")
        return SessionBody(try response.decode(Schemas.Session.self))
    }

    /// Signs in (with the password `register` sets, unless told) and returns the new session.
    func signIn(_ login: String, password: String = "correct horse battery") async throws -> Schemas.Session {
        let response = try await request(.post, "/api/v1/auth/sign-in", json: #"{"login":\#(jsonString(login)),"password":\#(jsonString(password))}"#)
        #expect(response.status == .ok, "sign in \(login): \(String(buffer: response.body))")
        return try response.decode(Schemas.Session.self)
    }
}

/// Creates the admin `root` (admins cannot register) and signs them in.
func signInAdmin(_ client: some TestClientProtocol, _ services: AppServices) async throws -> Schemas.Session {
    _ = try await services.accounts.createUser(
        .init(username: "root", email: "root@example.org", password: "admin horse battery", role: .admin), allowAdmin: true
    )
    return try await client.signIn("root", password: "admin horse battery")
}

/// JSON string literal escaping for building request bodies.
func jsonString(_ value: String) -> String {
    String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
}
