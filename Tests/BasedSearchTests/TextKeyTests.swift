import BasedSearch
import Testing

@Suite("Text keys")
struct TextKeyTests {
    @Test("accents go", arguments: [("Björk", "bjork"), ("Sigur Rós", "sigur ros"), ("Mötley Crüe", "motley crue"), ("e\u{301}clair", "eclair")])
    func accents(_ text: String, _ key: String) {
        #expect(TextKey.normalize(text) == key)
    }

    @Test("punctuation separates words", arguments: [("AC/DC", "ac dc"), ("Jay-Z", "jay z"), ("  Hello,   World!  ", "hello world"), ("a.b.c", "a b c")])
    func punctuation(_ text: String, _ key: String) {
        #expect(TextKey.normalize(text) == key)
    }

    @Test("apostrophes join, straight or curly")
    func apostrophes() {
        #expect(TextKey.normalize("Don't Stop") == "dont stop")
        #expect(TextKey.normalize("Don\u{2019}t Stop") == "dont stop")
    }

    @Test("letters that do not decompose are spelled out")
    func spelledOut() {
        #expect(TextKey.normalize("Straße") == "strasse")
        #expect(TextKey.normalize("ØSTERSØ") == "osterso")
        #expect(TextKey.normalize("Łódź") == "lodz")
    }

    @Test("other scripts stay, lower-cased")
    func scripts() {
        #expect(TextKey.normalize("Привет Мир") == "привет мир")
        #expect(TextKey.normalize("東京") == "東京")
        #expect(TextKey.normalize("مرحبا") == "مرحبا")
    }

    @Test("emoji, zero-width and syntax characters are not words")
    func noise() {
        #expect(TextKey.normalize("🎵🎵") == "")
        #expect(TextKey.normalize("zero\u{200B}width") == "zerowidth")
        #expect(TextKey.normalize("\"*NEAR:-%_\\") == "near")
    }

    @Test("the key is cut at the limit")
    func limit() {
        #expect(TextKey.normalize(String(repeating: "a", count: 1000), limit: 200).utf8.count == 200)
    }
}

@Suite("Edit distance")
struct EditDistanceTests {
    @Test("typos allowed grow with the word", arguments: [(3, 0), (4, 1), (7, 1), (8, 2), (20, 2)])
    func allowance(_ length: Int, _ edits: Int) {
        #expect(EditDistance.allowance(forLength: length) == edits)
    }

    @Test("one edit of each kind", arguments: [("radiohead", "radiohed"), ("radiohead", "radioheads"), ("radiohead", "radiohaed"), ("radiohead", "radiohxad")])
    func oneEdit(_ a: String, _ b: String) {
        #expect(EditDistance.distance(Array(a.utf8), Array(b.utf8), limit: 2) == 1)
    }

    @Test("the distance stops counting past the limit")
    func bounded() {
        #expect(EditDistance.distance(Array("abcdefgh".utf8), Array("zyxwvuts".utf8), limit: 2) == 3)
        #expect(!EditDistance.within(1, "kitten".utf8, "sitting".utf8))
        #expect(EditDistance.within(3, "kitten".utf8, "sitting".utf8))
    }
}
