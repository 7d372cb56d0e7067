import Foundation

/// Text cut into the words a word list is compared with, each in a canonical
/// spelling that undoes the usual ways of hiding a word:
///
/// - case and accents: "FÜCK" and "fuck" are one word;
/// - leetspeak inside a word: "sh1t", "a$$", "@ss" (digits count only in a
///   word that has a letter, so "2026" stays a number);
/// - separators inside a word: "f.u.c.k", "f_u_c_k", and single letters
///   spaced out, "f u c k";
/// - zero-width and other invisible characters, which are dropped;
/// - Cyrillic look-alikes mixed into a Latin word ("shіt" with a Cyrillic і);
/// - repeated letters: each word keeps its letters with runs collapsed
///   ("fuuuck" is "fuck" with a run of three u's), and a list word matches
///   when every run is at least as long as the list's ("ass" needs two s's,
///   so "as" never matches it).
///
/// Each letter remembers where in the original text it came from, so a match
/// can be masked in place.
public struct Word: Sendable, Equatable {
    /// The letters with runs collapsed: "fuuuck" → "fuck".
    public let key: String
    /// How long each run of `key` was.
    public let runs: [Int]
    /// The original text's range each run came from.
    let sources: [Range<String.Index>]

    /// Whether this word's runs are at least `required`, position by position from `offset`.
    func covers(_ required: [Int], at offset: Int = 0) -> Bool {
        guard offset + required.count <= runs.count else { return false }
        for (index, need) in required.enumerated() where runs[offset + index] < need {
            return false
        }
        return true
    }
}

public enum Words {
    /// The words of `text` in canonical spelling.
    public static func split(_ text: String) -> [Word] {
        var raw = rawWords(text)
        raw = mergeSpacedLetters(raw)
        return raw.compactMap(canonical)
    }

    // MARK: Units

    enum Kind: Equatable { case letter, digit, symbol, space, punctuation }

    struct Unit {
        var kind: Kind
        /// Lower-case letters with accents removed (a letter can spell out as two: "ß" → "ss").
        var letters: [Unicode.Scalar]
        var source: Range<String.Index>
        /// Whether a Latin-script letter (for look-alike folding).
        var latin = false
        var cyrillic = false
    }

    struct RawWord {
        var units: [Unit]
        /// Whether a single space (and nothing else) followed it.
        var singleSpaceAfter = false
    }

