import Crypto
import Foundation

/// An append-only log whose entries are hash-chained: each entry's hash
/// covers its text and the hash before it, so changing, removing or
/// reordering any entry breaks every link after it.
///
/// `hash(n) = SHA-256(hash(n-1) ‖ "\n" ‖ text(n))` in lowercase hex, with 64
/// zeros before the first entry; entries are numbered from 1 without gaps.
public enum AuditChain {
    /// What comes before the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, text: String) -> String {
        SHA256.hash(data: Data((previous + "\n" + text).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// One stored entry, as read back.
    public struct Link: Sendable, Equatable {
        public var seq: Int
        public var text: String
        public var previous: String
        public var hash: String

        public init(seq: Int, text: String, previous: String, hash: String) {
            self.seq = seq
            self.text = text
            self.previous = previous
            self.hash = hash
        }
    }

    /// Where a chain breaks first.
    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case gap, previousMismatch = "previous hash mismatch", hashMismatch = "hash mismatch" }
        public var seq: Int
        public var kind: Kind
        public var description: String { "entry \(seq): \(kind.rawValue)" }

        public init(seq: Int, kind: Kind) {
            self.seq = seq
            self.kind = kind
        }
    }

    /// Checks links in order, continuing from `after` (the last verified
    /// entry's seq and hash, or the start); returns the last one's, or the first break.
    public static func verify(
        _ links: some Sequence<Link>, after: (seq: Int, hash: String) = (0, genesis)
    ) -> Result<(seq: Int, hash: String), Break> {
        var last = after
        for link in links {
            guard link.seq == last.seq + 1 else { return .failure(Break(seq: last.seq + 1, kind: .gap)) }
            guard link.previous == last.hash else { return .failure(Break(seq: link.seq, kind: .previousMismatch)) }
            guard link.hash == hash(previous: link.previous, text: link.text) else { return .failure(Break(seq: link.seq, kind: .hashMismatch)) }
            last = (link.seq, link.hash)
        }
        return .success(last)
    }
}
