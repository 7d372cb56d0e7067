import Crypto
import Foundation
import Synchronization

/// Seals venues' private ticket keys at rest with AES-GCM under a key kept
/// beside the database (`ticket-key-seal` in the data directory), so a copy
/// of the database alone cannot forge tickets. Stored as `sealed1.` and the
/// base64url of nonce, ciphertext and tag; the venue's id is authenticated
/// data, so a sealed key moved to another venue's row does not open.
public struct KeySeal: Sendable {
    static let prefix = "sealed1."
    let key: SymmetricKey

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// A seal whose key is derived from a server secret.
    public init(secret: some DataProtocol) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret)), info: Data("based ticket key seal v1".utf8), outputByteCount: 32
        )
    }

    static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(prefix) }

    func seal(_ secret: Data, venue: UUID) throws -> String {
        let box = try AES.GCM.seal(secret, using: key, authenticating: TicketCodes.bytes(venue))
        guard let combined = box.combined else { throw Failure("AES-GCM gave no combined box") }
        return Self.prefix + combined.base64URLEncodedString()
    }

    func open(_ stored: String, venue: UUID) throws -> Data {
        guard Self.isSealed(stored), let combined = Data(base64URLEncoded: String(stored.dropFirst(Self.prefix.count))) else {
            throw Failure("not a sealed key")
        }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: combined), using: key, authenticating: TicketCodes.bytes(venue))
        } catch {
            throw Failure("a sealed ticket key does not open with this server's seal key")
        }
    }
}

/// What ticketing remembers because it never changes (each venue's keys and
/// each event's venue), and whose figures an event's admissions count in, for
/// `ownersValidity`. Bounded: past the limit it starts over.
final class VenueKeys: Sendable {
    private struct State {
        var privateKeys: [UUID: Curve25519.Signing.PrivateKey] = [:]
        var publicKeys: [UUID: Curve25519.Signing.PublicKey] = [:]
        var venues: [UUID: UUID] = [:]
        var owners: [UUID: (owners: [UUID], until: ContinuousClock.Instant)] = [:]
    }

    static let ownersValidity: Duration = .seconds(5)

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int = 10_000) {
        self.limit = limit
    }

    func privateKey(of venue: UUID) -> Curve25519.Signing.PrivateKey? { state.withLock { $0.privateKeys[venue] } }
    func publicKey(of venue: UUID) -> Curve25519.Signing.PublicKey? { state.withLock { $0.publicKeys[venue] } }
    func venue(of event: UUID) -> UUID? { state.withLock { $0.venues[event] } }

    func remember(privateKey: Curve25519.Signing.PrivateKey, of venue: UUID) {
        state.withLock {
            if $0.privateKeys.count >= limit { $0.privateKeys.removeAll() }
            $0.privateKeys[venue] = privateKey
            $0.publicKeys[venue] = privateKey.publicKey
        }
    }

    func remember(publicKey: Curve25519.Signing.PublicKey, of venue: UUID) {
        state.withLock {
            if $0.publicKeys.count >= limit { $0.publicKeys.removeAll() }
            $0.publicKeys[venue] = publicKey
        }
    }

    func owners(of event: UUID) -> [UUID]? {
        state.withLock { state in
            guard let entry = state.owners[event], entry.until > .now else { return nil }
            return entry.owners
        }
    }

    func remember(owners: [UUID], of event: UUID) {
        state.withLock {
            if $0.owners.count >= limit { $0.owners.removeAll() }
            $0.owners[event] = (owners, .now + Self.ownersValidity)
        }
    }

    func remember(venue: UUID, of event: UUID) {
        state.withLock {
            if $0.venues.count >= limit { $0.venues.removeAll() }
            $0.venues[event] = venue
        }
    }
}
