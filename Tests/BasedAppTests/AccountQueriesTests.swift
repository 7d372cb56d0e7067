@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `AccountQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Account queries", .serialized)
struct AccountQueriesTests {
    // MARK: Users

    @Test("a user reads back as it was written, by id and by username key")
    func userRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("Ana", city: "Leipzig", genres: ["Dub"], services)
            #expect(try await AccountQueries.user(id: ana.id, on: sql) == ana)
            #expect(try await AccountQueries.user(usernameKey: "ana", on: sql) == ana)
            #expect(try await AccountQueries.user(id: UUID(), on: sql) == nil)
            #expect(try await AccountQueries.user(usernameKey: "Ana", on: sql) == nil)
        }
    }

    @Test("a login finds a user by the key of their username or of their email, and by nothing else")
    func userByLogin() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("Ana", services)
            _ = try await insertUser("ben", services)
            #expect(try await AccountQueries.user(login: "ana", on: sql)?.id == ana.id)
            #expect(try await AccountQueries.user(login: "ana@example.org", on: sql)?.id == ana.id)
            #expect(try await AccountQueries.user(login: "example.org", on: sql) == nil)
        }
    }

    @Test("users by ids are those that exist, and no ids ask for none")
    func usersByIDs() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let ben = try await insertUser("ben", services)
            _ = try await insertUser("cyd", services)
            let found = try await AccountQueries.users(ids: [ana.id, UUID(), ben.id], on: sql)
            #expect(Set(found.map(\.id)) == [ana.id, ben.id])
            #expect(try await AccountQueries.users(ids: [], on: sql).isEmpty)
        }
    }

    @Test("a new database has no users, and one user is enough to have some")
    func hasUsers() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            #expect(try await !AccountQueries.hasUsers(on: sql))
            _ = try await insertUser("ana", services)
            #expect(try await AccountQueries.hasUsers(on: sql))
        }
    }

    @Test("taken tells a taken username from a taken email")
    func taken() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            _ = try await insertUser("ana", services)
            let username = try await AccountQueries.taken(usernameKey: "ana", emailKey: "new@example.org", on: sql)
            #expect(username.username && !username.email)
            let email = try await AccountQueries.taken(usernameKey: "new", emailKey: "ana@example.org", on: sql)
            #expect(!email.username && email.email)
            let neither = try await AccountQueries.taken(usernameKey: "new", emailKey: "new@example.org", on: sql)
            #expect(!neither.username && !neither.email)
        }
    }

    @Test("a profile update writes the profile's columns and none of the account's")
    func updateProfile() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let stored = try await insertUser("ana", services)
            var changed = stored
            changed.displayName = "Ana A."
            changed.bio = "Dub from the basement"
            changed.city = nil
            changed.latitude = 51.34
            changed.longitude = 12.37
            changed.genres = #"["Dub","Techno"]"#
            changed.links = #"[{"label":"Site","url":"https://example.org"}]"#
            changed.avatarHash = "abc"
            changed.updatedAt = stored.updatedAt.addingTimeInterval(60)
            // Not profile columns: these must stay as stored.
            changed.username = "Anna"
            changed.email = "anna@example.org"
            changed.role = .admin
            changed.verified = true
            try await AccountQueries.updateProfile(changed, on: sql)
            var expected = changed
            expected.username = stored.username
            expected.email = stored.email
            expected.role = stored.role
            expected.verified = stored.verified
            #expect(try await AccountQueries.user(id: stored.id, on: sql) == expected)
        }
    }

    @Test("a new password and a verified mark change their own column and the update time only")
    func passwordAndVerified() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            var ana = try await insertUser("ana", services)
            let ben = try await insertUser("ben", services)
            let later = ana.updatedAt.addingTimeInterval(60)
            try await AccountQueries.setPassword(userID: ana.id, hash: "new-hash", now: later, on: sql)
            ana.passwordHash = "new-hash"
            ana.updatedAt = later
            #expect(try await AccountQueries.user(id: ana.id, on: sql) == ana)
            try await AccountQueries.setVerified(userID: ana.id, true, now: later.addingTimeInterval(60), on: sql)
            ana.verified = true
            ana.updatedAt = later.addingTimeInterval(60)
            #expect(try await AccountQueries.user(id: ana.id, on: sql) == ana)
            #expect(try await AccountQueries.user(id: ben.id, on: sql) == ben)
        }
    }

    @Test("an avatar is counted once for each user that shows it")
    func avatarReferences() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            for name in ["ana", "ben", "cyd"] {
                var user = try await insertUser(name, services)
                user.avatarHash = name == "cyd" ? "other" : "shared"
                try await AccountQueries.updateProfile(user, on: sql)
            }
            #expect(try await AccountQueries.countUsersReferencing(avatarHash: "shared", on: sql) == 2)
            #expect(try await AccountQueries.countUsersReferencing(avatarHash: "none", on: sql) == 0)
        }
    }

    @Test("paging every user by id returns each once, in id order")
    func usersPaged() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let start = wholeSecond()
            var made: [UUID] = []
            for index in 0..<5 {
                made.append(try await insertUser("user\(index)", at: start.addingTimeInterval(TimeInterval(index)), services).id)
            }
            var seen: [UUID] = []
            var after: UUID?
            while true {
                let page = try await AccountQueries.users(after: after, limit: 2, on: sql)
                seen += page.map(\.id)
                guard page.count == 2 else { break }
                after = page.last?.id
            }
            #expect(seen == made)
        }
    }

    // MARK: Sessions and refresh tokens

    @Test("a refresh token reads back with its session, user and expiry; an unknown one reads nothing")
    func refreshTokenRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let now = wholeSecond()
            let session = UUID.v7(now: now)
            try await AccountQueries.insertSession(id: session, userID: ana.id, userAgent: "test", now: now, on: sql)
            try await AccountQueries.insertRefreshToken(hash: "h1", sessionID: session, now: now, expiresAt: now.addingTimeInterval(3600), on: sql)
            let row = try #require(try await AccountQueries.refreshToken(hash: "h1", on: sql))
            #expect(row.sessionId == session)
            #expect(row.userId == ana.id)
            #expect(row.expiresAt == now.addingTimeInterval(3600))
            #expect(row.usedAt == nil && row.revokedAt == nil)
            #expect(try await AccountQueries.refreshToken(hash: "h2", on: sql)?.sessionId == nil)
        }
    }

    @Test("a refresh token is marked used once; a second mark loses")
    func markUsedOnce() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let now = wholeSecond()
            let session = UUID.v7(now: now)
            try await AccountQueries.insertSession(id: session, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.insertRefreshToken(hash: "h1", sessionID: session, now: now, expiresAt: now.addingTimeInterval(3600), on: sql)
            #expect(try await AccountQueries.markUsed(hash: "h1", now: now, on: sql))
            #expect(try await !AccountQueries.markUsed(hash: "h1", now: now.addingTimeInterval(1), on: sql))
            #expect(try await !AccountQueries.markUsed(hash: "unknown", now: now, on: sql))
            #expect(try await AccountQueries.refreshToken(hash: "h1", on: sql)?.usedAt == now)
        }
    }

    @Test("a live session yields its user; once revoked it does not, and a second revocation keeps the first")
    func revokeSession() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let now = wholeSecond()
            let session = UUID.v7(now: now)
            try await AccountQueries.insertSession(id: session, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.insertRefreshToken(hash: "h1", sessionID: session, now: now, expiresAt: now.addingTimeInterval(3600), on: sql)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: session, on: sql) == ana)
            try await AccountQueries.revokeSession(id: session, reason: "signed_out", now: now.addingTimeInterval(1), on: sql)
            try await AccountQueries.revokeSession(id: session, reason: "later", now: now.addingTimeInterval(2), on: sql)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: session, on: sql) == nil)
            #expect(try await AccountQueries.refreshToken(hash: "h1", on: sql)?.revokedAt == now.addingTimeInterval(1))
            #expect(try await sessionColumn("revoked_reason", session, as: String.self, sql) == "signed_out")
        }
    }

    @Test("a live session yields its user only with that user's id")
    func liveSessionOfOther() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let ben = try await insertUser("ben", services)
            let session = UUID.v7()
            try await AccountQueries.insertSession(id: session, userID: ana.id, userAgent: nil, now: wholeSecond(), on: sql)
            #expect(try await AccountQueries.liveSessionUser(userID: ben.id, sessionID: session, on: sql) == nil)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: UUID(), on: sql) == nil)
        }
    }

    @Test("revoking a user's sessions spares the one kept and every other user's")
    func revokeSessionsExcept() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let ben = try await insertUser("ben", services)
            let now = wholeSecond()
            let (kept, gone, other) = (UUID.v7(), UUID.v7(), UUID.v7())
            try await AccountQueries.insertSession(id: kept, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.insertSession(id: gone, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.insertSession(id: other, userID: ben.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.revokeSessions(userID: ana.id, except: kept, reason: "password_changed", now: now, on: sql)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: kept, on: sql) != nil)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: gone, on: sql) == nil)
            #expect(try await AccountQueries.liveSessionUser(userID: ben.id, sessionID: other, on: sql) != nil)
            try await AccountQueries.revokeSessions(userID: ana.id, except: nil, reason: "signed_out_everywhere", now: now, on: sql)
            #expect(try await AccountQueries.liveSessionUser(userID: ana.id, sessionID: kept, on: sql) == nil)
            #expect(try await sessionColumn("revoked_reason", gone, as: String.self, sql) == "password_changed")
        }
    }

    @Test("a session keeps the first 200 characters of its user agent")
    func userAgentCut() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let (long, short) = (UUID.v7(), UUID.v7())
            // Multi-byte characters: the cut counts characters, not bytes.
            let agent = String(repeating: "é", count: 150) + String(repeating: "x", count: 150)
            try await AccountQueries.insertSession(id: long, userID: ana.id, userAgent: agent, now: wholeSecond(), on: sql)
            try await AccountQueries.insertSession(id: short, userID: ana.id, userAgent: "curl/8", now: wholeSecond(), on: sql)
            #expect(try await sessionColumn("user_agent", long, as: String.self, sql) == String(agent.prefix(200)))
            #expect(try await sessionColumn("user_agent", short, as: String.self, sql) == "curl/8")
        }
    }

    @Test("touching a session moves its last use and no other session's")
    func touchSession() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await insertUser("ana", services)
            let now = wholeSecond()
            let (touched, left) = (UUID.v7(), UUID.v7())
            try await AccountQueries.insertSession(id: touched, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.insertSession(id: left, userID: ana.id, userAgent: nil, now: now, on: sql)
            try await AccountQueries.touchSession(id: touched, now: now.addingTimeInterval(90), on: sql)
            #expect(try await sessionColumn("last_used_at", touched, as: Date.self, sql) == now.addingTimeInterval(90))
            #expect(try await sessionColumn("last_used_at", left, as: Date.self, sql) == now)
        }
    }

    // MARK: Artists

    @Test("artist ids are only artists', at most the limit")
    func artistIDsRoleAndLimit() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            var artists: Set<UUID> = []
            for index in 0..<3 { artists.insert(try await insertUser("artist\(index)", role: .artist, services).id) }
            _ = try await insertUser("fan", services)
            _ = try await insertUser("club", role: .venue, services)
            #expect(try await Set(AccountQueries.artistIDs(city: nil, verified: nil, limit: 10, on: sql)) == artists)
            let limited = try await AccountQueries.artistIDs(city: nil, verified: nil, limit: 2, on: sql)
            #expect(limited.count == 2 && artists.isSuperset(of: limited))
        }
    }

    @Test("artist ids of a city match it in any letter case, and verified picks either side")
    func artistIDsCityAndVerified() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let here = try await insertUser("here", role: .artist, city: "Leipzig", services)
            let verified = try await insertUser("verified", role: .artist, city: "Berlin", verified: true, services)
            _ = try await insertUser("nowhere", role: .artist, services)
            _ = try await insertUser("fan", city: "Leipzig", services)
            #expect(try await AccountQueries.artistIDs(city: "LEIPZIG", verified: nil, limit: 10, on: sql) == [here.id])
            #expect(try await AccountQueries.artistIDs(city: nil, verified: true, limit: 10, on: sql) == [verified.id])
            #expect(try await AccountQueries.artistIDs(city: "leipzig", verified: true, limit: 10, on: sql).isEmpty)
            #expect(try await AccountQueries.artistIDs(city: "berlin", verified: false, limit: 10, on: sql).isEmpty)
        }
    }

    @Test("artists page newest first past a cursor, leaving out other roles")
    func artistsPaged() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let start = wholeSecond()
            var made: [UUID] = []
            for index in 0..<3 {
                made.append(try await insertUser("artist\(index)", role: .artist, at: start.addingTimeInterval(TimeInterval(index)), services).id)
            }
            _ = try await insertUser("fan", at: start.addingTimeInterval(5), services)
            let first = try await AccountQueries.artists(city: nil, verified: nil, genre: nil, before: nil, limit: 2, on: sql)
            #expect(first.map(\.id) == [made[2], made[1]])
            let rest = try await AccountQueries.artists(city: nil, verified: nil, genre: nil, before: first.last?.id, limit: 2, on: sql)
            #expect(rest.map(\.id) == [made[0]])
        }
    }

    @Test("artists of a genre are those naming that whole genre among theirs, in any letter case")
    func artistsOfGenre() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let dub = try await insertUser("dubby", role: .artist, genres: ["Techno", "Dub"], services)
            _ = try await insertUser("dubstep", role: .artist, genres: ["Dubstep"], services)
            _ = try await insertUser("listener", genres: ["Dub"], services)
            let found = try await AccountQueries.artists(city: nil, verified: nil, genre: "DUB", before: nil, limit: 10, on: sql)
            #expect(found.map(\.id) == [dub.id])
        }
    }

    @Test("a city or genre whose capital is not ASCII is found as it was written")
    func nonASCIICapitals() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let artist = try await insertUser("orebro", role: .artist, city: "Örebro", genres: ["Électro"], services)
            #expect(try await AccountQueries.artistIDs(city: "Örebro", verified: nil, limit: 10, on: sql) == [artist.id])
            let ofCity = try await AccountQueries.artists(city: "Örebro", verified: nil, genre: nil, before: nil, limit: 10, on: sql)
            #expect(ofCity.map(\.id) == [artist.id])
            let ofGenre = try await AccountQueries.artists(city: nil, verified: nil, genre: "Électro", before: nil, limit: 10, on: sql)
            #expect(ofGenre.map(\.id) == [artist.id])
        }
    }

    @Test("a city or genre kept in lower case is found when asked for with a capital that is not ASCII")
    func nonASCIILowerCase() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let artist = try await insertUser("orebro", role: .artist, city: "örebro", genres: ["électro"], services)
            #expect(try await AccountQueries.artistIDs(city: "Örebro", verified: nil, limit: 10, on: sql) == [artist.id])
            let ofGenre = try await AccountQueries.artists(city: nil, verified: nil, genre: "Électro", before: nil, limit: 10, on: sql)
            #expect(ofGenre.map(\.id) == [artist.id])
        }
    }

    @Test("a genre's _ and % are letters of its name, not wildcards")
    func genreWildcards() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let underscore = try await insertUser("underscore", role: .artist, genres: ["R_B"], services)
            _ = try await insertUser("letters", role: .artist, genres: ["RnB"], services)
            let percent = try await insertUser("percent", role: .artist, genres: ["100% Dub"], services)
            _ = try await insertUser("digits", role: .artist, genres: ["100 Dub"], services)
            _ = try await insertUser("more", role: .artist, genres: ["1000 Dub"], services)
            let ofUnderscore = try await AccountQueries.artists(city: nil, verified: nil, genre: "r_b", before: nil, limit: 10, on: sql)
            #expect(ofUnderscore.map(\.id) == [underscore.id])
            let ofPercent = try await AccountQueries.artists(city: nil, verified: nil, genre: "100% dub", before: nil, limit: 10, on: sql)
            #expect(ofPercent.map(\.id) == [percent.id])
        }
    }

    @Test("a genre with a quote or a backslash is found on either database")
    func genreEscapes() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            // In JSON these become \" and \\, which PostgreSQL's LIKE reads as escapes unless told otherwise.
            let quoted = try await insertUser("quoted", role: .artist, genres: [#"12" Dub"#], services)
            let slashed = try await insertUser("slashed", role: .artist, genres: [#"Dub\Step"#], services)
            let ofQuote = try await AccountQueries.artists(city: nil, verified: nil, genre: #"12" dub"#, before: nil, limit: 10, on: sql)
            #expect(ofQuote.map(\.id) == [quoted.id])
            let ofBackslash = try await AccountQueries.artists(city: nil, verified: nil, genre: #"dub\step"#, before: nil, limit: 10, on: sql)
            #expect(ofBackslash.map(\.id) == [slashed.id])
        }
    }

    // MARK: Rows

    /// A user written straight to `users`, made at `at` (which orders ids), with whole-second times.
    private func insertUser(
        _ username: String, role: Role = .listener, city: String? = nil, genres: [String] = [], verified: Bool = false,
        at: Date = wholeSecond(), _ services: AppServices
    ) async throws -> User {
        let user = User(
            id: .v7(now: at), username: username, usernameKey: User.key(username), email: "\(username)@example.org",
            emailKey: User.key("\(username)@example.org"), passwordHash: "hash", role: role, verified: verified,
            displayName: username, bio: "", city: city, latitude: nil, longitude: nil, genres: JSONText.encode(genres), links: "[]",
            avatarHash: nil, createdAt: wholeSecond(at), updatedAt: wholeSecond(at)
        )
        try await AccountQueries.insert(user, on: services.database.sql)
        return user
    }

    /// One column of one `auth_sessions` row.
    private func sessionColumn<T: Decodable>(_ column: String, _ session: UUID, as type: T.Type, _ sql: any SQLDatabase) async throws -> T? {
        try await sql.select().column(column).from("auth_sessions").where("id", .equal, session).first(decodingColumn: column, as: T.self)
    }
}
