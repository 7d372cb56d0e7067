import BasedSearch
import Foundation
import Testing

@Suite("Search index")
struct SearchIndexTests {
    /// An index of a few names, and their ids by title.
    struct Fixture {
        var index = SearchIndex()
        var ids: [String: UUID] = [:]

        mutating func add(_ kind: SearchKind, _ title: String, aka: [String] = [], popularity: Double = 0, owner: UUID? = nil) {
            let id = UUID()
            ids[title] = id
            index.upsert(SearchDocument(id: id, kind: kind, title: title, alsoKnownAs: aka, popularity: popularity, owner: owner))
        }

        func titles(_ query: String, kinds: Set<SearchKind> = Set(SearchKind.allCases), excluding: Set<UUID> = []) -> [String] {
            let names = Dictionary(ids.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            return index.rankedHits(query, kinds: kinds, excluding: excluding).map { names[$0.id]! }
        }

        func tier(_ query: String, _ title: String) -> MatchTier? {
            index.rankedHits(query).first { $0.id == ids[title] }?.tier
        }
    }

    static func scene() -> Fixture {
        var fixture = Fixture()
        fixture.add(.artist, "Björk", popularity: 50)
        fixture.add(.artist, "Sigur Rós", popularity: 30)
        fixture.add(.artist, "AC/DC", popularity: 80)
        fixture.add(.artist, "Radiohead", popularity: 70)
        fixture.add(.track, "Thunderstruck", aka: ["AC/DC"], popularity: 90)
        fixture.add(.track, "Hoppípolla", aka: ["Sigur Rós"])
        fixture.add(.track, "Summer Night", aka: ["DJ Someone", "Kendrick Lamar"], popularity: 3)
        fixture.add(.release, "OK Computer", aka: ["Radiohead"], popularity: 60)
        fixture.add(.artist, "Thunder", popularity: 5)
        fixture.add(.artist, "Thundercat", popularity: 40)
        return fixture
    }

    @Test("accents and case do not matter")
    func accentInsensitive() {
        #expect(Self.scene().titles("bjork").first == "Björk")
        #expect(Self.scene().titles("SIGUR ROS").first == "Sigur Rós")
    }

    @Test("punctuation does not matter")
    func punctuationInsensitive() {
        #expect(Self.scene().titles("ac dc").first == "AC/DC")
        #expect(Self.scene().titles("ac-dc").first == "AC/DC")
    }

    @Test("exact beats prefix beats word prefix beats contained beats fuzzy")
    func tiers() {
        let fixture = Self.scene()
        #expect(fixture.tier("thunder", "Thunder") == .exact)
        #expect(fixture.tier("thunder", "Thundercat") == .prefix)
        #expect(fixture.tier("computer", "OK Computer") == .wordPrefix)
        #expect(fixture.tier("ndercat", "Thundercat") == .contained)
        #expect(fixture.tier("radiohed", "Radiohead") == .fuzzy)
        #expect(fixture.titles("thunder", kinds: [.artist]) == ["Thunder", "Thundercat"])
    }

    @Test("popularity breaks ties within a tier")
    func popularity() {
        var fixture = Fixture()
        fixture.add(.artist, "Nova One", popularity: 1)
        fixture.add(.artist, "Nova Two", popularity: 500)
        #expect(fixture.titles("nova") == ["Nova Two", "Nova One"])
    }

    @Test("one typo in a word of four to seven letters, two from eight")
    func typos() {
        var fixture = Fixture()
        fixture.add(.artist, "Bonobo")
        fixture.add(.artist, "Radiohead")
        #expect(fixture.titles("bonbo") == ["Bonobo"])
        #expect(fixture.titles("bnbo").isEmpty)
        #expect(fixture.titles("raidoheda") == ["Radiohead"])
        #expect(fixture.titles("bob").isEmpty)
    }

    @Test("other names find a document, below a match on its own name")
    func alsoKnownAs() {
        let fixture = Self.scene()
        #expect(fixture.titles("kendrick") == ["Summer Night"])
        let acdc = fixture.titles("ac dc")
        #expect(acdc == ["AC/DC", "Thunderstruck"])
        #expect(fixture.index.rankedHits("ac dc").last?.onTitle == false)
    }

