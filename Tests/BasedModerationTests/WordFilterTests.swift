import BasedModeration
import Testing

@Suite("Word filter")
struct WordFilterTests {
    static let filter = WordFilter(lists: ["shit\nass\nfuck\ncunt\nbaby batter\n? sex\n! scunthorpe\n! analysis\nanal"])

    func terms(_ text: String) -> [String] { Self.filter.matches(in: text).map(\.term) }

    @Test("disguises are seen through", arguments: [
        "SHIT", "Shït", "sh1t", "$hit", "sh!t", "s.h.i.t", "s_h_i_t", "s h i t", "shiiiiit", "shhhit",
        "sh\u{200B}it", "s\u{00AD}hit", "sh\u{0456}t",  // zero-width space, soft hyphen, Cyrillic і
    ])
    func disguises(_ text: String) {
        #expect(terms("oh \(text) again") == ["shit"], "\(text)")
    }

    @Test("ordinary words are left alone", arguments: [
        "as", "I am a pass holder", "class act", "classic", "bass", "Scunthorpe United", "shift", "this is it",
        "2026 tour", "s h e", "a b", "the analysis", "hi!", "l33t",
    ])
    func ordinary(_ text: String) {
        let found = Self.filter.matches(in: text).filter { $0.tier == .blocked }
        #expect(found.isEmpty, "\(text): \(found.map(\.term))")
    }

    @Test("a run must be as long as the list's: ass needs two s's")
    func runs() {
        #expect(terms("kick as") == [])
        #expect(terms("kick ass") == ["ass"])
        #expect(terms("kick asssss") == ["ass"])
        #expect(terms("kick a$$") == ["ass"])
    }

    @Test("a listed word inside a longer word is borderline, never blocked; allowed words are not even that")
    func inner() {
        let found = Self.filter.matches(in: "fuckface")
        #expect(found.map(\.term) == ["fuck"])
        #expect(found.first?.tier == .borderline)
        #expect(found.first?.wholeWord == false)
        #expect(Self.filter.matches(in: "Scunthorpe").isEmpty)
        #expect(Self.filter.matches(in: "analysis").isEmpty)
        #expect(Self.filter.matches(in: "analyst").map(\.tier) == [.borderline])
    }

    @Test("phrases match words in a row, however spaced")
    func phrases() {
        #expect(terms("no baby   batter here") == ["baby batter"])
        #expect(terms("baby, batter") == ["baby batter"])
        #expect(terms("baby food batter") == [])
    }

    @Test("a borderline term is flagged, a later line replaces an earlier one")
    func tiers() {
        #expect(Self.filter.scan("sex pistols").worst == .borderline)
        var filter = WordFilter(lists: ["sex"])
        #expect(filter.scan("sex").worst == .blocked)
        filter.add("? sex")
        #expect(filter.scan("sex").worst == .borderline)
        filter.add("! sex")
        #expect(filter.scan("sex").isClean)
    }

    @Test("masking replaces a blocked word's characters in place and keeps everything else")
    func masking() {
        #expect(Self.filter.scan("well sh1t, that's it").masked == "well ****, that's it")
        #expect(Self.filter.scan("s.h.i.t happens").masked == "******* happens")
        #expect(Self.filter.scan("oh SHÏT 🎸").masked == "oh **** 🎸")
        #expect(Self.filter.scan("sex and fuck").masked == "sex and ****")
        #expect(Self.filter.scan("nothing here").masked == "nothing here")
        // A zero-width character inside the word goes with it.
        #expect(Self.filter.scan("sh\u{200B}it").masked == "****")
    }

    @Test("the shipped lists load for every language, and English catches the usual words")
    func shipped() throws {
        let filter = WordFilter(lists: try WordLists.shipped(languages: WordLists.languages))
        #expect(filter.termCount > 2_000)
        let english = WordFilter(lists: try WordLists.shipped(languages: ["en"]))
        #expect(english.scan("what the fuck").worst == .blocked)
        #expect(english.scan("Sex on Fire").worst == .borderline)
        #expect(english.scan("Live at the Grass Roots, bass and class").isClean)
        #expect(english.scan("a cocktail in the cockpit").isClean)
        #expect(throws: WordLists.UnknownLanguage.self) { try WordLists.shipped(languages: ["xx"]) }
    }

    @Test("Cyrillic words stay Cyrillic: only a word mixing scripts is folded")
    func scripts() {
        let filter = WordFilter(lists: ["сука", "cyka"])
        #expect(filter.matches(in: "сука").map(\.term) == ["сука"])
        #expect(filter.matches(in: "cуkа").map(\.term) == ["cyka"])  // Latin c and k with Cyrillic у and а
    }
}

@Suite("Spam guard")
struct SpamGuardTests {
    @Test("a flood is refused until the window has room again")
    func flood() {
        var limits = SpamGuard.Limits()
        limits.floodMessages = 3
        limits.floodWindow = 10
        var guardian = SpamGuard(limits: limits)
        for second in 0..<3 {
            #expect(guardian.check(sender: "ana", conversation: "c\(second)", text: "hi", now: Double(second)) == .allowed)
        }
        #expect(guardian.check(sender: "ana", conversation: "c", text: "hi", now: 3) == .flood(retryAfter: 7))
        // Someone else is not held up by Ana.
        #expect(guardian.check(sender: "ben", conversation: "c", text: "hi", now: 3) == .allowed)
        #expect(guardian.check(sender: "ana", conversation: "c", text: "hi", now: 10.5) == .allowed)
    }

    @Test("the same text into too many conversations is refused, disguised or not; short texts and one conversation are fine")
    func repeated() {
        var limits = SpamGuard.Limits()
        limits.repeatConversations = 3
        var guardian = SpamGuard(limits: limits)
        let pitch = "buy cheap tickets at my site"
        for index in 0..<3 {
            #expect(guardian.check(sender: "spam", conversation: "c\(index)", text: pitch, now: Double(index * 20)) == .allowed)
        }
        #expect(guardian.check(sender: "spam", conversation: "c9", text: "BUY cheap t1ckets at my site!", now: 70) == .repeated(retryAfter: 530))
        // Into a conversation it already went to, it is not a new recipient.
        #expect(guardian.check(sender: "spam", conversation: "c1", text: pitch, now: 71) == .allowed)
        for index in 0..<10 {
            #expect(guardian.check(sender: "fan", conversation: "c\(index)", text: "see you there", now: Double(index * 20)) == .allowed)
        }
        #expect(guardian.check(sender: "spam", conversation: "c9", text: pitch, now: 700) == .allowed)
    }

    @Test("the number of senders remembered is bounded")
    func bounded() {
        var limits = SpamGuard.Limits()
        limits.senders = 100
        var guardian = SpamGuard(limits: limits)
        for index in 0..<1_000 {
            _ = guardian.check(sender: "s\(index)", conversation: "c", text: "hi", now: Double(index))
        }
        #expect(guardian.rememberedSenders <= 100)
    }
}
