import BasedApp
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
            flags: [["based", "port"]: "9100"]
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
}
