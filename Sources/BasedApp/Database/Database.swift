// AsyncKit predates Sendable checking; its pool guards its own state with locks.
@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The application's database: a connection pool behind SQLKit, the same query
/// code on SQLite and PostgreSQL, and the few places where the two differ.
public struct Database: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    public let dialect: Dialect
    /// Pooled access for single statements; use `transaction` for multi-step writes.
    public let sql: any SQLDatabase
    /// How to open a connection of its own on PostgreSQL (the event bus LISTENs on one).
    let postgres: PostgresConnection.Configuration?
    private let close: @Sendable () async throws -> Void

    /// Opens a pool to `location`; for SQLite it creates the file and turns on WAL.
    /// On PostgreSQL the pool opens at most `connections` (spread over the event
    /// loops, at least one each).
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
            let checkpointer = Task { await checkpointContinuously(sql, every: .milliseconds(500), logger: logger) }
            let database = Database(dialect: .sqlite, sql: sql) {
                checkpointer.cancel()
                await checkpointer.value
                try await pool.shutdownAsync()
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
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: max(1, connections / Array(MultiThreadedEventLoopGroup.singleton.makeIterator()).count),
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton
            )
            let database = Database(dialect: .postgres, sql: pool.database(logger: logger).sql(), postgres: configuration.coreConfiguration) {
                try await pool.shutdownAsync()
            }
            do {
                try await database.sql.raw("SELECT 1").run()
            } catch {
                try? await pool.shutdownAsync()
                throw error
            }
            return database
        }
    }

    init(dialect: Dialect, sql: any SQLDatabase, postgres: PostgresConnection.Configuration? = nil, close: @escaping @Sendable () async throws -> Void) {
        self.dialect = dialect
        self.sql = sql
        self.postgres = postgres
        self.close = close
    }

    /// Runs `body` in one transaction on one connection: committed when it
    /// returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // On SQLite a deferred transaction that later writes can deadlock with
        // another writer; taking the write lock up front avoids that.
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await sql.withSession { session in
            try await session.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(session)
                try await session.raw("COMMIT").run()
                return result
            } catch {
                try? await session.raw("ROLLBACK").run()
                throw error
            }
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
/// far longer than SQLite's default of 1,000 pages.
struct TunedSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 5000").flatMap { _ in
                connection.query("PRAGMA wal_autocheckpoint = 10000")
            }.map { _ in connection }
        }
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

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { connection in
            connection.sql(queryLogLevel: .trace).execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await withConnection { try await $0.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { try await closure($0) }
    }

    private func withConnection<R>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
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