    @Test("every word must match")
    func allWords() {
        #expect(Self.scene().titles("ok computer").first == "OK Computer")
        #expect(Self.scene().titles("ok zebra").isEmpty)
    }

    @Test("a one-letter query finds only names that are that letter")
    func oneLetter() {
        var fixture = Fixture()
        fixture.add(.artist, "A")
        fixture.add(.artist, "Abba")
        #expect(fixture.titles("a") == ["A"])
    }

    @Test("queries of only symbols find nothing and do not fail", arguments: ["", "   ", "\"", "*", "%", "_", "\\", "🎵", "-", ":"])
    func symbols(_ query: String) {
        #expect(Self.scene().titles(query).isEmpty)
    }

    @Test("excluded ids and owners never appear")
    func excluded() {
        var fixture = Fixture()
        let blocked = UUID()
        fixture.add(.artist, "Nova", owner: blocked)
        fixture.add(.track, "Nova Song", owner: blocked)
        fixture.add(.track, "Nova Dawn", owner: UUID())
        #expect(fixture.titles("nova", excluding: [blocked]) == ["Nova Dawn"])
    }

    @Test("kinds filter the results")
    func kinds() {
        #expect(Self.scene().titles("thunder", kinds: [.track]) == ["Thunderstruck"])
    }

    @Test("an update replaces the old name and a removal takes it out")
    func updates() {
        var fixture = Fixture()
        fixture.add(.artist, "Old Name")
        let id = fixture.ids["Old Name"]!
        fixture.index.upsert(SearchDocument(id: id, kind: .artist, title: "New Name"))
        #expect(fixture.index.rankedHits("old").isEmpty)
        #expect(fixture.index.rankedHits("new name").map(\.id) == [id])
        fixture.index.remove(id: id)
        #expect(fixture.index.rankedHits("new").isEmpty)
        #expect(fixture.index.count == 0)
    }

    @Test("compacting keeps what is live and finds it the same way")
    func compaction() {
        var index = SearchIndex()
        let kept = UUID()
        index.upsert(SearchDocument(id: kept, kind: .artist, title: "Keeper"))
        for n in 0..<3000 {
            let id = UUID()
            index.upsert(SearchDocument(id: id, kind: .track, title: "Gone \(n)"))
            index.remove(id: id)
        }
        index.compact()
        #expect(index.count == 1)
        #expect(index.rankedHits("keepr").map(\.id) == [kept])
    }

    @Test("grouped search pages each kind")
    func paging() {
        var index = SearchIndex()
        for n in 0..<25 { index.upsert(SearchDocument(id: UUID(), kind: .track, title: "Echo \(n)", popularity: Double(n))) }
        let first = index.search("echo", kinds: [.track], offset: 0, limit: 10)[.track]!
        let third = index.search("echo", kinds: [.track], offset: 20, limit: 10)[.track]!
        #expect(first.count == 10)
        #expect(third.count == 5)
        #expect(Set(first.map(\.id)).isDisjoint(with: third.map(\.id)))
    }

    /// Random names over a small vocabulary, so that names share prefixes, words and typos.
    static func randomDocuments(_ count: Int, seed: UInt64) -> [SearchDocument] {
        var random = SplitMix(seed: seed)
        let vocabulary = ["lo", "love", "lover", "loud", "lou", "night", "nights", "knight", "sigur", "rós", "ros", "the", "thunder", "echo",
                          "echoes", "björk", "bjork", "ac/dc", "l'amour", "amour", "dream", "dreams", "drum", "lo-fi"]
        func name() -> String {
            (0..<(1 + Int(random.next() % 3))).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
        }
        return (0..<count).map { _ in
            let kind = SearchKind.allCases[Int(random.next() % 4)]
            let others = (0..<Int(random.next() % 3)).map { _ in name() }
            // Few distinct popularities, so ties are common and broken by insertion order.
            return SearchDocument(id: UUID(), kind: kind, title: name(), alsoKnownAs: others, popularity: Double(random.next() % 4))
        }
    }

