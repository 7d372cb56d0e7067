import Foundation
import Logging
import SQLKit

/// The rules of accounts: registering, signing in and out, refresh-token
/// rotation with theft detection, passwords and verification.
public struct AccountService: Sendable {
    let database: Database
    let tokens: TokenService
    let passwords: Passwords
    /// Attempts to sign in or register, per client address and per account.
    let attempts: RateLimiter
    /// Sessions recently seen live; every revocation here drops from it.
    let sessions: LiveSessions
    /// Told of new accounts and changed verification (search indexes users).
    var changes: ChangeFeed?
    /// Refuses usernames and display names with a blocked word.
    var moderation: ModerationService?

    public struct Registration: Sendable {
        public var username: String
        public var email: String
        public var password: String
        public var role: Role
        public var displayName: String?

        public init(username: String, email: String, password: String, role: Role, displayName: String? = nil) {
            self.username = username
            self.email = email
            self.password = password
            self.role = role
            self.displayName = displayName
        }
    }

    // MARK: Registering

    /// Creates the account and its first session. `allowAdmin` is for the command line only.
    public func register(
        _ registration: Registration,
        clientAddress: String,
        userAgent: String?,
        allowAdmin: Bool = false
    ) async throws -> (User, SessionTokens) {
        try await limit(clientAddress: clientAddress, account: User.key(registration.username))
        let user = try await createUser(registration, allowAdmin: allowAdmin)
        let session = try await database.transaction { sql in
            try await startSession(userID: user.id, userAgent: userAgent, on: sql)
        }
        return (user, session)
    }