    static func unit(_ scalar: Unicode.Scalar, source: Range<String.Index>) -> Unit? {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .format, .nonspacingMark, .enclosingMark:
            // Zero-width joiners, soft hyphens, combining marks: invisible, dropped.
            return nil
        case .control where !properties.isWhitespace:
            return nil
        default:
            break
        }
        if scalar.isASCII {
            let value = scalar.value
            switch value {
            case 0x61...0x7A: return Unit(kind: .letter, letters: [scalar], source: source, latin: true)
            case 0x41...0x5A: return Unit(kind: .letter, letters: [Unicode.Scalar(value + 32)!], source: source, latin: true)
            case 0x30...0x39: return Unit(kind: .digit, letters: [scalar], source: source)
            default:
                if properties.isWhitespace { return Unit(kind: .space, letters: [], source: source) }
                if leet[scalar] != nil { return Unit(kind: .symbol, letters: [scalar], source: source) }
                return Unit(kind: .punctuation, letters: [], source: source)
            }
        }
        if properties.isWhitespace { return Unit(kind: .space, letters: [], source: source) }
        if leet[scalar] != nil { return Unit(kind: .symbol, letters: [scalar], source: source) }
        if let spelled = spelledOut[scalar] {
            return Unit(kind: .letter, letters: Array(spelled.unicodeScalars), source: source, latin: true)
        }
        guard properties.isAlphabetic else {
            // Symbols and emoji separate words (a list's emoji are not matched).
            return Unit(kind: .punctuation, letters: [], source: source)
        }
        var letters: [Unicode.Scalar] = []
        for part in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars {
            let category = part.properties.generalCategory
            if category == .nonspacingMark || category == .enclosingMark { continue }
            letters.append(contentsOf: part.properties.lowercaseMapping.unicodeScalars)
        }
        let isLatin = letters.allSatisfy { $0.isASCII }
        let isCyrillic = (0x0400...0x04FF).contains(scalar.value)
        return Unit(kind: .letter, letters: letters, source: source, latin: isLatin, cyrillic: isCyrillic)
    }

    /// Words as written: runs of letters, digits and look-alike symbols;
    /// punctuation between two of them joins them ("f.u.c.k"), spaces and
    /// other punctuation separate.
    static func rawWords(_ text: String) -> [RawWord] {
        var units: [Unit] = []
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let next = scalars.index(after: index)
            if let unit = unit(scalars[index], source: index..<next) { units.append(unit) }
            index = next
        }
        var words: [RawWord] = []
        var current: [Unit] = []
        var position = 0
        func isWordy(_ unit: Unit) -> Bool { unit.kind == .letter || unit.kind == .digit || unit.kind == .symbol }
        while position < units.count {
            let unit = units[position]
            if isWordy(unit) {
                current.append(unit)
                position += 1
                continue
            }
            if unit.kind == .punctuation, !current.isEmpty {
                // Punctuation joins only between two word characters: skip a run of it and look.
                var after = position
                while after < units.count, units[after].kind == .punctuation { after += 1 }
                if after < units.count, isWordy(units[after]), current.last?.kind == .letter || units[after].kind == .letter {
                    position = after
                    continue
                }
            }
            if !current.isEmpty {
                let singleSpace = unit.kind == .space && unit.letters.isEmpty
                    && (position + 1 < units.count && isWordy(units[position + 1]))
                    && text.unicodeScalars[unit.source.lowerBound] == " "
                words.append(RawWord(units: current, singleSpaceAfter: singleSpace))
                current = []
            }
            position += 1
        }
        if !current.isEmpty { words.append(RawWord(units: current)) }
        return words
    }

    /// "f u c k": three or more single letters, one space apart, are one word.
    static func mergeSpacedLetters(_ words: [RawWord]) -> [RawWord] {
        var merged: [RawWord] = []
        var index = 0
        func isSingle(_ word: RawWord) -> Bool { word.units.count == 1 && word.units[0].kind != .digit }
        while index < words.count {
            var end = index
            while end < words.count, isSingle(words[end]), end == index || words[end - 1].singleSpaceAfter {
                end += 1
            }
            if end - index >= 3 {
                var word = RawWord(units: words[index..<end].flatMap(\.units))
                word.singleSpaceAfter = words[end - 1].singleSpaceAfter
                merged.append(word)
                index = end
            } else {
                merged.append(words[index])
                index += 1
            }
        }
        return merged
    }

    // MARK: Canonical spelling

    /// Leetspeak: what a digit or symbol stands for inside a word. "l" and
    /// "1", "!", "|" all read as "i", on both sides of a comparison.
    static let leet: [Unicode.Scalar: Unicode.Scalar] = [
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e",
    ]

    /// Cyrillic letters that look like Latin ones, folded only inside a word that also has Latin letters.
    static let lookAlikes: [Unicode.Scalar: Unicode.Scalar] = [
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "к": "k", "і": "i",
        "ѕ": "s", "ј": "j", "һ": "h", "ԁ": "d", "т": "t", "м": "m", "в": "b", "н": "h",
    ]

    static let spelledOut: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
        "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ł": "l", "Ł": "l", "ı": "i",
    ]

    static func canonical(_ word: RawWord) -> Word? {
        let units = word.units
        guard units.contains(where: { $0.kind == .letter }) else { return nil }
        // "!", "|" and "+" at the end ("shit!", "c++") are punctuation, not
        // letters; "$" and "@" there are letters ("a$$").
        var last = units.count - 1
        while last >= 0, units[last].kind == .symbol, ["!", "|", "+"].contains(units[last].letters[0]) { last -= 1 }
        let mixed = units.contains(where: \.latin) && units.contains(where: \.cyrillic)
        var letters: [(Unicode.Scalar, Range<String.Index>)] = []
        for unit in units[...last] {
            switch unit.kind {
            case .digit, .symbol:
                letters.append((leet[unit.letters[0]] ?? unit.letters[0], unit.source))
            default:
                for letter in unit.letters {
                    let folded = mixed ? (lookAlikes[letter] ?? letter) : letter
                    letters.append((folded, unit.source))
                }
            }
        }
        var key = String.UnicodeScalarView()
        var runs: [Int] = []
        var sources: [Range<String.Index>] = []
        var previous: Unicode.Scalar?
        for (letter, source) in letters {
            let letter: Unicode.Scalar = letter == "l" ? "i" : letter
            if letter == previous {
                runs[runs.count - 1] += 1
                sources[sources.count - 1] = sources[sources.count - 1].lowerBound..<source.upperBound
            } else {
                key.append(letter)
                runs.append(1)
                sources.append(source)
                previous = letter
            }
        }
        return Word(key: String(key), runs: runs, sources: sources)
    }
}
