import Crypto
import Foundation

/// A ticket's code: `BT1.` and base64url of the ticket id, the event id and an
/// Ed25519 signature of both by the venue's key. A door device with the
/// venue's public key checks a code offline; the server checks it the same
/// way and then whether the ticket is still good.
enum TicketCodes {
    static let prefix = "BT1."

    struct Payload: Equatable {
        var ticket: UUID
        var event: UUID
    }

    static func message(_ payload: Payload) -> Data {
        Data("based-ticket-v1".utf8) + bytes(payload.ticket) + bytes(payload.event)
    }

    static func make(_ payload: Payload, key: Curve25519.Signing.PrivateKey) throws -> String {
        let signature = try key.signature(for: message(payload))
        return prefix + (bytes(payload.ticket) + bytes(payload.event) + signature).base64URLEncodedString()
    }

    /// The payload of a code signed by `key`, or nil for anything forged, altered or malformed.
    static func verify(_ code: String, key: Curve25519.Signing.PublicKey) -> Payload? {
        guard code.hasPrefix(prefix), code.count < 200, let data = Data(base64URLEncoded: String(code.dropFirst(prefix.count))),
              data.count == 96 else { return nil }
        let payload = Payload(ticket: uuid(data.prefix(16)), event: uuid(data.dropFirst(16).prefix(16)))
        guard key.isValidSignature(data.suffix(64), for: message(payload)) else { return nil }
        return payload
    }

    static func bytes(_ id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }

    static func uuid(_ data: Data) -> UUID {
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: data.prefix(16)) }
        return UUID(uuid: value)
    }
}
