import SQLKit
import Synchronization

extension SQLRowDecoder.KeyDecodingStrategy {
    /// What `.convertFromSnakeCase` does (a property `artistId` reads the
    /// column `artist_id`), without its cost: SQLKit converts every key of
    /// every row it decodes through `Character` properties, which profiling
    /// found to be a sixth of a search request. `ColumnNames.column(for:)`
    /// follows SQLKit's rule byte by byte for ASCII names.
    static let snakeCaseColumns = Self.custom { path in
        SomeCodingKey(stringValue: ColumnNames.cached(path.last?.stringValue ?? ""))
    }
}

/// Property names to column names, by SQLKit's `convertedToSnakeCase` rule:
/// a word starts at each upper-case letter; a run of upper-case letters
/// followed by a lower-case one is a word of its own up to the last of them
/// (`myURLValue` → `my`, `URL`, `Value`); each word loses the capital of its
/// first letter only, and words are joined by `_` (`my_uRL_value`).
public enum ColumnNames {
    /// Every property name converted so far: a few hundred, each decoded row asks again.
    private static let known = Mutex<[String: String]>([:])

    static func cached(_ key: String) -> String {
        if let column = known.withLock({ $0[key] }) { return column }
        let column = column(for: key)
        known.withLock { $0[key] = column }
        return column
    }

    public static func column(for key: String) -> String {
        let utf8 = Array(key.utf8)
        guard !utf8.isEmpty else { return key }
        if utf8.allSatisfy({ $0 < 0x80 }) {
            let upper: ClosedRange<UInt8> = 65...90, lower: ClosedRange<UInt8> = 97...122
            let column = snakeCase(utf8, separator: UInt8(ascii: "_"), isUpper: upper.contains, isLower: lower.contains) { upper.contains($0) ? $0 + 32 : $0 }
            return String(decoding: column, as: UTF8.self)
        }
        let column = snakeCase(Array(key), separator: "_", isUpper: \.isUppercase, isLower: \.isLowercase) { Character($0.lowercased()) }
        return String(column)
    }

    private static func snakeCase<Element>(
        _ text: [Element], separator: Element, isUpper: (Element) -> Bool, isLower: (Element) -> Bool, lowered: (Element) -> Element
    ) -> [Element] {
        var words: [Range<Int>] = []
        var wordStart = 0
        var search = 1
        while let upper = text[search...].firstIndex(where: isUpper) {
            words.append(wordStart..<upper)
            wordStart = upper
            guard let lower = text[upper...].firstIndex(where: isLower) else { break }
            search = lower
            if lower != upper + 1 {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
        }
        words.append(wordStart..<text.count)
        var out: [Element] = []
        out.reserveCapacity(text.count + words.count)
        for (index, word) in words.enumerated() {
            if index > 0 { out.append(separator) }
            guard !word.isEmpty else { continue }
            out.append(lowered(text[word.lowerBound]))
            out.append(contentsOf: text[(word.lowerBound + 1)..<word.upperBound])
        }
        return out
    }
}
