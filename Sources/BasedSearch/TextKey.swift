import Foundation

/// The form of text that search compares: lower case, accents and
/// punctuation gone, words separated by single spaces. "Björk" and "bjork",
/// "AC/DC" and "ac dc", "Sigur Rós" and "sigur ros" have the same key.
public enum TextKey {
    /// The normalised text of `text`, at most `limit` bytes of it.
    public static func normalize(_ text: String, limit: Int = 512) -> String {
        var out = [UInt8]()
        out.reserveCapacity(min(text.utf8.count, limit))
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if out.count >= limit { break }
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    append(byte, to: &out, pendingSpace: &pendingSpace)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    append(byte + 32, to: &out, pendingSpace: &pendingSpace)
                case UInt8(ascii: "'"):
                    // "Don't" is one word, not "don t".
                    continue
                default:
                    pendingSpace = !out.isEmpty
                }
                continue
            }
            appendFolded(scalar, to: &out, pendingSpace: &pendingSpace)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The words of already normalised text.
    public static func words(_ key: String) -> [Substring] {
        key.split(separator: " ")
    }

    private static func append(_ byte: UInt8, to out: inout [UInt8], pendingSpace: inout Bool) {
        if pendingSpace {
            out.append(UInt8(ascii: " "))
            pendingSpace = false
        }
        out.append(byte)
    }

    /// A non-ASCII scalar: letters lose their marks (through canonical
    /// decomposition), a few letters that do not decompose are spelled out,
    /// other letters and digits (Cyrillic, Arabic, Han…) stay as they are,
    /// and everything else separates words.
    private static func appendFolded(_ scalar: Unicode.Scalar, to out: inout [UInt8], pendingSpace: inout Bool) {
        if let spelled = spelledOut[scalar] {
            for byte in spelled.utf8 { append(byte, to: &out, pendingSpace: &pendingSpace) }
            return
        }
        let properties = scalar.properties
        if properties.generalCategory == .nonspacingMark || properties.generalCategory == .enclosingMark
            || properties.generalCategory == .format
        {
            // Combining accents and zero-width characters belong to the word they are in.
            return
        }
        guard properties.isAlphabetic || properties.numericType != nil else {
            pendingSpace = !out.isEmpty
            return
        }
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping
        for part in decomposed.unicodeScalars {
            let category = part.properties.generalCategory
            if category == .nonspacingMark || category == .enclosingMark { continue }
            let lowered = part.properties.lowercaseMapping
            for byte in lowered.utf8 { append(byte, to: &out, pendingSpace: &pendingSpace) }
        }
    }

    private static let spelledOut: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
        "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ł": "l", "Ł": "l", "ı": "i",
        // A typographic apostrophe joins like a straight one.
        "\u{2019}": "",
    ]
}
