import Crypto
import Foundation

/// Signs stream URLs so players and caches can fetch a track's audio without
/// an Authorization header: an HMAC-SHA256 over the track id and expiry.
public struct StreamSigner: Sendable {
    private let key: SymmetricKey

    /// `purpose` keeps the signatures of different links apart (a data export's link is no stream's).
    public init(secret: String, purpose: String = "stream") {
        key = SymmetricKey(data: SHA256.hash(data: Data(("based-\(purpose):" + secret).utf8)))
    }

    /// `exp` and `sig` query values valid for `lifetime`.
    public func sign(track: UUID, lifetime: Duration, now: Date = Date()) -> (expires: Int, signature: String) {
        let expires = Int(now.timeIntervalSince1970 + lifetime.seconds)
        return (expires, signature(track: track, expires: expires))
    }

    public func verify(track: UUID, expires: Int, signature: String, now: Date = Date()) -> Bool {
        guard Double(expires) > now.timeIntervalSince1970 else { return false }
        let expected = self.signature(track: track, expires: expires)
        // Constant-time comparison.
        guard expected.utf8.count == signature.utf8.count else { return false }
        return zip(expected.utf8, signature.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func signature(track: UUID, expires: Int) -> String {
        let message = Data("\(track.uuidString.lowercased()).\(expires)".utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64URLEncodedString()
    }
}
