// AsyncKit predates Sendable checking; its pool guards its own state with locks.
@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresKit
import ServiceLifecycle
import SQLKit
import SQLiteKit
import Synchronization

/// The application's database: a connection pool behind SQLKit, the same query
/// code on SQLite and PostgreSQL, and the few places where the two differ.
///
/// Its long-lived work — PostgreSQL's client (postgres-nio's `PostgresClient`,
/// whose pool only serves while it runs) or SQLite's background checkpoints —
/// runs in `run()`: in the server by `DatabaseLifecycle`, a `Service` of the
/// application's group; in one-off commands and migrations by `whileRunning`.
public struct Database: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    public let dialect: Dialect
    /// Pooled access for single statements; use `transaction` for multi-step writes.
    public let sql: any SQLDatabase
    /// How to open a connection of its own on PostgreSQL (the event bus LISTENs on one).
    let postgres: PostgresConnection.Configuration?
    private let work: @Sendable () async -> Void
    private let close: @Sendable () async throws -> Void
    /// The turns of this process's SQLite writers (nil on PostgreSQL, whose writers do not exclude each other).
    private let writers: FairGate?
    /// The PostgreSQL schema the URL names, if any (the event bus's channel is per schema).
    var schema: String?

    /// Opens a pool to `location`; for SQLite it creates the file and turns on WAL.
    /// On PostgreSQL the client's pool opens at most `connections`, once `run()` runs.
    public static func open(_ location: DatabaseLocation, connections: Int = 16, logger: Logger) async throws -> Database {
        switch location {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // SQLite calls block their thread, and a connection waiting for the
            // write lock blocks too: each connection gets a thread of its own so
            // a waiter can never starve the connection that holds the lock.
            let connections = 4
            let threads = NIOThreadPool(numberOfThreads: connections)
            threads.start()
            let source = TunedSQLiteSource(base: SQLiteConnectionSource(
                configuration: .init(storage: .file(path: path), enableForeignKeys: true),
                threadPool: threads
            ))
            let pool = EventLoopGroupConnectionPool(
                source: source,
                maxConnectionsPerEventLoop: connections,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.next()
            )
            let sql = SQLitePoolDatabase(pool: pool, logger: logger)
            let database = Database(dialect: .sqlite, sql: sql, work: {
                await cancelWhenGracefulShutdown { await checkpointContinuously(sql, every: .milliseconds(500), logger: logger) }
            }) {
                // A connection handed back after the pool closed would trap
                // (debug builds assert it was closed): wait for the last one.
                await sql.uses.close()
                try await pool.shutdownAsync()
                // A connection still being made finishes, then whatever is open is closed, before its threads stop.
                await source.opening.close()
                await source.made.closeAll()
                try await threads.shutdownGracefully()
            }
            do {
                // WAL lets readers run beside the one writer; it is a property of the file, so once is enough.
                try await retryingWhileBusy { try await database.sql.raw("PRAGMA journal_mode = WAL").run() }
            } catch {
                try? await database.shutdown()
                throw error
            }
            return database
        case .postgres(let url):
            var configuration = try SQLPostgresConfiguration(url: url)
            if configuration.searchPath == nil, let schema = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "schema" })?.value {
                configuration.searchPath = [schema]
            }
            let core = configuration.coreConfiguration
            guard let host = core.host else { throw DatabaseNotRunning.unsupported(url: url) }
            var client = PostgresClient.Configuration(
                host: host, port: core.port ?? 5432, username: core.username, password: core.password, database: core.database,
                tls: Self.clientTLS(url: url)
            )
            client.options.maximumConnections = max(1, connections)
            if let searchPath = configuration.searchPath {
                client.options.additionalStartupParameters = [("search_path", searchPath.joined(separator: ","))]
            }
            let sql = PostgresClientDatabase(client: PostgresClient(configuration: client, backgroundLogger: logger), logger: logger)
            var database = Database(dialect: .postgres, sql: sql, postgres: core, work: { await sql.run() }) {}
            database.schema = configuration.searchPath?.first
            return database
        }
    }

    /// `sslmode` of the URL as the client's TLS: disable, require, or (otherwise) prefer.
    private static func clientTLS(url: String) -> PostgresClient.Configuration.TLS {
        switch URLComponents(string: url)?.queryItems?.first(where: { $0.name == "sslmode" })?.value {
        case "disable": .disable
        case "require", "verify-ca", "verify-full": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
    }

    /// Opens `location`, runs `body` while the database's own work runs, and
    /// closes it: for migrations and one-off commands outside the server.
    public static func withOpen<T: Sendable>(
        _ location: DatabaseLocation, connections: Int = 4, logger: Logger, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let database = try await open(location, connections: connections, logger: logger)
        return try await database.whileRunning { try await body(database) }
    }

    /// Runs `body` while the database's own work runs, then closes the database.
    public func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            group.cancelAll()
            return result
        }
        try await shutdown()
        return try result.get()
    }

    /// The database's long-lived work, until the task is cancelled or the
    /// service group shuts down gracefully. Run once per database.
    public func run() async {
        await work()
    }

    init(
        dialect: Dialect, sql: any SQLDatabase, postgres: PostgresConnection.Configuration? = nil,
        work: @escaping @Sendable () async -> Void, close: @escaping @Sendable () async throws -> Void
    ) {
        self.dialect = dialect
        self.sql = sql
        self.postgres = postgres
        self.work = work
        self.close = close
        writers = dialect == .sqlite ? FairGate(limit: 1) : nil
    }

    /// Runs `body` in one transaction on one connection: committed when it
    /// returns, rolled back when it throws. On SQLite the transactions of this
    /// process take turns through `writers` (first come, first served) rather
    /// than polling for the write lock.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard let writers else { return try await run(transaction: body) }
        return try await writers.withPlace { try await run(transaction: body) }
    }

    private func run<T: Sendable>(transaction body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // On SQLite a deferred transaction that later writes can deadlock with
        // another writer; taking the write lock up front avoids that.
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await sql.withSession { session in
            try await session.raw(SQLQueryString(begin)).run()
            // COMMIT and ROLLBACK run in a task of their own: a cancelled task's
            // queries are refused before they reach the connection, and a
            // connection handed back inside its transaction would keep SQLite's
            // write lock (every later writer: "database is locked").
            let result: T
            do {
                result = try await body(session)
            } catch {
                try? await Task { try await session.raw("ROLLBACK").run() }.value
                throw error
            }
            do {
                try await Task { try await session.raw("COMMIT").run() }.value
            } catch {
                try? await Task { try await session.raw("ROLLBACK").run() }.value
                throw error
            }
            return result
        }
    }

    /// Whether the database answers.
    public func ping() async -> Bool {
        (try? await sql.raw("SELECT 1 AS ok").first()) != nil
    }

    public func shutdown() async throws {
        try await close()
    }
}

