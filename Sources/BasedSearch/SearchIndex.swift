import Foundation

/// What a search result is.
public enum SearchKind: String, Sendable, CaseIterable, Codable {
    case artist, track, release, playlist, venue, event, user
}

/// One searchable thing: its name, the other names it is found by (a
/// track's artist and "feat." credits, a venue's city), and how popular it is.
public struct SearchDocument: Sendable, Equatable {
    public var id: UUID
    public var kind: SearchKind
    public var title: String
    public var alsoKnownAs: [String]
    /// Breaks ties between equally relevant results (plays, followers…).
    public var popularity: Double
    /// The user it belongs to, so a viewer's blocks hide it.
    public var owner: UUID?

    public init(id: UUID, kind: SearchKind, title: String, alsoKnownAs: [String] = [], popularity: Double = 0, owner: UUID? = nil) {
        self.id = id
        self.kind = kind
        self.title = title
        self.alsoKnownAs = alsoKnownAs
        self.popularity = popularity
        self.owner = owner
    }
}

/// How well a result matched, best last.
public enum MatchTier: Int, Sendable, Comparable, Codable {
    /// Every word within a typo or two of a word of the name.
    case fuzzy = 1
    /// Every word inside a word of the name.
    case contained
    /// Every word starts a word of the name ("ros" in "Sigur Rós").
    case wordPrefix
    /// The name starts with the query.
    case prefix
    /// The name is the query.
    case exact

    public static func < (lhs: MatchTier, rhs: MatchTier) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One result: the thing, how it matched, and the score it was ranked by.
public struct SearchHit: Sendable, Equatable {
    public var id: UUID
    public var kind: SearchKind
    /// The document's title and first other name, as given.
    public var title: String
    public var subtitle: String?
    public var tier: MatchTier
    /// Whether the name itself matched (not only another name it is found by).
    public var onTitle: Bool
    public var score: Double
}

/// An in-memory inverted index over the names of searchable things: words
/// found by exact word, by prefix, inside a word, and within one or two typos.
///
/// Ranking: the tier (exact > prefix > word prefix > contained > fuzzy), then
/// a match on the name over one on another name, then popularity.
///
/// Words are terms; each term lists the documents that use it. Terms are also
/// kept sorted (for prefixes) and listed under their trigrams (for typos and
/// words inside words). A changed document is added again under a new slot
/// and its old slot is marked dead; dead slots are dropped by `compact()`,
/// which runs by itself once a quarter of the slots are dead.
public struct SearchIndex: Sendable {
    struct Slot: Sendable {
        var id: UUID
        var kind: SearchKind
        var owner: UUID?
        var popularity: Double
        /// As given, for showing (suggestions need no other look-up).
        var title: String
        var subtitle: String?
        var titleKey: String
        var otherKeys: [String]
        /// The terms of the title first, then of the other names.
        var terms: [Int32]
        var titleTermCount: Int
        var alive: Bool
    }

    private var slots: [Slot] = []
    private var slotOfID: [UUID: Int32] = [:]
    private var deadSlots = 0

    private var termIDs: [[UInt8]: Int32] = [:]
    private var termBytes: [[UInt8]] = []
    private var postings: [[Int32]] = []
    /// Term ids in byte order of their text.
    private var sortedTerms: [Int32] = []
    /// Term ids listed under each trigram of the term padded with a space at both ends.
    private var trigramTerms: [UInt32: [Int32]] = [:]

    public init() {}

    /// Live documents.
    public var count: Int { slotOfID.count }
    /// Distinct words.
    public var termCount: Int { termBytes.count }

    /// Adds the document, or replaces the one with its id.
    public mutating func upsert(_ document: SearchDocument) {
        remove(id: document.id)
        insert(
            id: document.id, kind: document.kind, owner: document.owner, popularity: document.popularity,
            title: document.title, subtitle: document.alsoKnownAs.first,
            titleKey: TextKey.normalize(document.title),
            otherKeys: document.alsoKnownAs.map { TextKey.normalize($0) }.filter { !$0.isEmpty }
        )
    }

    /// Removes the document with this id, if there is one.
    public mutating func remove(id: UUID) {
        guard let slot = slotOfID.removeValue(forKey: id) else { return }
        slots[Int(slot)].alive = false
        deadSlots += 1
        if deadSlots > 1024 && deadSlots * 4 > slots.count { compact() }
    }

