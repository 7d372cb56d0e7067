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
}
