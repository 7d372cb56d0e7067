import Foundation

/// An HTTP `Range: bytes=…` request resolved against a file size (RFC 9110 §14).
public enum ByteRange: Equatable, Sendable {
    /// No usable range: send the whole file with 200.
    case full
    /// One satisfiable range: send it with 206.
    case partial(ClosedRange<Int>)
    /// A syntactically valid range that lies past the end: 416.
    case unsatisfiable

    /// Resolves `header` for a file of `size` bytes. A malformed header, a
    /// unit other than bytes, or several ranges are answered with the whole
    /// file, as RFC 9110 allows a server to ignore them.
    public static func resolve(_ header: String?, size: Int) -> ByteRange {
        guard let header else { return .full }
        // Read as bytes: this runs on every range request, where Foundation's
        // trimming and Character comparisons cost more than the rest of it.
        var utf8 = Substring(header).utf8[...]
        guard utf8.starts(with: "bytes=".utf8) else { return .full }
        utf8 = utf8.dropFirst(6)
        guard !utf8.contains(UInt8(ascii: ",")), let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else { return .full }
        guard let first = Self.number(utf8[..<dash]), let last = Self.number(utf8[utf8.index(after: dash)...]) else { return .full }
        switch (first, last) {
        case (let start?, let end?):
            guard start <= end else { return .full }
            guard start < size else { return .unsatisfiable }
            return .partial(start...min(end, size - 1))
        case (let start?, nil):
            guard start < size else { return .unsatisfiable }
            return .partial(start...(size - 1))
        case (nil, let suffix?):
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - suffix)...(size - 1))
        case (nil, nil):
            return .full
        }
    }

    /// Decimal digits between optional spaces or tabs: .some(nil) when there are none, nil when malformed (or over 18 digits).
    private static func number(_ bytes: Substring.UTF8View.SubSequence) -> Int?? {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let digits = bytes.drop(while: isBlank).reversed().drop(while: isBlank)
        guard digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits.reversed() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return .some(digits.isEmpty ? nil : value)
    }
}

extension Character {
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
