import Foundation

/// Checks on user-supplied text. Each returns the problem, or nil when the value is fine.
enum Validation {
    static func username(_ value: String) -> String? {
        guard (3...30).contains(value.count) else { return "must be 3–30 characters" }
        let allowed = value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == ".")
        }
        guard allowed else { return "may contain only letters a–z, digits, underscores and dots" }
        guard !value.hasPrefix("."), !value.hasSuffix("."), !value.contains("..") else {
            return "must not start or end with a dot or have two dots in a row"
        }
        return nil
    }

    static func email(_ value: String) -> String? {
        guard value.utf8.count <= 254 else { return "must be at most 254 bytes" }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !value.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) || CharacterSet.controlCharacters.contains($0) })
        else { return "must be an email address like name@example.org" }
        return nil
    }

    /// Free text of `min`…`max` characters without control characters
    /// (newlines and tabs allowed where `multiline`).
    static func text(_ value: String, min: Int = 0, max: Int, multiline: Bool = false) -> String? {
        guard value.count >= min else { return min == 1 ? "must not be empty" : "must be at least \(min) characters" }
        guard value.count <= max else { return "must be at most \(max) characters" }
        let bad = value.unicodeScalars.contains { scalar in
            if multiline && (scalar == "\n" || scalar == "\t") { return false }
            return CharacterSet.controlCharacters.contains(scalar) && scalar != "\u{200D}"
        }
        return bad ? "must not contain control characters" : nil
    }

    static func url(_ value: String) -> String? {
        guard value.count <= 500 else { return "must be at most 500 characters" }
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              components.host?.isEmpty == false
        else { return "must be an http or https URL" }
        return nil
    }
}