/// Opens SQLite connections that wait for a busy database by sleeping, up to
/// five seconds, instead of SQLiteNIO's default of spinning without limit,
/// and that leave checkpoints to `checkpointContinuously` until the WAL is
/// far longer than SQLite's default of 1,000 pages. Reads go through a
/// memory map of the file (up to 1 GiB) and a 16 MiB page cache per
/// connection instead of SQLite's 2 MB and a `pread` copy per page: an
/// artist's dashboard touches thousands of pages (4 KiB listener sketches
/// spill into overflow pages), and with the defaults most of its time was
/// the kernel copying pages it had just copied for the previous request.
struct TunedSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource
    /// Connections being made, and every connection made, so that shutting
    /// down closes each one while its thread pool still runs (sqlite-nio
    /// asserts a connection is closed before it goes; one the pool receives
    /// after it shut down, or whose PRAGMAs failed, would not be).
    let opening = InFlight()
    let made = MadeConnections()
    static let pragmas = ["PRAGMA busy_timeout = 5000", "PRAGMA wal_autocheckpoint = 10000", "PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -16384"]

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        guard opening.enter() else { return eventLoop.makeFailedFuture(DatabaseNotRunning(description: "the database is closed")) }
        return base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            made.add(connection)
            return Self.pragmas.reduce(eventLoop.makeSucceededVoidFuture()) { done, pragma in
                done.flatMap { connection.query(pragma).map { _ in } }
            }.map { connection }.flatMapError { error in
                connection.close().flatMapThrowing { throw error }
            }
        }.always { [opening] _ in
            // After the pool's own callbacks on this result have run.
            eventLoop.execute { opening.leave() }
        }
    }
}

/// Every SQLite connection a pool made, weakly; at shutdown the open ones are closed.
final class MadeConnections: Sendable {
    private struct Entry { weak var connection: SQLiteConnection? }
    private let entries = Mutex<[Entry]>([])

    func add(_ connection: SQLiteConnection) {
        entries.withLock { entries in
            entries.removeAll { $0.connection == nil }
            entries.append(Entry(connection: connection))
        }
    }

    /// Closes each connection still open (one the pool closed already is left alone).
    func closeAll() async {
        let open = entries.withLock { entries in entries.compactMap(\.connection).filter { !$0.isClosed } }
        for connection in open { try? await connection.close().get() }
    }
}

