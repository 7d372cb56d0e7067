import Crypto
import Foundation

/// Hex digests of secrets that are stored only as their hash (refresh tokens,
/// API keys, calendar feed secrets).
enum Digest {
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
