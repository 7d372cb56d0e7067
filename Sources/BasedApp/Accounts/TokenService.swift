import Crypto
import Foundation
import JWTKit

/// The claims of an access token.
struct AccessClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    /// The session (refresh-token family) the token belongs to.
    var sid: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        // Expiry is checked by `TokenService.verify` so it can say "expired" precisely.
    }
}

/// Signs and verifies access tokens (HS256 JWTs) and makes refresh tokens.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    let accessLifetime: Duration
    let refreshLifetime: Duration
    let reuseGrace: Duration

    public init(secret: String, accessLifetime: Duration, refreshLifetime: Duration, reuseGrace: Duration = .zero) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.reuseGrace = reuseGrace
    }

    func accessToken(userID: UUID, sessionID: UUID, now: Date = Date()) async throws -> (token: String, expiresAt: Date) {
        let expiresAt = now.addingTimeInterval(accessLifetime.seconds)
        let claims = AccessClaims(
            sub: .init(value: userID.uuidString.lowercased()),
            sid: sessionID.uuidString.lowercased(),
            iat: .init(value: now),
            exp: .init(value: expiresAt)
        )
        return (try await keys.sign(claims), expiresAt)
    }

    /// The user and session an access token names, or a 401 that says why not.
    func verify(_ token: String, now: Date = Date()) async throws -> (userID: UUID, sessionID: UUID) {
        let claims = try await verifyWithExpiry(token, now: now)
        return (claims.userID, claims.sessionID)
    }

    /// As `verify`, and when the token expires (a socket closes then).
    func verifyWithExpiry(_ token: String, now: Date = Date()) async throws -> (userID: UUID, sessionID: UUID, expiresAt: Date) {
        // Only HS256 is ever issued; refuse any other `alg` before looking further.
        guard Self.algorithm(of: token) == "HS256" else {
            throw AppError.unauthorized("The access token is not a valid Based token.", code: "invalid_token")
        }
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch {
            throw AppError.unauthorized("The access token is not a valid Based token.", code: "invalid_token")
        }
        guard claims.exp.value > now else {
            throw AppError.unauthorized("The access token has expired; refresh it.", code: "token_expired")
        }
        guard let userID = UUID(uuidString: claims.sub.value), let sessionID = UUID(uuidString: claims.sid) else {
            throw AppError.unauthorized("The access token is not a valid Based token.", code: "invalid_token")
        }
        return (userID, sessionID, claims.exp.value)
    }

    static func algorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
              let data = Data(base64URLEncoded: String(header)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }

    /// A new opaque refresh token (256 random bits) and the hash that is stored.
    static func newRefreshToken() -> (token: String, hash: String) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token = bytes.base64URLEncodedString()
        return (token, hash(refreshToken: token))
    }

    static func hash(refreshToken: String) -> String {
        Digest.sha256Hex(refreshToken)
    }
}

extension Duration {
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension Data {
    init?(base64URLEncoded string: String) {
        var base64 = string.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    /// Base64url without padding (RFC 4648 §5), written byte by byte: it
    /// runs on every signed stream request, where Foundation's string
    /// replacing cost more than the HMAC it encodes.
    func base64URLEncodedString() -> String {
        let alphabet = Data.base64URLAlphabet
        return withUnsafeBytes { (input: UnsafeRawBufferPointer) -> String in
            let count = input.count
            return String(unsafeUninitializedCapacity: (count * 4 + 2) / 3) { output in
                var written = 0
                var index = 0
                while index + 3 <= count {
                    let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    output[written] = alphabet[Int(chunk >> 18 & 63)]
                    output[written + 1] = alphabet[Int(chunk >> 12 & 63)]
                    output[written + 2] = alphabet[Int(chunk >> 6 & 63)]
                    output[written + 3] = alphabet[Int(chunk & 63)]
                    written += 4
                    index += 3
                }
                let rest = count - index
                if rest > 0 {
                    let chunk = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
                    output[written] = alphabet[Int(chunk >> 18 & 63)]
                    output[written + 1] = alphabet[Int(chunk >> 12 & 63)]
                    written += 2
                    if rest == 2 {
                        output[written] = alphabet[Int(chunk >> 6 & 63)]
                        written += 1
                    }
                }
                return written
            }
        }
    }

    private static let base64URLAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}
