import Foundation

/// Finds listed words in text, however they are disguised (see `Words`).
///
/// A list is lines of text, one term per line, in the format of the files
/// in `Wordlists/` that a community edits:
///
///     word            refused in names, masked in messages
///     two words       a phrase: the words in a row
///     ? word          borderline: allowed, flagged for review
///     ! word          never matched, even if another list has it
///     # comment
///
/// A whole word (or phrase) on the list is a match. A listed word of four or
/// more letters inside a longer word ("Scunthorpe") is only borderline: it
/// is flagged, never refused or masked.
public struct WordFilter: Sendable {
    public enum Tier: Int, Sendable, Comparable {
        case borderline, blocked
        public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Match: Sendable, Equatable {
        /// The term as the list spells it.
        public let term: String
        public let tier: Tier
        /// Whether the whole word matched (false: the term is inside a longer word).
        public let wholeWord: Bool
        /// Where in the scanned text, from the first letter to the last.
        public let range: Range<String.Index>
    }

    struct Entry: Sendable {
        let term: String
        let tier: Tier
        /// Each word's key and runs.
        let words: [(key: String, runs: [Int])]
    }

    /// Single-word entries by key; phrases by their first word's key.
    private var single: [String: [Entry]] = [:]
    private var phrases: [String: [Entry]] = [:]
    private var allowed: Set<String> = []
    /// Lengths of single-word keys that may match inside longer words.
    private var innerLengths: Set<Int> = []
    static let shortestInner = 4

    public init() {}

    /// A filter of `lists`' lines, in order (a later `!` line allows what an earlier one listed).
    public init(lists: [String]) {
        for list in lists { add(list) }
    }

    public var termCount: Int { single.values.reduce(0) { $0 + $1.count } + phrases.values.reduce(0) { $0 + $1.count } }

    public mutating func add(_ list: String) {
        for rawLine in list.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var tier = Tier.blocked
            if line.hasPrefix("!") {
                let words = Words.split(String(line.dropFirst()))
                if !words.isEmpty { allowed.insert(words.map(\.key).joined(separator: " ")) }
                continue
            }
            if line.hasPrefix("?") {
                tier = .borderline
                line = line.dropFirst().trimmingCharacters(in: .whitespaces)
            }
            let words = Words.split(line)
            // A one-letter word ("a", from a line the filter cannot read) would block ordinary text.
            guard let first = words.first, words.count > 1 || first.key.unicodeScalars.count > 1 else { continue }
            let entry = Entry(term: line, tier: tier, words: words.map { ($0.key, $0.runs) })
            // A later line for the same term replaces an earlier one ("? sex" after a list that blocks "sex").
            let same: (Entry) -> Bool = { $0.words.map(\.key) == entry.words.map(\.key) && $0.words.map(\.runs) == entry.words.map(\.runs) }
            if words.count == 1 {
                single[first.key, default: []].removeAll(where: same)
                single[first.key, default: []].append(entry)
                if first.key.unicodeScalars.count >= Self.shortestInner { innerLengths.insert(first.key.unicodeScalars.count) }
            } else {
                phrases[first.key, default: []].removeAll(where: same)
                phrases[first.key, default: []].append(entry)
            }
        }
    }

    /// Every match in `text`, in order.
    public func matches(in text: String) -> [Match] {
        let words = Words.split(text)
        var found: [Match] = []
        for (index, word) in words.enumerated() {
            if allowed.contains(word.key) { continue }
            var matchedWhole = false
            for entry in single[word.key] ?? [] where word.covers(entry.words[0].runs) {
                found.append(Match(term: entry.term, tier: entry.tier, wholeWord: true, range: word.sources.first!.lowerBound..<word.sources.last!.upperBound))
                matchedWhole = true
                break
            }
            for entry in phrases[word.key] ?? [] where phraseMatches(entry, words: words, at: index) {
                let last = words[index + entry.words.count - 1]
                found.append(Match(term: entry.term, tier: entry.tier, wholeWord: true, range: word.sources.first!.lowerBound..<last.sources.last!.upperBound))
                matchedWhole = true
                break
            }
            if !matchedWhole, let inner = innerMatch(word) { found.append(inner) }
        }
        return found
    }

    private func phraseMatches(_ entry: Entry, words: [Word], at index: Int) -> Bool {
        guard index + entry.words.count <= words.count else { return false }
        for (offset, part) in entry.words.enumerated() {
            let word = words[index + offset]
            guard word.key == part.key, word.covers(part.runs) else { return false }
        }
        return !allowed.contains(words[index..<(index + entry.words.count)].map(\.key).joined(separator: " "))
    }

    /// The first listed word of four or more letters inside `word`, as borderline.
    private func innerMatch(_ word: Word) -> Match? {
        let letters = Array(word.key.unicodeScalars)
        guard letters.count > Self.shortestInner, !innerLengths.isEmpty else { return nil }
        for start in 0..<letters.count {
            for length in innerLengths.sorted(by: >) where start + length <= letters.count && length < letters.count {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: letters[start..<(start + length)])
                guard let entries = single[String(view)] else { continue }
                for entry in entries where word.covers(entry.words[0].runs, at: start) {
                    let range = word.sources[start].lowerBound..<word.sources[start + length - 1].upperBound
                    return Match(term: entry.term, tier: .borderline, wholeWord: false, range: range)
                }
            }
        }
        return nil
    }

    /// What to do with `text` under a field's policy.
    public func scan(_ text: String) -> Scan {
        Scan(text: text, matches: matches(in: text))
    }
}

/// The result of scanning one text.
public struct Scan: Sendable {
    public let text: String
    public let matches: [WordFilter.Match]

    /// The worst match: nil when the text is clean.
    public var worst: WordFilter.Tier? { matches.map(\.tier).max() }

    public var isClean: Bool { matches.isEmpty }

    /// The text with every blocked match's characters replaced by "*"
    /// (letters, and the separators between them; whitespace stays).
    public var masked: String {
        let blocked = matches.filter { $0.tier == .blocked }.map(\.range)
        guard !blocked.isEmpty else { return text }
        var out = String.UnicodeScalarView()
        var index = text.unicodeScalars.startIndex
        for range in blocked.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= index {
            out.append(contentsOf: text.unicodeScalars[index..<range.lowerBound])
            for scalar in text.unicodeScalars[range] {
                let category = scalar.properties.generalCategory
                if scalar.properties.isWhitespace {
                    out.append(scalar)
                } else if category != .nonspacingMark && category != .enclosingMark && category != .format {
                    out.append("*")
                }
            }
            index = range.upperBound
        }
        out.append(contentsOf: text.unicodeScalars[index...])
        return String(out)
    }
}
