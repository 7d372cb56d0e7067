import Foundation

/// The word lists shipped with Based (`Wordlists/`): one file per language,
/// the never-matched words, and Based's own adjustments.
public enum WordLists {
    /// The languages with a shipped list, by ISO 639-1 code.
    public static let languages = ["cs", "da", "de", "en", "es", "fi", "fr", "hu", "it", "nl", "no", "pl", "pt", "ru", "sv", "tr"]

    /// The texts of the lists for `languages`, then the allowed words and the
    /// adjustments, in the order a `WordFilter` should read them.
    public static func shipped(languages: [String]) throws -> [String] {
        let unknown = languages.filter { !Self.languages.contains($0) }
        guard unknown.isEmpty else { throw UnknownLanguage(codes: unknown) }
        return try (languages + ["allowed", "adjustments"]).map { name in
            guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Wordlists") else {
                throw MissingList(name: name)
            }
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    public struct UnknownLanguage: Error, CustomStringConvertible {
        public let codes: [String]
        public var description: String { "no word list for \(codes.joined(separator: ", ")); there are lists for \(WordLists.languages.joined(separator: ", "))" }
    }

    public struct MissingList: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "the word list \(name).txt is missing from BasedModeration's resources" }
    }
}
