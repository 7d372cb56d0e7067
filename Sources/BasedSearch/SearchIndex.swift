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
        var titleKey: [UInt8]
        var otherKeys: [[UInt8]]
        /// The terms of the title first, then of the other names.
        var terms: [Int32]
        var titleTermCount: Int
        var alive: Bool
    }

    private var slots: [Slot] = []
    private var slotOfID: [UUID: Int32] = [:]
    private var deadSlots = 0
    /// Each slot's kind (`kindIndex`), or `deadKind` once removed: dense, so
    /// candidates of other kinds are passed over without reading their slot.
    private var slotKinds: [UInt8] = []
    static let deadKind: UInt8 = 0xFF
    /// Each slot's popularity, dense like `slotKinds` (a broad prefix ranks thousands by it).
    private var slotPopularity: [Double] = []
    /// Live documents of each kind (a kind with none needs no search).
    private var liveByKind = [Int](repeating: 0, count: SearchKind.allCases.count)

    /// One name of a slot: its title (`which` -1) or another name (`which`
    /// its index), with the first eight bytes of its key for quick comparing.
    struct Name {
        var head: UInt64
        var slot: Int32
        var which: Int16
        /// The key's length in bytes (keys are at most 512).
        var length: UInt16
        /// The document's kind (`kindIndex`) and popularity, copied here so
        /// a broad prefix is ranked from this array alone, in order.
        var kind: UInt8
        var popularity: Double
    }

    /// Every name by its key in byte order, so the names that start with a
    /// query are one binary search away.
    private var names: [Name] = []
    /// Names added since `names` was last sorted, searched one by one; merged
    /// into `names` by `finishBuilding()` and, after it, once there are `recentNamesLimit`.
    private var recentNames: [Name] = []
    private var built = false
    static let recentNamesLimit = 4096

    private var termIDs: [[UInt8]: Int32] = [:]
    private var termBytes: [[UInt8]] = []
    /// Each term's length, apart from its bytes, for the typo pass's filter.
    private var termLengths: [UInt8] = []
    /// Each term's documents: after `finishBuilding()` or `compact()` the most
    /// popular first (a broad query's budget is spent on them), then in the
    /// order they were added; documents added later are appended.
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
            titleKey: Array(TextKey.normalize(document.title).utf8),
            otherKeys: document.alsoKnownAs.map { Array(TextKey.normalize($0).utf8) }.filter { !$0.isEmpty }
        )
    }

    /// Removes the document with this id, if there is one.
    public mutating func remove(id: UUID) {
        guard let slot = slotOfID.removeValue(forKey: id) else { return }
        slots[Int(slot)].alive = false
        liveByKind[Self.kindIndex(slots[Int(slot)].kind)] -= 1
        slotKinds[Int(slot)] = Self.deadKind
        deadSlots += 1
        if deadSlots > 1024 && deadSlots * 4 > slots.count { compact() }
    }

    /// Changes only the popularity of a document.
    public mutating func setPopularity(_ popularity: Double, of id: UUID) {
        guard let slot = slotOfID[id] else { return }
        slots[Int(slot)].popularity = popularity
        slotPopularity[Int(slot)] = popularity
        // The copies beside its names: each key's run of equal names holds it once.
        for key in [slots[Int(slot)].titleKey] + slots[Int(slot)].otherKeys {
            var position = namesLowerBound(key)
            while position < names.count, names[position].head == Self.head(key), self.key(of: names[position]) == key {
                if names[position].slot == slot { names[position].popularity = popularity }
                position += 1
            }
        }
        for position in recentNames.indices where recentNames[position].slot == slot { recentNames[position].popularity = popularity }
    }

    /// Orders every term's documents most popular first; call it once a bulk
    /// load is done (a broad query then spends its budget on what people play).
    public mutating func finishBuilding() {
        built = true
        mergeRecentNames()
        for term in postings.indices where postings[term].count > 1 {
            postings[term].sort { a, b in
                let pa = slots[Int(a)].popularity, pb = slots[Int(b)].popularity
                return pa != pb ? pa > pb : a < b
            }
        }
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
        fresh.finishBuilding()
        self = fresh
    }

    /// Adds a document whose keys are already normalised.
    private mutating func insert(
        id: UUID, kind: SearchKind, owner: UUID?, popularity: Double, title: String, subtitle: String?, titleKey: [UInt8], otherKeys: [[UInt8]]
    ) {
        var terms: [Int32] = []
        for word in titleKey.split(separator: UInt8(ascii: " ")) {
            let term = termID(Array(word))
            if !terms.contains(term) { terms.append(term) }
        }
        let titleTermCount = terms.count
        for key in otherKeys {
            for word in key.split(separator: UInt8(ascii: " ")) {
                let term = termID(Array(word))
                if !terms.contains(term) { terms.append(term) }
            }
        }
        let slot = Int32(slots.count)
        slots.append(Slot(
            id: id, kind: kind, owner: owner, popularity: popularity, title: title, subtitle: subtitle,
            titleKey: titleKey, otherKeys: otherKeys, terms: terms, titleTermCount: titleTermCount, alive: true
        ))
        slotOfID[id] = slot
        slotKinds.append(UInt8(Self.kindIndex(kind)))
        liveByKind[Self.kindIndex(kind)] += 1
        for term in terms { postings[Int(term)].append(slot) }
        slotPopularity.append(popularity)
        let kindIndex = UInt8(Self.kindIndex(kind))
        recentNames.append(Name(
            head: Self.head(titleKey), slot: slot, which: -1, length: UInt16(clamping: titleKey.count), kind: kindIndex, popularity: popularity
        ))
        for (which, key) in otherKeys.enumerated().prefix(Int(Int16.max)) {
            recentNames.append(Name(
                head: Self.head(key), slot: slot, which: Int16(which), length: UInt16(clamping: key.count), kind: kindIndex, popularity: popularity
            ))
        }
        if built && recentNames.count >= Self.recentNamesLimit { mergeRecentNames() }
    }

    // MARK: Names in byte order

    /// The first eight bytes of `key`, big-endian, zeros after a shorter key:
    /// ordering heads orders keys (normalised text has no zero byte).
    static func head(_ key: [UInt8]) -> UInt64 {
        var head: UInt64 = 0
        for index in 0..<8 { head = head << 8 | UInt64(index < key.count ? key[index] : 0) }
        return head
    }

    private func key(of name: Name) -> [UInt8] {
        name.which < 0 ? slots[Int(name.slot)].titleKey : slots[Int(name.slot)].otherKeys[Int(name.which)]
    }

    /// Whether name `a` comes before `b` (by key, then by slot).
    private func precedes(_ a: Name, _ b: Name) -> Bool {
        if a.head != b.head { return a.head < b.head }
        let ka = key(of: a), kb = key(of: b)
        if ka != kb { return ka.lexicographicallyPrecedes(kb) }
        return a.slot != b.slot ? a.slot < b.slot : a.which < b.which
    }

    /// Whether `name`'s key comes before `key` (with `head` its head).
    private func precedes(_ name: Name, key: [UInt8], head: UInt64) -> Bool {
        if name.head != head { return name.head < head }
        return self.key(of: name).lexicographicallyPrecedes(key)
    }

    /// The first position in `names` whose key is not before `key`.
    private func namesLowerBound(_ key: [UInt8]) -> Int {
        let head = Self.head(key)
        var low = 0, high = names.count
        while low < high {
            let middle = (low + high) / 2
            if precedes(names[middle], key: key, head: head) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Sorts the recent names into `names` (names of removed documents stay
    /// until `compact()`; searching passes over them).
    private mutating func mergeRecentNames() {
        guard !recentNames.isEmpty else { return }
        var recent = recentNames.filter { slotKinds[Int($0.slot)] != Self.deadKind }
        recent.sort { precedes($0, $1) }
        var merged: [Name] = []
        merged.reserveCapacity(names.count + recent.count)
        var next = 0
        for name in names {
            while next < recent.count, precedes(recent[next], name) {
                merged.append(recent[next])
                next += 1
            }
            merged.append(name)
        }
        merged.append(contentsOf: recent[next...])
        names = merged
        recentNames = []
    }

    private mutating func termID(_ bytes: [UInt8]) -> Int32 {
        if let id = termIDs[bytes] { return id }
        let id = Int32(termBytes.count)
        termIDs[bytes] = id
        termBytes.append(bytes)
        termLengths.append(UInt8(clamping: bytes.count))
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
    enum WordMatch: UInt8, Comparable {
        case none = 0, fuzzy, contained, prefix

        static func < (lhs: WordMatch, rhs: WordMatch) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The terms one query word matches, and how: listed, and by term id in
    /// `byTerm` (one byte per term of the index, so a document's terms are
    /// looked up without hashing).
    struct WordTerms {
        var matched: [(term: Int32, match: WordMatch)] = []
        var byTerm: [UInt8]
        var postingCount = 0

        init(termCount: Int) { byTerm = [UInt8](repeating: 0, count: termCount) }

        func match(_ term: Int32) -> WordMatch { WordMatch(rawValue: byTerm[Int(term)]) ?? .none }
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
    /// words containing it, then typos; each word's documents most popular
    /// first), and the rest is not looked at.
    public static let candidateBudget = 8_000
    /// The word-by-word budget for completing what someone types: the names
    /// that start with it are found in full before, so this pass only fills a
    /// short list when few do.
    public static let suggestionBudget = 2_000

    /// One scored candidate.
    struct Scored {
        var score: Double
        var slot: Int32
        var tier: MatchTier
        var onTitle: Bool

        /// Higher score first; equal scores keep the order documents were added in, so pages are stable.
        func isBefore(_ other: Scored) -> Bool { score != other.score ? score > other.score : slot < other.slot }
    }

    /// The matching documents of `kinds`, best first, at most `perKind` of
    /// each kind; when only the best `overall` of all kinds are wanted
    /// (suggestions), say so: the search can then stop sooner.
    ///
    /// Two passes. The names that start with the query (exact and prefix
    /// matches, on a document's own name or another) are one range of the
    /// names in byte order, looked at in full. Every other match ranks below
    /// them, so the word-by-word pass runs only for kinds that range did not
    /// fill, within `budget` candidates (`candidateBudget` unless told).
    public func rankedHits(
        _ query: String, kinds: Set<SearchKind> = Set(SearchKind.allCases), excluding: Set<UUID> = [], perKind: Int = .max,
        overall: Int = .max, budget: Int = candidateBudget
    ) -> [SearchHit] {
        let key = Array(TextKey.normalize(query, limit: 200).utf8)
        let words = key.split(separator: UInt8(ascii: " ")).prefix(8).map { Array($0) }
        guard !words.isEmpty, perKind > 0, overall > 0 else { return [] }
        if key.count < 2 { return Array(exactHits(key, kinds: kinds, excluding: excluding, perKind: perKind).prefix(overall)) }
        var seen = [UInt64](repeating: 0, count: slots.count / 64 + 1)
        // The best `perKind` of each kind so far (all of them when a page is deep), unordered until the end.
        let limit = perKind > 256 ? Int.max : perKind
        var best = [TopList](repeating: TopList(limit: limit), count: SearchKind.allCases.count)
        let wanted = kinds.map(Self.kindIndex).filter { liveByKind[$0] > 0 }
        startingWith(key, kindMask: wanted.reduce(0) { $0 | 1 << $1 }, excluding: excluding, seen: &seen, best: &best, overall: overall)
        let found = best.reduce(0) { $0 + $1.count }
        let unfilled = found >= overall ? [] : wanted.filter { best[$0].count < perKind }
        if !unfilled.isEmpty {
            byWords(words, key: key, kindMask: unfilled.reduce(0) { $0 | 1 << $1 }, excluding: excluding, seen: &seen, best: &best, budget: budget)
        }
        var scored = best.map(\.items).joined().sorted { $0.isBefore($1) }
        var taken = [Int](repeating: 0, count: SearchKind.allCases.count)
        scored.removeAll { entry in
            let kind = Int(slotKinds[Int(entry.slot)])
            taken[kind] += 1
            return taken[kind] > perKind
        }
        return scored.prefix(overall).map { entry in
            let slot = slots[Int(entry.slot)]
            return SearchHit(
                id: slot.id, kind: slot.kind, title: slot.title, subtitle: slot.subtitle, tier: entry.tier, onTitle: entry.onTitle, score: entry.score
            )
        }
    }

    /// The first pass: documents with a name that is, or starts with, `key`,
    /// in four rounds of falling rank: own names that are the key, other
    /// names that are, own names that start with it, other names that do. A
    /// document is ranked by the first round that reaches it, except that its
    /// own name starting with the key outranks another name being the key.
    /// A kind with enough from an earlier round takes nothing from later ones.
    private func startingWith(
        _ key: [UInt8], kindMask: Int, excluding: Set<UUID>, seen: inout [UInt64], best: inout [TopList], overall: Int
    ) {
        guard kindMask != 0 else { return }
        let start = namesLowerBound(key)
        let end = namesLowerBound(key + [0xFF])
        let recent = recentNames.filter { Self.startsWith(self.key(of: $0), key) }
        let length = UInt16(clamping: key.count)
        var open = kindMask
        for round in 0..<4 {
            let onTitle = round % 2 == 0, exact = round < 2
            // Kinds already holding a full page of better matches are closed.
            for kind in 0..<best.count where best[kind].isFull { open &= ~(1 << kind) }
            if open == 0 || best.reduce(0, { $0 + $1.count }) >= overall { return }
            let base = Double((exact ? MatchTier.exact : MatchTier.prefix).rawValue) * 4 + (onTitle ? 2 : 0)
            func visit(_ name: Name) {
                guard (name.which < 0) == onTitle, (name.length == length) == exact else { return }
                let kind = Int(name.kind)
                guard open & (1 << kind) != 0 else { return }
                // A full list that would not take it: nothing else about it matters (its kind gets no later pass).
                let popularity = name.popularity
                guard best[kind].wouldTake(score: base + (popularity > 0 ? popularity / (popularity + 100) : 0), slot: name.slot) else { return }
                let slot = Int(name.slot)
                let bit = UInt64(1) << UInt64(slot & 63)
                if seen[slot >> 6] & bit != 0 || slotKinds[slot] == Self.deadKind { return }
                if round == 1, Self.startsWith(slots[slot].titleKey, key) { return }
                seen[slot >> 6] |= bit
                if !excluding.isEmpty, isExcluded(slot, excluding) { return }
                best[kind].offer(scored(slot, tier: exact ? .exact : .prefix, onTitle: onTitle))
            }
            names.withUnsafeBufferPointer { names in
                for index in start..<end { visit(names[index]) }
            }
            for name in recent { visit(name) }
        }
    }

    /// The second pass: every word of the query matched by a word of a name
    /// (its prefix, inside it, or within a typo or two), the rarest word
    /// proposing at most `budget` candidates.
    private func byWords(
        _ words: [[UInt8]], key: [UInt8], kindMask: Int, excluding: Set<UUID>, seen: inout [UInt64], best: inout [TopList], budget: Int
    ) {
        let perWord = words.map { termsMatching($0) }
        guard let driver = perWord.indices.min(by: { perWord[$0].postingCount < perWord[$1].postingCount }),
              perWord[driver].postingCount > 0
        else { return }
        let ordered = perWord[driver].matched.sorted { a, b in
            a.match != b.match ? a.match > b.match : termLengths[Int(a.term)] < termLengths[Int(b.term)]
        }
        var visited = 0
        slots.withUnsafeBufferPointer { slots in
            visiting: for (term, _) in ordered {
                for slotID in postings[Int(term)] {
                    let slot = Int(slotID)
                    let bit = UInt64(1) << UInt64(slot & 63)
                    if seen[slot >> 6] & bit != 0 { continue }
                    seen[slot >> 6] |= bit
                    visited += 1
                    if visited > budget { break visiting }
                    let kind = Int(slotKinds[slot])
                    guard kind != Int(Self.deadKind), kindMask & (1 << kind) != 0 else { continue }
                    if !excluding.isEmpty, isExcluded(slot, excluding) { continue }
                    guard let (tier, onTitle) = Self.match(slots, slot, words: perWord, key: key) else { continue }
                    best[kind].offer(scored(slot, tier: tier, onTitle: onTitle))
                }
            }
        }
    }

    private func isExcluded(_ slot: Int, _ excluding: Set<UUID>) -> Bool {
        if excluding.contains(slots[slot].id) { return true }
        if let owner = slots[slot].owner, excluding.contains(owner) { return true }
        return false
    }

    /// The score a match ranks by: the tier, a match on the document's own name, then popularity.
    private func scored(_ slot: Int, tier: MatchTier, onTitle: Bool) -> Scored {
        let popularity = slotPopularity[slot]
        let score = Double(tier.rawValue) * 4 + (onTitle ? 2 : 0) + (popularity > 0 ? popularity / (popularity + 100) : 0)
        return Scored(score: score, slot: Int32(slot), tier: tier, onTitle: onTitle)
    }

    /// The best `limit` entries offered so far, unordered.
    struct TopList {
        var items: [Scored] = []
        let limit: Int
        /// The position of the worst item once the list is full.
        private var worst = 0

        init(limit: Int) { self.limit = limit }

        var count: Int { items.count }
        var isFull: Bool { items.count >= limit }

        /// Whether an entry with this score and slot would be kept.
        func wouldTake(score: Double, slot: Int32) -> Bool {
            items.count < limit || Scored(score: score, slot: slot, tier: .fuzzy, onTitle: false).isBefore(items[worst])
        }

        mutating func offer(_ entry: Scored) {
            if items.count < limit {
                items.append(entry)
                if items.count == limit { findWorst() }
            } else if entry.isBefore(items[worst]) {
                items[worst] = entry
                findWorst()
            }
        }

        private mutating func findWorst() {
            worst = 0
            for index in items.indices.dropFirst() where items[worst].isBefore(items[index]) { worst = index }
        }
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
    private func exactHits(_ key: [UInt8], kinds: Set<SearchKind>, excluding: Set<UUID>, perKind: Int) -> [SearchHit] {
        guard let term = termIDs[key] else { return [] }
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
    private static func match(_ slots: UnsafeBufferPointer<Slot>, _ index: Int, words: [WordTerms], key: [UInt8]) -> (MatchTier, Bool)? {
        var titleTier: MatchTier?
        if slots[index].titleKey == key {
            titleTier = .exact
        } else if startsWith(slots[index].titleKey, key) {
            titleTier = .prefix
        } else {
            titleTier = wordTier(slots[index].terms.prefix(slots[index].titleTermCount), words: words)
        }
        var tier = titleTier
        var onTitle = titleTier != nil
        if tier == nil || tier! < .prefix {
            var other: MatchTier?
            for otherKey in slots[index].otherKeys {
                if otherKey == key { other = .exact; break }
                if startsWith(otherKey, key) { other = max(other ?? .prefix, .prefix) }
            }
            if other == nil { other = wordTier(slots[index].terms[...], words: words) }
            if let other, tier == nil || other > tier! {
                tier = other
                onTitle = false
            }
        }
        guard let tier else { return nil }
        return (tier, onTitle)
    }

    /// Whether `bytes` starts with `prefix`.
    private static func startsWith(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            prefix.withUnsafeBufferPointer { p in memcmp(b.baseAddress!, p.baseAddress!, p.count) == 0 }
        }
    }

    /// The tier of the weakest word's best match among `terms`, or nil if a word matches none.
    private static func wordTier(_ terms: ArraySlice<Int32>, words: [WordTerms]) -> MatchTier? {
        var weakest = WordMatch.prefix
        for word in words {
            var best = WordMatch.none
            for term in terms {
                let match = word.match(term)
                if match > best {
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
        var result = WordTerms(termCount: termBytes.count)
        func add(_ term: Int32, _ match: WordMatch) {
            let existing = result.byTerm[Int(term)]
            if existing >= match.rawValue { return }
            if existing == 0 {
                result.postingCount += postings[Int(term)].count
                result.matched.append((term, match))
            } else if let position = result.matched.firstIndex(where: { $0.term == term }) {
                result.matched[position].match = match
            }
            result.byTerm[Int(term)] = match.rawValue
        }
        // Prefixes: a run of the sorted terms.
        var position = lowerBound(word)
        while position < sortedTerms.count {
            let term = sortedTerms[position]
            guard Self.startsWith(termBytes[Int(term)], word) else { break }
            add(term, .prefix)
            position += 1
        }
        // Inside a word: the terms that have every trigram of the word.
        if word.count >= 3 {
            let grams = Self.trigrams(of: word)
            let lists = grams.compactMap { trigramTerms[$0] }
            if lists.count == grams.count, let shortest = lists.min(by: { $0.count < $1.count }) {
                for term in shortest where result.byTerm[Int(term)] == 0 && Int(termLengths[Int(term)]) > word.count {
                    if Self.contains(termBytes[Int(term)], word) { add(term, .contained) }
                }
            }
        }
        // Typos: terms that share enough padded trigrams, checked by edit distance.
        let allowance = EditDistance.allowance(forLength: word.count)
        if allowance > 0 {
            let grams = Self.trigrams(padded: word)
            // An edit changes at most three padded trigrams, a swap of neighbours four.
            let needed = max(1, grams.count - 4 * allowance)
            var shared = [UInt8](repeating: 0, count: termBytes.count)
            var touched: [Int32] = []
            termLengths.withUnsafeBufferPointer { lengths in
                for gram in grams {
                    for term in trigramTerms[gram] ?? [] where abs(Int(lengths[Int(term)]) - word.count) <= allowance {
                        if shared[Int(term)] == 0 { touched.append(term) }
                        shared[Int(term)] &+= 1
                    }
                }
            }
            for term in touched where Int(shared[Int(term)]) >= needed && result.byTerm[Int(term)] == 0 {
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
