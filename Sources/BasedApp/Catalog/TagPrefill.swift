import Foundation

/// Metadata read from a file's tags and name, to prefill a new track.
struct TagPrefill: Sendable {
    var title: String
    var featured: [String]
    var album: String?
    var trackNumber: Int?
    var discNumber: Int?
    var year: Int?
    var genre: String?
    /// The uploaded file's name, reduced to its last component and printable characters.
    var filename: String?

    init(_ tags: [String: String], filename rawName: String?) {
        filename = rawName.map(Self.sanitize).flatMap { $0.isEmpty ? nil : $0 }
        let fromName = filename.map { ($0 as NSString).deletingPathExtension }
        title = Self.clean(tags["title"]) ?? fromName.flatMap { $0.isEmpty ? nil : $0 } ?? "Untitled"
        featured = []
        if let artist = Self.clean(tags["artist"]) {
            for marker in [" feat. ", " ft. ", " featuring ", " feat "] {
                if let range = artist.range(of: marker, options: .caseInsensitive) {
                    featured = artist[range.upperBound...].components(separatedBy: CharacterSet(charactersIn: ",&"))
                        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    break
                }
            }
        }
        album = Self.clean(tags["album"])
        trackNumber = Self.leadingNumber(tags["track"]).flatMap { (1...999).contains($0) ? $0 : nil }
        discNumber = Self.leadingNumber(tags["disc"]).flatMap { (1...99).contains($0) ? $0 : nil }
        year = Self.leadingNumber(tags["date"] ?? tags["year"]).flatMap { (1000...2999).contains($0) ? $0 : nil }
        genre = Self.clean(tags["genre"]).map { String($0.prefix(60)) }
    }

    /// `../../etc/passwd` → `passwd`; control characters dropped; 200 characters at most.
    static func sanitize(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let printable = String(String.UnicodeScalarView(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
        let trimmed = printable.trimmingCharacters(in: .whitespaces)
        return trimmed == "." || trimmed == ".." ? "" : String(trimmed.prefix(200))
    }

    static func clean(_ value: String?) -> String? {
        guard let value else { return nil }
        let text = String(String.UnicodeScalarView(value.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : String(text.prefix(200))
    }

    static func leadingNumber(_ value: String?) -> Int? {
        guard let value else { return nil }
        return Int(value.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
    }
}