    /// Validates and stores a new user; no session.
    public func createUser(_ registration: Registration, allowAdmin: Bool = false) async throws -> User {
        var fields: [AppError.FieldError] = []
        let username = registration.username.trimmingCharacters(in: .whitespaces)
        let email = registration.email.trimmingCharacters(in: .whitespaces)
        if let problem = Validation.username(username) { fields.append(.init("username", problem)) }
        if let problem = Validation.email(email) { fields.append(.init("email", problem)) }
        for problem in Passwords.problems(registration.password, username: username, email: email) {
            fields.append(.init("password", problem))
        }
        if registration.role == .admin && !allowAdmin {
            fields.append(.init("role", "must be listener, artist or venue"))
        }
        let displayName = registration.displayName.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? username
        if let problem = Validation.text(displayName, min: 1, max: 80) { fields.append(.init("displayName", problem)) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let screened = try [("username", username), ("displayName", displayName)].compactMap { field, text in
            try moderation.map { (field, try $0.name(text, field: field)) }
        }

        let hash = try await passwords.hash(registration.password)
        let now = Date()
        let user = User(
            id: .v7(now: now), username: username, usernameKey: User.key(username),
            email: email, emailKey: User.key(email), passwordHash: hash,
            role: registration.role, verified: false, displayName: displayName, bio: "",
            city: nil, latitude: nil, longitude: nil, genres: "[]", links: "[]", avatarHash: nil,
            createdAt: now, updatedAt: now
        )
        do {
            try await database.transaction { sql in
                let taken = try await AccountQueries.taken(usernameKey: user.usernameKey, emailKey: user.emailKey, on: sql)
                var conflicts: [AppError.FieldError] = []
                if taken.username { conflicts.append(.init("username", "is already taken")) }
                if taken.email { conflicts.append(.init("email", "is already registered")) }
                guard conflicts.isEmpty else {
                    throw AppError.conflict("An account with that \(conflicts.map(\.field).joined(separator: " and ")) exists already.", code: "account_exists", fields: conflicts)
                }
                try await AccountQueries.insert(user, on: sql)
            }
        } catch let error where database.isUniqueViolation(error) {
            // Two registrations raced past the check; the database kept one.
            throw AppError.conflict("An account with that username or email exists already.", code: "account_exists")
        }
        for (field, screening) in screened {
            try await moderation?.flag(screening, thing: .user, id: user.id, field: field, author: user.id)
        }
        await changes?.announce(.user, user.id)
        return user
    }

    // MARK: Signing in

    public func signIn(login: String, password: String, clientAddress: String, userAgent: String?) async throws -> (User, SessionTokens) {
        let key = User.key(login.trimmingCharacters(in: .whitespaces))
        guard !key.isEmpty, !password.isEmpty else {
            throw AppError.validation([.init("login", "is required"), .init("password", "is required")].filter {
                $0.field == "login" ? key.isEmpty : password.isEmpty
            })
        }
        try await limit(clientAddress: clientAddress, account: key)
        let user = try await AccountQueries.user(login: key, on: database.sql)
        let hash: String
        if let user { hash = user.passwordHash } else { hash = try await passwords.decoyHash() }
        let matches = try await passwords.verify(password, hash: hash)
        guard let user, matches else {
            throw AppError.unauthorized("The username/email or password is wrong.", code: "invalid_credentials")
        }
        try await moderation?.requireUnrestricted(user.id, appealable: true)
        attempts.reset("account:\(key)")
        let session = try await database.transaction { sql in
            try await startSession(userID: user.id, userAgent: userAgent, on: sql)
        }
        return (user, session)
    }

    /// Rotates a refresh token. A token used again more than
    /// `TokenService.reuseGrace` after its first use revokes its whole session;
    /// within it, it rotates again (the first answer was lost on the way).
    public func refresh(_ refreshToken: String) async throws -> (User, SessionTokens) {
        let hash = TokenService.hash(refreshToken: refreshToken)
        let now = Date()
        enum Outcome: Sendable { case rotated(User, SessionTokens), reused(user: UUID, session: UUID), invalid(String, String) }
        let outcome: Outcome = try await database.transaction { sql in
            guard let row = try await AccountQueries.refreshToken(hash: hash, on: sql) else {
                return .invalid("invalid_refresh_token", "The refresh token is not valid.")
            }
            if row.revokedAt != nil {
                return .invalid("session_revoked", "This session was signed out.")
            }
            if let usedAt = row.usedAt, now.timeIntervalSince(usedAt) >= tokens.reuseGrace.seconds {
                try await AccountQueries.revokeSession(id: row.sessionId, reason: "refresh_token_reused", now: now, on: sql)
                return .reused(user: row.userId, session: row.sessionId)
            }
            if row.expiresAt <= now {
                return .invalid("refresh_token_expired", "The refresh token has expired; sign in again.")
            }
            // Marked once; a use racing this one is within the grace by definition.
            if row.usedAt == nil, try await !AccountQueries.markUsed(hash: hash, now: now, on: sql), tokens.reuseGrace == .zero {
                try await AccountQueries.revokeSession(id: row.sessionId, reason: "refresh_token_reused", now: now, on: sql)
                return .reused(user: row.userId, session: row.sessionId)
            }
            guard let user = try await AccountQueries.user(id: row.userId, on: sql) else {
                return .invalid("invalid_refresh_token", "The refresh token is not valid.")
            }
            try await moderation?.requireUnrestricted(user.id, on: sql)
            try await AccountQueries.touchSession(id: row.sessionId, now: now, on: sql)
            let tokens = try await issueTokens(userID: user.id, sessionID: row.sessionId, now: now, on: sql)
            return .rotated(user, tokens)
        }
        switch outcome {
        case .rotated(let user, let tokens):
            return (user, tokens)
        case .reused(let user, let session):
            await sessions.revoked(user: user, session: session)
            throw AppError.unauthorized(
                "This refresh token was used before, so it may have been copied; its session is now signed out everywhere.",
                code: "refresh_token_reused"
            )
        case .invalid(let code, let detail):
            throw AppError.unauthorized(detail, code: code)
        }
    }

    /// The caller of an access token whose session is still live.
    public func authenticate(accessToken: String) async throws -> Identity {
        try await authenticateWithExpiry(accessToken: accessToken).0
    }

    /// As `authenticate`, with the moment the token expires.
    public func authenticateWithExpiry(accessToken: String) async throws -> (Identity, Date) {
        let (userID, sessionID, expiresAt) = try await tokens.verifyWithExpiry(accessToken)
        let (cached, generation) = sessions.lookup(sessionID)
        if let cached, cached.userID == userID { return (cached, expiresAt) }
        guard let user = try await AccountQueries.liveSessionUser(userID: userID, sessionID: sessionID, on: database.sql) else {
            throw AppError.unauthorized("This session was signed out.", code: "session_revoked")
        }
        let identity = Identity(userID: user.id, sessionID: sessionID, username: user.username, role: user.role)
        sessions.store(identity, generation: generation)
        return (identity, expiresAt)
    }

    /// Signs a user out on every device (a suspension or ban): their access tokens stop working at once.
    public func endSessions(of user: UUID, reason: String) async throws {
        try await AccountQueries.revokeSessions(userID: user, except: nil, reason: reason, now: Date(), on: database.sql)
        await sessions.revoked(user: user, session: nil)
    }

    // MARK: Erasure

    /// Confirms it is the account's owner at the keyboard (before erasing
    /// it): 403 `reauthentication_failed` for a wrong password, rate-limited as sign-in is.
    public func reauthenticate(_ identity: Identity, password: String) async throws {
        guard let user = try await AccountQueries.user(id: identity.userID, on: database.sql) else {
            throw AppError.unauthorized("This session was signed out.", code: "session_revoked")
        }
        try await limit(clientAddress: nil, account: user.usernameKey)
        guard try await passwordMatches(password, of: user) else {
            throw AppError.forbidden("The password is wrong; confirm it is you with your current password.", code: "reauthentication_failed")
        }
        attempts.reset("account:\(user.usernameKey)")
    }

    /// The "Deleted user" account, made the first time an account is erased.
    public func erasedUser() async throws -> UUID {
        try await AccountQueries.insertIfAbsent(User.erased(now: Date()), on: database.sql)
        return User.erasedID
    }

    /// Deletes the account's row (the last step of erasing it): what names it
    /// through a cascade goes with it, and search forgets it.
    public func erase(_ user: UUID) async throws {
        guard user != User.erasedID else { return }
        try await endSessions(of: user, reason: "account_erased")
        try await AccountQueries.delete(id: user, on: database.sql)
        await changes?.announce(.user, user)
    }

    public func signOut(_ identity: Identity, allDevices: Bool) async throws {
        let now = Date()
        if allDevices {
            try await AccountQueries.revokeSessions(userID: identity.userID, except: nil, reason: "signed_out_everywhere", now: now, on: database.sql)
            await sessions.revoked(user: identity.userID, session: nil)
        } else {
            try await AccountQueries.revokeSession(id: identity.sessionID, reason: "signed_out", now: now, on: database.sql)
            await sessions.revoked(user: identity.userID, session: identity.sessionID)
        }
    }

    /// Sets a new password and signs out every other session.
    public func changePassword(_ identity: Identity, current: String, new: String) async throws {
        guard let user = try await AccountQueries.user(id: identity.userID, on: database.sql) else {
            throw AppError.unauthorized("This session was signed out.", code: "session_revoked")
        }
        try await limit(clientAddress: nil, account: user.usernameKey)
        guard try await passwords.verify(current, hash: user.passwordHash) else {
            throw AppError.validation("currentPassword", "is wrong")
        }
        let problems = Passwords.problems(new, username: user.username, email: user.email)
        guard problems.isEmpty else { throw AppError.validation(problems.map { .init("newPassword", $0) }) }
        if new == current { throw AppError.validation("newPassword", "must differ from the current password") }
        let hash = try await passwords.hash(new)
        let now = Date()
        try await database.transaction { sql in
            try await AccountQueries.setPassword(userID: user.id, hash: hash, now: now, on: sql)
            try await AccountQueries.revokeSessions(userID: user.id, except: identity.sessionID, reason: "password_changed", now: now, on: sql)
        }
        await sessions.revoked(user: user.id, session: nil)
    }

    /// Marks an artist or venue account verified (or not). Admins only.
    public func setVerified(by identity: Identity, username: String, verified: Bool) async throws -> User {
        guard identity.role == .admin else { throw AppError.forbidden("Only admins verify accounts.", code: "admin_only") }
        guard var user = try await AccountQueries.user(usernameKey: User.key(username), on: database.sql) else {
            throw AppError.notFound("The user \(username)")
        }
        guard user.role == .artist || user.role == .venue else {
            throw AppError.validation("username", "is a \(user.role.rawValue) account; only artist and venue accounts are verified")
        }
        user.verified = verified
        user.updatedAt = Date()
        try await AccountQueries.setVerified(userID: user.id, verified, now: user.updatedAt, on: database.sql)
        await changes?.announce(.user, user.id)
        return user
    }

    // MARK: Looking users up (for other features)

    public func user(id: UUID) async throws -> User? {
        try await user(id: id, on: database.sql)
    }

    func user(id: UUID, on sql: any SQLDatabase) async throws -> User? {
        try await AccountQueries.user(id: id, on: sql)
    }

    /// The user with this username, in any letter case.
    public func user(username: String) async throws -> User? {
        try await AccountQueries.user(usernameKey: User.key(username), on: database.sql)
    }

    /// The users with these ids, keyed by id, in one query per
    /// `usersPerQuery` ids (lists ask for far fewer); unknown ids are absent.
    public func users(ids: some Sequence<UUID>) async throws -> [UUID: User] {
        try await users(ids: ids, on: database.sql)
    }

    func users(ids: some Sequence<UUID>, on sql: any SQLDatabase) async throws -> [UUID: User] {
        let unique = Array(Set(ids))
        var found: [UUID: User] = [:]
        for start in stride(from: 0, to: unique.count, by: Self.usersPerQuery) {
            let chunk = Array(unique[start..<min(start + Self.usersPerQuery, unique.count)])
            for user in try await AccountQueries.users(ids: chunk, on: sql) { found[user.id] = user }
        }
        return found
    }

    /// Keeps a lookup's bound parameters well under SQLite's and PostgreSQL's limits.
    static let usersPerQuery = 1000

    /// Whether anyone has an account yet (the demo seeds an empty server only).
    public func hasUsers() async throws -> Bool {
        try await AccountQueries.hasUsers(on: database.sql)
    }

    /// Accounts per role, and how many were made since `since` (the admin dashboard).
    public func census(since: Date) async throws -> (byRole: [Role: Int], newSince: Int) {
        try await AccountQueries.census(since: since, on: database.sql)
    }

    /// A page of every user in id order (search indexes them).
    public func users(after: UUID?, limit: Int) async throws -> [User] {
        try await AccountQueries.users(after: after, limit: limit, on: database.sql)
    }

    /// Venue accounts whose pin is inside these latitude and longitude ranges, at most `limit`.
    public func venues(latitudes: ClosedRange<Double>, longitudes: [ClosedRange<Double>], limit: Int) async throws -> [User] {
        try await AccountQueries.venues(latitudes: latitudes, longitudes: longitudes, limit: limit, on: database.sql)
    }

    /// Artist accounts of a city, or verified ones (browsing filters tracks by them); at most `limit`.
    public func artistIDs(city: String?, verified: Bool?, limit: Int) async throws -> [UUID] {
        try await AccountQueries.artistIDs(city: city, verified: verified, limit: limit, on: database.sql)
    }

    /// A page of artist accounts, newest first, narrowed by city, verification and genre.
    public func artists(city: String?, verified: Bool?, genre: String?, before: UUID?, limit: Int) async throws -> [User] {
        try await AccountQueries.artists(city: city, verified: verified, genre: genre, before: before, limit: limit, on: database.sql)
    }

    /// Marks an account verified without an admin: for the demo library, whose
    /// artists and venues count as checked by the scene's admins.
    func setVerified(_ userID: UUID, _ verified: Bool) async throws {
        try await AccountQueries.setVerified(userID: userID, verified, now: Date(), on: database.sql)
    }

    // MARK: Helpers

    // MARK: Apps that send a password with every request

    /// The user whose username or email is `login`.
    func user(login: String) async throws -> User? {
        let key = User.key(login.trimmingCharacters(in: .whitespaces))
        guard !key.isEmpty else { return nil }
        return try await AccountQueries.user(login: key, on: database.sql)
    }

    /// Whether `password` is the account's password (bcrypt, off the event loops).
    func passwordMatches(_ password: String, of user: User) async throws -> Bool {
        guard !password.isEmpty else { return false }
        return try await passwords.verify(password, hash: user.passwordHash)
    }

    /// Seconds until the client or the account may try again, or nil when they may now.
    func attemptsLimited(clientAddress: String, login: String?) async -> Int? {
        if let wait = attempts.wait("address:\(clientAddress)") { return wait }
        if let login, let wait = attempts.wait("account:\(User.key(login))") { return wait }
        return nil
    }

    /// Uses up an attempt of the client and of the account, as a wrong sign-in does.
    func countFailedAttempt(clientAddress: String, login: String?) async {
        _ = attempts.take("address:\(clientAddress)")
        if let login { _ = attempts.take("account:\(User.key(login))") }
    }

    private func limit(clientAddress: String?, account: String) async throws {
        if let clientAddress, case .limited(let wait) = attempts.take("address:\(clientAddress)") {
            throw AppError.tooManyRequests(retryAfter: wait)
        }
        if case .limited(let wait) = attempts.take("account:\(account)") {
            throw AppError.tooManyRequests(retryAfter: wait)
        }
    }

    private func startSession(userID: UUID, userAgent: String?, on sql: any SQLDatabase) async throws -> SessionTokens {
        let now = Date()
        let sessionID = UUID.v7(now: now)
        try await AccountQueries.insertSession(id: sessionID, userID: userID, userAgent: userAgent, now: now, on: sql)
        return try await issueTokens(userID: userID, sessionID: sessionID, now: now, on: sql)
    }

    private func issueTokens(userID: UUID, sessionID: UUID, now: Date, on sql: any SQLDatabase) async throws -> SessionTokens {
        let refresh = TokenService.newRefreshToken()
        let refreshExpiresAt = now.addingTimeInterval(tokens.refreshLifetime.seconds)
        try await AccountQueries.insertRefreshToken(hash: refresh.hash, sessionID: sessionID, now: now, expiresAt: refreshExpiresAt, on: sql)
        let access = try await tokens.accessToken(userID: userID, sessionID: sessionID, now: now)
        return SessionTokens(
            accessToken: access.token, accessTokenExpiresAt: access.expiresAt,
            refreshToken: refresh.token, refreshTokenExpiresAt: refreshExpiresAt,
            sessionID: sessionID
        )
    }
}
