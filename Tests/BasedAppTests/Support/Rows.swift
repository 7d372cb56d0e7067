import BasedApp
import Foundation
import SQLKit

// Rows written straight into the database, for the suites that test a
// feature's queries without going through its routes.

/// How many rows a table holds.
func rowCount(_ table: String, _ services: AppServices) async throws -> Int {
    try await services.database.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decodingColumn: "n", as: Int.self) ?? -1
}

/// A whole second, so a time reads back equal from either database.
func wholeSecond(_ date: Date = Date()) -> Date {
    Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
}

/// A user made through the accounts service, as registering does.
func makeUser(_ username: String, role: Role = .listener, _ services: AppServices) async throws -> UUID {
    try await services.accounts.createUser(
        .init(username: username, email: "\(username)@example.org", password: "correct horse battery", role: role)
    ).id
}

/// A room for an event to point at; written here because `MessagingQueries` belongs to Messaging.
func makeRoom(_ services: AppServices, now: Date = Date()) async throws -> UUID {
    let id = UUID.v7(now: now)
    try await services.database.sql.raw("""
        INSERT INTO conversations (id, kind, title, last_seq, created_at, updated_at)
        VALUES (\(bind: id), 'room', 'Room', 0, \(bind: now), \(bind: now))
        """).run()
    return id
}