    /// Changes only the popularity of a document.
    public mutating func setPopularity(_ popularity: Double, of id: UUID) {
        guard let slot = slotOfID[id] else { return }
        slots[Int(slot)].popularity = popularity
    }

    /// Rebuilds the postings without dead slots.
    public mutating func compact() {
        var fresh = SearchIndex()
        for slot in slots where slot.alive {
            fresh.insert(
                id: slot.id, kind: slot.kind, owner: slot.owner, popularity: slot.popularity,
                title: slot.title, subtitle: slot.subtitle, titleKey: slot.titleKey, otherKeys: slot.otherKeys
            )
        }
        self = fresh
    }

    /// Adds a document whose keys are already normalised.
    private mutating func insert(
        id: UUID, kind: SearchKind, owner: UUID?, popularity: Double, title: String, subtitle: String?, titleKey: String, otherKeys: [String]
    ) {
        var terms: [Int32] = []
        for word in TextKey.words(titleKey) {
            let term = termID(Array(word.utf8))
            if !terms.contains(term) { terms.append(term) }
        }
        let titleTermCount = terms.count
        for key in otherKeys {
            for word in TextKey.words(key) {
                let term = termID(Array(word.utf8))
                if !terms.contains(term) { terms.append(term) }
            }
        }
        let slot = Int32(slots.count)
        slots.append(Slot(
            id: id, kind: kind, owner: owner, popularity: popularity, title: title, subtitle: subtitle,
            titleKey: titleKey, otherKeys: otherKeys, terms: terms, titleTermCount: titleTermCount, alive: true
        ))
        slotOfID[id] = slot
        for term in terms { postings[Int(term)].append(slot) }
    }

    private mutating func termID(_ bytes: [UInt8]) -> Int32 {
        if let id = termIDs[bytes] { return id }
        let id = Int32(termBytes.count)
        termIDs[bytes] = id
        termBytes.append(bytes)
        postings.append([])
        let position = lowerBound(bytes)
        sortedTerms.insert(id, at: position)
        for gram in Self.trigrams(padded: bytes) {
            trigramTerms[gram, default: []].append(id)
        }
        return id
    }

