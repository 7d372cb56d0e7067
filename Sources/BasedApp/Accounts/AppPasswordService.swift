import Crypto
import Foundation
import HTTPTypes
import Synchronization

/// Credentials for apps that cannot hold a session: app passwords (per app,
/// revocable, for Subsonic's `p=` and `t`+`s` schemes) and API keys
/// (OpenSubsonic's `apiKey`). Subsonic's token scheme, t = md5(password +
/// salt), needs the password in clear on the server, so it never works with
/// the account password: app passwords are kept sealed with AES-GCM under a
/// key in the data directory, and API keys only as their SHA-256.
public final class AppPasswordService: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case password, apiKey
    }

    /// One app password or API key, as its owner's list shows it (never the secret).
    public struct AppPassword: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var kind: Kind
        public var createdAt: Date
        public var lastUsedAt: Date?
    }

    /// What an app sends to prove who it is.
    public enum Credentials: Sendable {
        case password(login: String, password: String)
        case token(login: String, token: String, salt: String)
        case apiKey(String)
    }

    /// Why credentials were refused, in the terms Subsonic's error codes need.
    public enum Refusal: Error, Equatable {
        /// Wrong username or password (also an unknown user).
        case wrong
        /// Token authentication for a user without app passwords: only `p=` can carry the account password.
        case tokenNeedsAppPassword
        case invalidAPIKey
        case tooManyAttempts(retryAfter: Int)
    }

    public static let maxPerUser = 20
    public static let nameCharacters = 60
    /// How long a checked account password is remembered, so an app's every request does not pay a bcrypt.
    static let verifiedLifetime: Duration = .seconds(300)

    let database: Database
    let accounts: AccountService
    private let key: SymmetricKey
    /// Digests of (password hash, password) pairs checked recently, with when they stop counting.
    /// The hash is part of the digest, so a changed password misses at once.
    private let verified = Mutex<[String: ContinuousClock.Instant]>([:])

    init(database: Database, accounts: AccountService, secret: String) {
        self.database = database
        self.accounts = accounts
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("based app passwords v1".utf8), outputByteCount: 32
        )
    }

    // MARK: Managing

    /// Makes an app password or API key; the secret is returned this once and never again.
    public func create(_ identity: Identity, name: String, kind: Kind) async throws -> (AppPassword, secret: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(name, min: 1, max: Self.nameCharacters) { throw AppError.validation("name", problem) }
        guard try await AppPasswordQueries.count(user: identity.userID, on: database.sql) < Self.maxPerUser else {
            throw AppError.conflict("You have \(Self.maxPerUser) app passwords and keys already; revoke one first.", code: "too_many_app_passwords")
        }
        let now = Date()
        let id = UUID.v7(now: now)
        let secret = kind == .password ? Self.newPassword() : Self.newAPIKey()
        let row = AppPasswordQueries.Row(
            id: id, userId: identity.userID, name: name, kind: kind.rawValue,
            sealed: kind == .password ? try seal(secret, id: id, user: identity.userID) : nil,
            keyHash: kind == .apiKey ? Digest.sha256Hex(secret) : nil,
            createdAt: now, lastUsedAt: nil
        )
        try await AppPasswordQueries.insert(row, on: database.sql)
        return (AppPassword(id: id, name: name, kind: kind, createdAt: now, lastUsedAt: nil), secret)
    }

    public func list(_ identity: Identity) async throws -> [AppPassword] {
        try await AppPasswordQueries.all(user: identity.userID, on: database.sql).map(Self.appPassword)
    }

    /// Revokes one; the next request with it is refused.
    public func revoke(_ identity: Identity, id: UUID) async throws {
        guard try await AppPasswordQueries.delete(id: id, user: identity.userID, on: database.sql) else {
            throw AppError.notFound("The app password")
        }
    }

    // MARK: Checking

    /// The user the credentials prove, as an identity whose session is the
    /// app password (or the user, for the account password). Only refusals
    /// use up sign-in attempts, so an app's steady requests are never limited;
    /// a client or account past its limit is refused before any check.
    public func authenticate(_ credentials: Credentials, clientAddress: String) async throws -> Identity {
        switch credentials {
        case .apiKey(let key):
            try await refuseIfLimited(clientAddress: clientAddress, login: nil)
            guard let row = try await AppPasswordQueries.apiKey(hash: Digest.sha256Hex(key), on: database.sql),
                  let user = try await accounts.user(id: row.userId) else {
                await accounts.countFailedAttempt(clientAddress: clientAddress, login: nil)
                throw Refusal.invalidAPIKey
            }
            try await touch(row)
            return Identity(userID: user.id, sessionID: row.id, username: user.username, role: user.role)
        case .password(let login, let password):
            try await refuseIfLimited(clientAddress: clientAddress, login: login)
            guard let user = try await accounts.user(login: login) else {
                await accounts.countFailedAttempt(clientAddress: clientAddress, login: login)
                throw Refusal.wrong
            }
            for row in try await AppPasswordQueries.passwords(user: user.id, on: database.sql) {
                if let secret = open(row), Self.equal(secret, password) {
                    try await touch(row)
                    return Identity(userID: user.id, sessionID: row.id, username: user.username, role: user.role)
                }
            }
            guard try await accountPasswordMatches(password, of: user) else {
                await accounts.countFailedAttempt(clientAddress: clientAddress, login: login)
                throw Refusal.wrong
            }
            return Identity(userID: user.id, sessionID: user.id, username: user.username, role: user.role)
        case .token(let login, let token, let salt):
            try await refuseIfLimited(clientAddress: clientAddress, login: login)
            guard let user = try await accounts.user(login: login) else {
                await accounts.countFailedAttempt(clientAddress: clientAddress, login: login)
                throw Refusal.wrong
            }
            let rows = try await AppPasswordQueries.passwords(user: user.id, on: database.sql)
            let wanted = token.lowercased()
            for row in rows {
                if let secret = open(row), Self.equal(Self.md5(secret + salt), wanted) {
                    try await touch(row)
                    return Identity(userID: user.id, sessionID: row.id, username: user.username, role: user.role)
                }
            }
            await accounts.countFailedAttempt(clientAddress: clientAddress, login: login)
            // Without an app password the token can only have been made from
            // the account password, which the server cannot check this way.
            throw rows.isEmpty ? Refusal.tokenNeedsAppPassword : Refusal.wrong
        }
    }

    private func refuseIfLimited(clientAddress: String, login: String?) async throws {
        if let wait = await accounts.attemptsLimited(clientAddress: clientAddress, login: login) {
            throw Refusal.tooManyAttempts(retryAfter: wait)
        }
    }

    private func accountPasswordMatches(_ password: String, of user: User) async throws -> Bool {
        let digest = Digest.sha256Hex(user.passwordHash + "\n" + password)
        let now = ContinuousClock.now
        if verified.withLock({ $0[digest].map { $0 > now } ?? false }) { return true }
        guard try await accounts.passwordMatches(password, of: user) else { return false }
        verified.withLock { entries in
            if entries.count >= 10_000 { entries = entries.filter { $0.value > now } }
            entries[digest] = now.advanced(by: Self.verifiedLifetime)
        }
        return true
    }

    /// Records the last use at most once a minute, so an app's requests do not each write.
    private func touch(_ row: AppPasswordQueries.Row) async throws {
        let now = Date()
        if let last = row.lastUsedAt, now.timeIntervalSince(last) < 60 { return }
        try await AppPasswordQueries.touch(id: row.id, now: now, on: database.sql)
    }

    // MARK: Secrets

    private func seal(_ secret: String, id: UUID, user: UUID) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Self.context(id: id, user: user))
        guard let combined = box.combined else { throw AppError(.internalServerError, code: "sealing_failed", "The app password could not be sealed.") }
        return combined.base64EncodedString()
    }

    /// The row's secret; nil when the row was altered or sealed under another key.
    private func open(_ row: AppPasswordQueries.Row) -> String? {
        guard let sealed = row.sealed, let data = Data(base64Encoded: sealed),
              let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Self.context(id: row.id, user: row.userId)) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// Binds a sealed secret to its row, so it cannot be copied to another.
    private static func context(id: UUID, user: UUID) -> Data {
        Data("\(id.uuidString.lowercased())|\(user.uuidString.lowercased())".utf8)
    }

    /// Five groups of four from an alphabet without look-alikes: about 100 bits.
    static func newPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return (0..<5).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &generator)! }) }.joined(separator: "-")
    }

    /// 32 random bytes, URL-safe, with a prefix that says what it is.
    static func newAPIKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return "based_" + bytes.base64URLEncodedString()
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares in time that depends only on the lengths.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func appPassword(_ row: AppPasswordQueries.Row) -> AppPassword {
        AppPassword(id: row.id, name: row.name, kind: Kind(rawValue: row.kind) ?? .password, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt)
    }
}