    static let probes = ["lo", "lov", "love", "lo fi", "night", "nigth", "sigur ros", "the thunder", "echo", "ecoh", "dream", "bjork",
                         "ac dc", "amour", "ros", "thundr", "dreams drum", "ou", "zz"]

    @Test("the names' byte order and the recent names find the same, built or not, before and after later changes")
    func builtAndRecentAgree() {
        let documents = Self.randomDocuments(3000, seed: 7)
        var recent = SearchIndex()
        var built = SearchIndex()
        for document in documents {
            recent.upsert(document)
            built.upsert(document)
        }
        built.finishBuilding()
        // Popularity changed after the build reaches the names' copies of it.
        for (n, document) in documents.enumerated() where n % 7 == 0 {
            recent.setPopularity(Double(n % 5), of: document.id)
            built.setPopularity(Double(n % 5), of: document.id)
        }
        for probe in Self.probes {
            #expect(built.rankedHits(probe, perKind: 11).map(\.id) == recent.rankedHits(probe, perKind: 11).map(\.id), "\(probe)")
            // (Under the budget: past it, each visits its own first candidates, most popular first once built.)
            #expect(built.rankedHits(probe, perKind: 8, overall: 8).map(\.id) == recent.rankedHits(probe, perKind: 8, overall: 8).map(\.id), "\(probe)")
        }
        // Past the merge threshold of recent names: renames, removals and new documents.
        var fresh = SearchIndex()
        var current: [UUID: SearchDocument] = Dictionary(uniqueKeysWithValues: documents.map { ($0.id, $0) })
        for (n, document) in Self.randomDocuments(2500, seed: 8).enumerated() {
            let target = documents[n % documents.count]
            if n % 3 == 0 {
                built.remove(id: target.id)
                current[target.id] = nil
            } else {
                let renamed = SearchDocument(id: target.id, kind: target.kind, title: document.title, alsoKnownAs: document.alsoKnownAs,
                                             popularity: document.popularity)
                built.upsert(renamed)
                current[target.id] = renamed
            }
            built.upsert(document)
            current[document.id] = document
        }
        // Ties fall to insertion order, which differs here: the two are compared as sets, with how each matched.
        for document in current.values.sorted(by: { $0.id.uuidString < $1.id.uuidString }) { fresh.upsert(document) }
        fresh.finishBuilding()
        for probe in Self.probes {
            let mine = built.rankedHits(probe, perKind: .max).map { "\($0.id) \($0.tier) \($0.onTitle)" }
            let theirs = fresh.rankedHits(probe, perKind: .max).map { "\($0.id) \($0.tier) \($0.onTitle)" }
            #expect(Set(mine) == Set(theirs), "\(probe)")
        }
    }

    @Test("asking for fewer per kind, or fewer in all, gives the first of the full ranking")
    func shortcutsAgreeWithTheFullRanking() {
        var index = SearchIndex()
        for document in Self.randomDocuments(3000, seed: 11) { index.upsert(document) }
        index.finishBuilding()
        for probe in Self.probes {
            let full = index.rankedHits(probe, perKind: .max)
            for perKind in [1, 3, 11] {
                let expected = SearchKind.allCases.flatMap { kind in full.filter { $0.kind == kind }.prefix(perKind) }
                let got = index.rankedHits(probe, perKind: perKind)
                #expect(Set(got.map(\.id)) == Set(expected.map(\.id)), "\(probe) perKind \(perKind)")
                #expect(got.map(\.score) == got.map(\.score).sorted(by: >), "\(probe): best first")
            }
            for overall in [1, 8] {
                let got = index.rankedHits(probe, perKind: overall, overall: overall)
                let expected = SearchKind.allCases.flatMap { kind in full.filter { $0.kind == kind }.prefix(overall) }
                    .sorted { $0.score != $1.score ? $0.score > $1.score : full.firstIndex(of: $0)! < full.firstIndex(of: $1)! }
                    .prefix(overall)
                #expect(got.map(\.id) == expected.map(\.id), "\(probe) overall \(overall)")
            }
        }
    }
}

/// A small seeded generator, so a failing case can be run again.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
