import BasedApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@Suite("Health, metrics, contract and migrations", .serialized)
struct OperationsTests {
    @Test("health and readiness are served, naming the database asked for")
    func health() async throws {
        try await withApp { client, services in
            let health = try await client.request(.get, "/health")
            #expect(health.status == .ok)
            // The suite runs on the database it was asked for.
            #expect(services.database.dialect == (TestDatabase.isPostgres ? .postgres : .sqlite))
            let ready = try await client.request(.get, "/health/ready")
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains(services.database.dialect.rawValue))
        }
    }

    @Test("the OpenAPI document is served")
    func openAPIDocument() async throws {
        try await withApp { client, _ in
            let document = try await client.request(.get, "/api/openapi.yaml")
            #expect(document.status == .ok)
            #expect(String(buffer: document.body).hasPrefix("openapi: 3.1.0"))
            #expect(String(buffer: document.body).contains("operationId: refreshSession"))
        }
    }

    @Test("metrics count requests by route and status")
    func metrics() async throws {
        try await withApp { client, _ in
            _ = try await client.request(.get, "/api/v1/users/nobody")
            _ = try await client.request(.get, "/api/v1/users/nobody")
            _ = try await client.request(.get, "/no/such/route")
            let text = String(buffer: try await client.request(.get, "/metrics").body)
            #expect(text.contains(#"based_http_requests_total{method="GET",route="/api/v1/users/{username}",status="404"} 2"#), "\(text)")
            #expect(text.contains(#"based_http_requests_total{method="GET",route="NotFound",status="404"} 1"#))
            #expect(text.contains("based_http_request_duration_seconds_bucket"))
        }
    }

    @Test("a client's X-Request-Id is echoed")
    func requestID() async throws {
        try await withApp { client, _ in
            let name = HTTPField.Name("X-Request-Id")!
            let kept = try await client.request(.get, "/health", headers: [name: "abc-123"])
            #expect(kept.headers[name] == "abc-123")
        }
    }

    @Test("a hostile X-Request-Id is replaced")
    func hostileRequestID() async throws {
        try await withApp { client, _ in
            let name = HTTPField.Name("X-Request-Id")!
            let replaced = try await client.request(.get, "/health", headers: [name: String(repeating: "x", count: 300)])
            #expect(replaced.headers[name] != nil && replaced.headers[name]!.count < 300)
        }
    }

    @Test("every address is rate-limited across the API")
    func globalRateLimit() async throws {
        // A slow refill (one request every 10 s after a burst of 10), so a loaded machine still runs out.
        try await withApp({ $0.requestsPerMinute = 6 }) { client, _ in
            var limited = 0
            for _ in 0..<15 where try await client.request(.get, "/api/v1/users/nobody").status == .tooManyRequests {
                limited += 1
            }
            #expect(limited > 0)
        }
    }

    @Test("on SQLite a migration outlasts a writer that holds the lock past busy_timeout")
    func migrationWaitsOutABusyWriter() async throws {
        guard !TestDatabase.isPostgres else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-busy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = DatabaseLocation.sqlite(path: directory.appendingPathComponent("based.sqlite").path)
        let logger = Logger(label: "test")
        let holder = try await Database.open(location, logger: logger)
        let migrating = try await Database.open(location, logger: logger)
        do {
            // The write lock, held for longer than the five seconds a connection waits for it.
            let holding = Task {
                try await holder.transaction { sql in
                    try await sql.raw("CREATE TABLE held (x INTEGER)").run()
                    try await Task.sleep(for: .seconds(6))
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let applied = try await Migrator(database: migrating, logger: logger).migrate()
            #expect(!applied.isEmpty)
            try await holding.value
            let tables = try await migrating.sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN ('held', 'schema_migrations')")
                .first(decodingColumn: "n", as: Int.self)
            #expect(tables == 2)
        } catch {
            try? await holder.shutdown()
            try? await migrating.shutdown()
            throw error
        }
        try await holder.shutdown()
        try await migrating.shutdown()
    }

    @Test("migrations apply once, even from several processes at once, and again is a no-op")
    func migrations() async throws {
        let configuration = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let logger = Logger(label: "test")
        let location = try configuration.database
        // Three at once, as three processes starting together would.
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<3 {
                group.addTask { try await Database.withOpen(location, logger: logger) { try await Migrator(database: $0, logger: logger).migrate() } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty }.count == 1)
        try await Database.withOpen(location, logger: logger) { database in
            #expect(try await Migrator(database: database, logger: logger).migrate().isEmpty)
            let rows = try await database.sql.raw("SELECT COUNT(*) AS n FROM schema_migrations").first(decodingColumn: "n", as: Int.self)
            #expect(rows == applied.flatMap { $0 }.count)
        }
    }

    @Test("a transaction that throws leaves nothing behind")
    func rollback() async throws {
        try await withApp { _, services in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await services.database.transaction { sql in
                    try await sql.raw("""
                        INSERT INTO users (id, username, username_key, email, email_key, password_hash, role, verified,
                          display_name, bio, genres, links, created_at, updated_at)
                        VALUES (\(bind: UUID()), 'x', 'x', 'x@e.org', 'x@e.org', 'h', 'listener', \(bind: false), 'x', '', '[]', '[]', \(bind: Date()), \(bind: Date()))
                        """).run()
                    throw Boom()
                }
            }
            let count = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self)
            #expect(count == 0)
        }
    }

    @Test("the server answers over a real socket")
    func liveServer() async throws {
        let configuration = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let response = try await client.request(.post, "/api/v1/auth/register", json: #"{"username":"live","email":"live@example.org","password":"correct horse battery","role":"listener"}"#)
            #expect(response.status == .created)
            #expect(try await client.request(.get, "/health/ready").status == .ok)
        }
    }
}