    /// The first position in `sortedTerms` whose term is not before `bytes`.
    private func lowerBound(_ bytes: [UInt8]) -> Int {
        var low = 0, high = sortedTerms.count
        while low < high {
            let middle = (low + high) / 2
            if termBytes[Int(sortedTerms[middle])].lexicographicallyPrecedes(bytes) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    static func trigrams(padded word: [UInt8]) -> [UInt32] {
        trigrams(of: [UInt8(ascii: " ")] + word + [UInt8(ascii: " ")])
    }

    static func trigrams(of bytes: [UInt8]) -> [UInt32] {
        guard bytes.count >= 3 else { return [] }
        var grams: [UInt32] = []
        grams.reserveCapacity(bytes.count - 2)
        for i in 0..<(bytes.count - 2) {
            let gram = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            if !grams.contains(gram) { grams.append(gram) }
        }
        return grams
    }
}

// MARK: - Searching

extension SearchIndex {
    /// How one query word matched one term.
    enum WordMatch: Int, Comparable {
        case none = 0, fuzzy, contained, prefix

        static func < (lhs: WordMatch, rhs: WordMatch) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The terms one query word matches, and how.
    struct WordTerms {
        var matches: [Int32: WordMatch] = [:]
        var postingCount = 0
    }

    /// The results for `query` of the given kinds, best first, at most `limit`
    /// per kind after skipping `offset` of that kind. Documents whose id or
    /// owner is in `excluding` (a viewer's blocks) never appear.
    public func search(
        _ query: String, kinds: Set<SearchKind> = Set(SearchKind.allCases), excluding: Set<UUID> = [],
        offset: Int = 0, limit: Int = 20
    ) -> [SearchKind: [SearchHit]] {
        let hits = rankedHits(query, kinds: kinds, excluding: excluding, perKind: offset + limit)
        var grouped: [SearchKind: [SearchHit]] = [:]
        for hit in hits { grouped[hit.kind, default: []].append(hit) }
        for (kind, list) in grouped {
            grouped[kind] = Array(list.dropFirst(offset).prefix(limit))
        }
        return grouped
    }

    /// How many documents one query scores at most. A query as broad as "lo"
    /// matches a large part of a big catalogue; its candidates are taken
    /// best-first (the word itself, then the shortest words it starts, then
    /// words containing it, then typos), and the rest is not looked at.
    public static let candidateBudget = 20_000

    /// The matching documents of `kinds`, best first, at most `perKind` of each kind.
    public func rankedHits(
        _ query: String, kinds: Set<SearchKind> = Set(SearchKind.allCases), excluding: Set<UUID> = [], perKind: Int = .max
    ) -> [SearchHit] {
        let key = TextKey.normalize(query, limit: 200)
        let words = TextKey.words(key).prefix(8).map { Array($0.utf8) }
        guard !words.isEmpty, perKind > 0 else { return [] }
        if key.utf8.count < 2 { return exactHits(key, kinds: kinds, excluding: excluding, perKind: perKind) }
        let perWord = words.map { termsMatching($0) }
        // The rarest word proposes the candidates; every word must then match one of their terms.
        guard let driver = perWord.indices.min(by: { perWord[$0].postingCount < perWord[$1].postingCount }),
              perWord[driver].postingCount > 0
        else { return [] }
        let kindMask = kinds.reduce(0) { $0 | 1 << Self.kindIndex($1) }
        var seen = Set<Int32>(minimumCapacity: min(perWord[driver].postingCount, Self.candidateBudget))
        var scored: [(score: Double, slot: Int32, tier: MatchTier, onTitle: Bool)] = []
        let keyBytes = Array(key.utf8)
        let ordered = perWord[driver].matches.sorted { a, b in
            a.value != b.value ? a.value > b.value : termBytes[Int(a.key)].count < termBytes[Int(b.key)].count
        }
        visiting: for (term, _) in ordered {
            for slotID in postings[Int(term)] where seen.insert(slotID).inserted {
                if seen.count > Self.candidateBudget { break visiting }
                let slot = Int(slotID)
                guard slots[slot].alive, kindMask & (1 << Self.kindIndex(slots[slot].kind)) != 0 else { continue }
                if !excluding.isEmpty {
                    if excluding.contains(slots[slot].id) { continue }
                    if let owner = slots[slot].owner, excluding.contains(owner) { continue }
                }
                guard let (tier, onTitle) = match(slot, words: perWord, key: key, keyBytes: keyBytes) else { continue }
                let popularity = slots[slot].popularity
                let score = Double(tier.rawValue) * 4 + (onTitle ? 2 : 0) + (popularity > 0 ? popularity / (popularity + 100) : 0)
                scored.append((score, slotID, tier, onTitle))
            }
        }
        // Equal scores keep the order documents were added in, so pages are stable.
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.slot < $1.slot }
        var taken: [SearchKind: Int] = [:]
        var hits: [SearchHit] = []
        for entry in scored {
            let slot = slots[Int(entry.slot)]
            let count = taken[slot.kind, default: 0]
            guard count < perKind else { continue }
            taken[slot.kind] = count + 1
            hits.append(SearchHit(
                id: slot.id, kind: slot.kind, title: slot.title, subtitle: slot.subtitle, tier: entry.tier, onTitle: entry.onTitle, score: entry.score
            ))
        }
        return hits
    }

    static func kindIndex(_ kind: SearchKind) -> Int {
        switch kind {
        case .artist: 0
        case .track: 1
        case .release: 2
        case .playlist: 3
        case .venue: 4
        case .event: 5
        case .user: 6
        }
    }

    /// A one-letter query finds only names that are that letter ("A", "X").
    private func exactHits(_ key: String, kinds: Set<SearchKind>, excluding: Set<UUID>, perKind: Int) -> [SearchHit] {
        guard let term = termIDs[Array(key.utf8)] else { return [] }
        var hits: [SearchHit] = []
        for slotID in postings[Int(term)] {
            let slot = slots[Int(slotID)]
            guard slot.alive, kinds.contains(slot.kind), !excluding.contains(slot.id), slot.titleKey == key else { continue }
            if let owner = slot.owner, excluding.contains(owner) { continue }
            let popularity = slot.popularity > 0 ? slot.popularity / (slot.popularity + 100) : 0
            hits.append(SearchHit(
                id: slot.id, kind: slot.kind, title: slot.title, subtitle: slot.subtitle, tier: .exact, onTitle: true,
                score: Double(MatchTier.exact.rawValue) * 4 + 2 + popularity
            ))
        }
        hits.sort { $0.score > $1.score }
        var taken: [SearchKind: Int] = [:]
        return hits.filter { hit in
            let count = taken[hit.kind, default: 0]
            taken[hit.kind] = count + 1
            return count < perKind
        }
    }

    /// How the document at `index` matches: its tier, and whether on its own name.
    private func match(_ index: Int, words: [WordTerms], key: String, keyBytes: [UInt8]) -> (MatchTier, Bool)? {
        let slot = slots[index]
        var titleTier: MatchTier?
        if slot.titleKey == key {
            titleTier = .exact
        } else if slot.titleKey.utf8.starts(with: keyBytes) {
            titleTier = .prefix
        } else {
            titleTier = wordTier(slot.terms.prefix(slot.titleTermCount), words: words)
        }
        var tier = titleTier
        var onTitle = titleTier != nil
        if tier == nil || tier! < .prefix {
            var other: MatchTier?
            for otherKey in slot.otherKeys {
                if otherKey == key { other = .exact; break }
                if otherKey.utf8.starts(with: keyBytes) { other = max(other ?? .prefix, .prefix) }
            }
            if other == nil { other = wordTier(slot.terms[...], words: words) }
            if let other, tier == nil || other > tier! {
                tier = other
                onTitle = false
            }
        }
        guard let tier else { return nil }
        return (tier, onTitle)
    }

    /// The tier of the weakest word's best match among `terms`, or nil if a word matches none.
    private func wordTier(_ terms: ArraySlice<Int32>, words: [WordTerms]) -> MatchTier? {
        var weakest = WordMatch.prefix
        for word in words {
            var best = WordMatch.none
            for term in terms {
                if let match = word.matches[term], match > best {
                    best = match
                    if best == .prefix { break }
                }
            }
            if best == .none { return nil }
            weakest = min(weakest, best)
        }
        switch weakest {
        case .prefix: return .wordPrefix
        case .contained: return .contained
        case .fuzzy: return .fuzzy
        case .none: return nil
        }
    }

    /// Terms that start with, contain, or are a typo or two away from `word`.
    func termsMatching(_ word: [UInt8]) -> WordTerms {
        var result = WordTerms()
        func add(_ term: Int32, _ match: WordMatch) {
            if let existing = result.matches[term], existing >= match { return }
            if result.matches[term] == nil { result.postingCount += postings[Int(term)].count }
            result.matches[term] = match
        }
        // Prefixes: a run of the sorted terms.
        var position = lowerBound(word)
        while position < sortedTerms.count {
            let term = sortedTerms[position]
            guard termBytes[Int(term)].starts(with: word) else { break }
            add(term, .prefix)
            position += 1
        }
        // Inside a word: the terms that have every trigram of the word.
        if word.count >= 3 {
            let grams = Self.trigrams(of: word)
            let lists = grams.compactMap { trigramTerms[$0] }
            if lists.count == grams.count, let shortest = lists.min(by: { $0.count < $1.count }) {
                for term in shortest where result.matches[term] == nil {
                    let bytes = termBytes[Int(term)]
                    if bytes.count > word.count, Self.contains(bytes, word) { add(term, .contained) }
                }
            }
        }
        // Typos: terms that share enough padded trigrams, checked by edit distance.
        let allowance = EditDistance.allowance(forLength: word.count)
        if allowance > 0 {
            let grams = Self.trigrams(padded: word)
            // An edit changes at most three padded trigrams, a swap of neighbours four.
            let needed = max(1, grams.count - 4 * allowance)
            var shared: [Int32: Int] = [:]
            for gram in grams {
                for term in trigramTerms[gram] ?? [] {
                    let length = termBytes[Int(term)].count
                    if abs(length - word.count) <= allowance { shared[term, default: 0] += 1 }
                }
            }
            for (term, count) in shared where count >= needed && result.matches[term] == nil {
                if EditDistance.distance(termBytes[Int(term)], word, limit: allowance) <= allowance {
                    add(term, .fuzzy)
                }
            }
        }
        return result
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
