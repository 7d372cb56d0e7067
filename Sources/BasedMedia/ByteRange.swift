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
        guard let header, header.hasPrefix("bytes=") else { return .full }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .full }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), first.count <= 18, last.count <= 18 else { return .full }
        switch (Int(first), Int(last)) {
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
}

extension Character {
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
