import Foundation
import SQLKit

/// The SQL of accounts: users, sessions and refresh tokens. Every function
/// takes the database to run on, so callers can pass a transaction.
enum AccountQueries {
    static func insert(_ user: User, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "users").model(user, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    /// Adds the row unless one with its id exists.
    static func insertIfAbsent(_ user: User, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "users").model(user, keyEncodingStrategy: .convertToSnakeCase).ignoringConflicts(with: ["id"]).run()
    }

    static func delete(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "users").where("id", .equal, id).run()
    }

    static func user(id: UUID, on sql: any SQLDatabase) async throws -> User? {
        try await sql.select().column("*").from("users").where("id", .equal, id)
            .first(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The users with these ids, in one query; ids with no user are absent.
    static func users(ids: [UUID], on sql: any SQLDatabase) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("*").from("users").where("id", .in, ids)
            .all(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Venue accounts whose pin is inside the box (by the `users_place` index), at most `limit`.
    static func venues(latitudes: ClosedRange<Double>, longitudes: [ClosedRange<Double>], limit: Int, on sql: any SQLDatabase) async throws -> [User] {
        try await sql.select().column("*").from("users")
            .where("role", .equal, Role.venue.rawValue)
            .where("latitude", .greaterThanOrEqual, latitudes.lowerBound).where("latitude", .lessThanOrEqual, latitudes.upperBound)
            .where { group in
                for range in longitudes {
                    group.orWhere { $0.where("longitude", .greaterThanOrEqual, range.lowerBound).where("longitude", .lessThanOrEqual, range.upperBound) }
                }
                return group
            }
            .limit(limit)
            .all(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func hasUsers(on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("users").limit(1).first() != nil
    }

    static func user(usernameKey: String, on sql: any SQLDatabase) async throws -> User? {
        try await sql.select().column("*").from("users").where("username_key", .equal, usernameKey)
            .where("id", .notEqual, User.erasedID)
            .first(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The user whose username or email folds to `key`.
    static func user(login key: String, on sql: any SQLDatabase) async throws -> User? {
        try await sql.select().column("*").from("users")
            .where { $0.where("username_key", .equal, key).orWhere("email_key", .equal, key) }
            .where("id", .notEqual, User.erasedID)
            .first(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Which of the two keys are taken already.
    static func taken(usernameKey: String, emailKey: String, on sql: any SQLDatabase) async throws -> (username: Bool, email: Bool) {
        let rows = try await sql.select().columns("username_key", "email_key").from("users")
            .where("username_key", .equal, usernameKey).orWhere("email_key", .equal, emailKey)
            .all()
        var taken = (username: false, email: false)
        for row in rows {
            if try row.decode(column: "username_key", as: String.self) == usernameKey { taken.username = true }
            if try row.decode(column: "email_key", as: String.self) == emailKey { taken.email = true }
        }
        return taken
    }

    static func updateProfile(_ user: User, on sql: any SQLDatabase) async throws {
        try await sql.update("users")
            .set("display_name", to: user.displayName)
            .set("bio", to: user.bio)
            .set("city", to: user.city)
            .set("latitude", to: user.latitude)
            .set("longitude", to: user.longitude)
            .set("location_from_city", to: user.locationFromCity)
            .set("genres", to: user.genres)
            .set("links", to: user.links)
            .set("avatar_hash", to: user.avatarHash)
            .set("updated_at", to: user.updatedAt)
            .where("id", .equal, user.id)
            .run()
    }

    static func setPassword(userID: UUID, hash: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("users").set("password_hash", to: hash).set("updated_at", to: now)
            .where("id", .equal, userID).run()
    }

    static func setVerified(userID: UUID, _ verified: Bool, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("users").set("verified", to: verified).set("updated_at", to: now)
            .where("id", .equal, userID).run()
    }

    static func countUsersReferencing(avatarHash: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("users")
            .where("avatar_hash", .equal, avatarHash)
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    // MARK: Sessions

    static func insertSession(id: UUID, userID: UUID, userAgent: String?, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "auth_sessions")
            .columns("id", "user_id", "user_agent", "created_at", "last_used_at")
            .values(SQLBind(id), SQLBind(userID), SQLBind(userAgent.map { String($0.prefix(200)) }), SQLBind(now), SQLBind(now))
            .run()
    }

    static func insertRefreshToken(hash: String, sessionID: UUID, now: Date, expiresAt: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "refresh_tokens")
            .columns("token_hash", "session_id", "created_at", "expires_at")
            .values(SQLBind(hash), SQLBind(sessionID), SQLBind(now), SQLBind(expiresAt))
            .run()
    }

    struct RefreshTokenRow: Decodable {
        var sessionId: UUID
        var userId: UUID
        var expiresAt: Date
        var usedAt: Date?
        var revokedAt: Date?
    }

    static func refreshToken(hash: String, on sql: any SQLDatabase) async throws -> RefreshTokenRow? {
        try await sql.select()
            .column(SQLColumn("session_id", table: "refresh_tokens"))
            .column(SQLColumn("user_id", table: "auth_sessions"))
            .column(SQLColumn("expires_at", table: "refresh_tokens"))
            .column(SQLColumn("used_at", table: "refresh_tokens"))
            .column(SQLColumn("revoked_at", table: "auth_sessions"))
            .from("refresh_tokens")
            .join("auth_sessions", on: SQLColumn("session_id", table: "refresh_tokens"), .equal, SQLColumn("id", table: "auth_sessions"))
            .where(SQLColumn("token_hash", table: "refresh_tokens"), .equal, SQLBind(hash))
            .first(decoding: RefreshTokenRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Marks the token used; false when another request used it first.
    static func markUsed(hash: String, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        let row = try await sql.update("refresh_tokens").set("used_at", to: now)
            .where("token_hash", .equal, hash).where("used_at", .is, SQLLiteral.null)
            .returning("token_hash")
            .first()
        return row != nil
    }

    static func touchSession(id: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("auth_sessions").set("last_used_at", to: now).where("id", .equal, id).run()
    }

    static func revokeSession(id: UUID, reason: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("auth_sessions").set("revoked_at", to: now).set("revoked_reason", to: reason)
            .where("id", .equal, id).where("revoked_at", .is, SQLLiteral.null)
            .run()
    }

    static func revokeSessions(userID: UUID, except kept: UUID?, reason: String, now: Date, on sql: any SQLDatabase) async throws {
        var update = sql.update("auth_sessions").set("revoked_at", to: now).set("revoked_reason", to: reason)
            .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null)
        if let kept { update = update.where("id", .notEqual, kept) }
        try await update.run()
    }

    /// The user of a live (not revoked) session.
    static func liveSessionUser(userID: UUID, sessionID: UUID, on sql: any SQLDatabase) async throws -> User? {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users"))).from("users")
            .join("auth_sessions", on: SQLColumn("user_id", table: "auth_sessions"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("id", table: "users"), .equal, SQLBind(userID))
            .where(SQLColumn("id", table: "auth_sessions"), .equal, SQLBind(sessionID))
            .where(SQLColumn("revoked_at", table: "auth_sessions"), .is, SQLLiteral.null)
            .first(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of every user by id.
    static func users(after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [User] {
        var query = sql.select().column("*").from("users").where("id", .notEqual, User.erasedID)
        if let after { query = query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Ids of artist accounts, optionally only those of a city (any letter case) or only verified ones; at most `limit`.
    static func artistIDs(city: String?, verified: Bool?, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        let query = sql.select().column("id").from("users").where("role", .equal, Role.artist.rawValue)
        if let city { query.where(inCity(city)) }
        if let verified { query.where("verified", .equal, verified) }
        return try await query.limit(limit).all(decodingColumn: "id", as: UUID.self)
    }

    /// A page of artist accounts, newest first, optionally of a city, verified, or naming a genre among theirs.
    static func artists(city: String?, verified: Bool?, genre: String?, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [User] {
        let query = sql.select().column("*").from("users").where("role", .equal, Role.artist.rawValue)
        if let city { query.where(inCity(city)) }
        if let verified { query.where("verified", .equal, verified) }
        if let genre { query.where(namingGenre(genre)) }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit).all(decoding: User.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // Letter case: SQLite's LOWER folds only ASCII, so `LOWER(city) = 'örebro'`
    // never finds `Örebro`. Each condition compares the column's LOWER with the
    // value's LOWER (the same function on both sides, so a value typed as stored
    // always matches) and with Swift's lowercasing of it (so `Örebro` still finds
    // a stored `örebro`).

    /// The user's city is `city`, in any letter case.
    private static func inCity(_ city: String) -> SQLQueryString {
        "LOWER(city) IN (LOWER(\(bind: city)), \(bind: city.lowercased()))"
    }

    /// The user's genres (a JSON array of strings) name `genre`, whole and in any letter case.
    ///
    /// A LIKE on the JSON text, for the quoted name: the name's own `%`, `_` and
    /// escape character are escaped, and the escape character is named, since
    /// PostgreSQL's LIKE otherwise reads the backslashes of JSON (`\"`, `\\`) as
    /// escapes and SQLite's does not. SQLKit's LIKE has no ESCAPE clause, hence raw SQL.
    private static func namingGenre(_ genre: String) -> SQLQueryString {
        func pattern(_ name: String) -> String {
            let quoted = JSONText.encode(name)
            var escaped = ""
            for character in quoted {
                if character == "!" || character == "%" || character == "_" { escaped.append("!") }
                escaped.append(character)
            }
            return "%" + escaped + "%"
        }
        return """
            (LOWER(genres) LIKE LOWER(\(bind: pattern(genre))) ESCAPE '!' OR LOWER(genres) LIKE \(bind: pattern(genre.lowercased())) ESCAPE '!')
            """
    }

    static func census(since: Date, on sql: any SQLDatabase) async throws -> (byRole: [Role: Int], newSince: Int) {
        struct Row: Decodable { var role: String; var n: Int; var fresh: Int }
        let counted = try await sql.raw("""
            SELECT role, COUNT(*) AS n, COALESCE(SUM(CASE WHEN created_at >= \(bind: since) THEN 1 ELSE 0 END), 0) AS fresh
            FROM users WHERE id <> \(bind: User.erasedID) GROUP BY role
            """).all(decoding: Row.self)
        var byRole: [Role: Int] = [:]
        for row in counted { if let role = Role(rawValue: row.role) { byRole[role] = row.n } }
        return (byRole, counted.reduce(0) { $0 + $1.fresh })
    }
}
