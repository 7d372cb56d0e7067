import Foundation
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// Password rules and bcrypt hashing, off the event loops.
struct Passwords: Sendable {
    let cost: UInt8

    /// bcrypt reads at most 72 bytes; longer passwords would be silently cut, so they are refused.
    static let maxBytes = 72
    static let minLength = 10
    static let common: Set<String> = [
        "1234567890", "12345678910", "password123", "password1234", "qwertyuiop", "1q2w3e4r5t",
        "iloveyou123", "abcdefghij", "0987654321", "1111111111", "passw0rd123", "letmein123",
        "qwerty1234", "qwerty12345", "football123", "monkey1234", "dragon1234", "sunshine123",
        "princess123", "welcome123", "admin12345", "trustno1234", "whatever123", "basedbased",
    ]

    /// The reasons `password` is too weak, empty when it is fine.
    static func problems(_ password: String, username: String, email: String) -> [String] {
        var problems: [String] = []
        if password.count < minLength { problems.append("must be at least \(minLength) characters") }
        if password.utf8.count > maxBytes { problems.append("must be at most \(maxBytes) bytes") }
        if Set(password).count < 5 { problems.append("must use at least 5 different characters") }
        let folded = password.lowercased()
        if common.contains(folded) { problems.append("is a commonly used password") }
        if !username.isEmpty && folded.contains(username.lowercased()) { problems.append("must not contain the username") }
        if !email.isEmpty && folded == email.lowercased() { problems.append("must not be the email address") }
        return problems
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of a random password at this cost, checked against when the
    /// account does not exist so that sign-in takes as long either way.
    func decoyHash() async throws -> String {
        if let hash = Self.decoys.withLockedValue({ $0[cost] }) { return hash }
        let hash = try await self.hash(UUID().uuidString)
        Self.decoys.withLockedValue { $0[cost] = hash }
        return hash
    }

    private static let decoys = NIOLockedValueBox<[UInt8: String]>([:])
}