/// Checkpoints the WAL every `interval`, PASSIVE, on a pooled connection.
///
/// SQLite's own checkpoint runs inside the commit that takes the WAL past
/// 1,000 pages, with the write lock held: it copies those pages into the
/// database file and syncs it, and every write queued behind that commit (a
/// whole group of messages) waits 10–50 ms for it. A PASSIVE checkpoint on
/// another connection copies beside the writes going on and never waits for
/// them. The connections still checkpoint by themselves past 10,000 pages,
/// should this loop ever fall behind.
func checkpointContinuously(_ sql: any SQLDatabase, every interval: Duration, logger: Logger) async {
    while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        guard !Task.isCancelled else { return }
        do {
            try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").run()
        } catch {
            logger.debug("WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}

/// SQLKit over a pool of SQLite connections, so requests don't queue behind one.
struct SQLitePoolDatabase: SQLDatabase {
    let pool: EventLoopGroupConnectionPool<TunedSQLiteSource>
    let logger: Logger
    /// Connections in use, so closing waits for them; none is handed out after.
    let uses = InFlight()

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await withConnection { try await $0.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { try await closure($0) }
    }

    private func withConnection<R>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        guard uses.enter() else { throw DatabaseNotRunning(description: "the database is closed") }
        defer { uses.leave() }
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(connection.sql(queryLogLevel: .trace))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }
}

/// SQLKit over postgres-nio's `PostgresClient`: each statement leases a
/// connection from the client's pool; a session keeps one for its closure.
struct PostgresClientDatabase: SQLDatabase {
    let client: PostgresClient
    let logger: Logger
    /// Whether `run()` is under way: the pool serves nothing before it.
    private let running = RunningFlag()

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    /// The client's work until shutdown (graceful, or cancellation), then its
    /// stop, waited for up to `stopPatience`. postgres-nio's pool can miss the
    /// end of its shutdown: seen on a loaded machine, a pool with no connection
    /// left on the server never returned from `run()`, and the process could
    /// not stop. Such a pool is left behind, with a warning, instead.
    func run() async {
        running.set(true)
        defer { running.set(false) }
        let running = ActivityCount()
        running.enter()
        let pool = Task { [client] in
            await client.run()
            running.leave()
        }
        try? await gracefulShutdown()
        pool.cancel()
        // Waited for in a task of its own: when this one was cancelled (rather
        // than shut down gracefully), a wait inside it would end at once.
        if await !Task(operation: { await running.drained(timeout: Self.stopPatience) }).value {
            logger.warning("the PostgreSQL client did not stop within \(Self.stopPatience); leaving it behind")
        }
    }

    static let stopPatience = Duration.seconds(15)

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await withSession { try await $0.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await running.wait()
        // A cancelled task leases nothing: a lease asked for while the client
        // is being cancelled can wait for a connection that never comes.
        try Task.checkCancellation()
        return try await client.withConnection { connection in
            try await closure(connection.sql(queryLogLevel: .trace))
        }
    }
}

/// Counts uses of a resource so that closing it waits for the last one, and
/// refuses new ones once closing has begun.
final class InFlight: Sendable {
    private struct State {
        var count = 0
        var closing = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// False once closing has begun.
    func enter() -> Bool {
        state.withLock { state in
            guard !state.closing else { return false }
            state.count += 1
            return true
        }
    }

    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count == 0, state.closing else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Refuses new uses and returns when the last one has left.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                state.closing = true
                guard state.count > 0 else { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Whether a database's work runs. A statement asked for before it does waits
/// up to three seconds (the service group starting it), then fails with a
/// clear error instead of waiting forever on a pool that never serves.
final class RunningFlag: Sendable {
    private let value = Atomic(false)

    func set(_ running: Bool) { value.store(running, ordering: .releasing) }

    func wait() async throws {
        for _ in 0..<300 where !value.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard value.load(ordering: .acquiring) else { throw DatabaseNotRunning() }
    }
}

struct DatabaseNotRunning: Error, CustomStringConvertible {
    var description = "the database's client is not running: run it in the service group (DatabaseLifecycle) or through Database.whileRunning"

    /// A PostgreSQL URL without a host (a Unix socket path) is not supported.
    static func unsupported(url: String) -> Self {
        Self(description: "a PostgreSQL URL needs a host: \(DatabaseLocation.postgres(url: url).displayName)")
    }
}

extension Database {
    /// Whether `error` is the database refusing a duplicate in a UNIQUE column.
    public func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? SQLiteError {
            return [.constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed].contains(error.reason)
        }
        return false
    }

    /// Runs `body` again, after a growing pause, while SQLite says another
    /// connection still holds the lock past `busy_timeout`: several processes
    /// opening and migrating one new file at once on a loaded machine. Other
    /// errors, and the last busy one, are thrown.
    static func retryingWhileBusy<T: Sendable>(attempts: Int = 6, _ body: () async throws -> T) async throws -> T {
        var pause = Duration.milliseconds(100)
        for _ in 1..<attempts {
            do {
                return try await body()
            } catch let error as SQLiteError where error.reason == .busy || error.reason == .locked {
                try await Task.sleep(for: pause)
                pause *= 2
            }
        }
        return try await body()
    }
}
