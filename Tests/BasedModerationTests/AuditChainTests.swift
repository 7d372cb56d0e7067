import BasedModeration
import Testing

@Suite("Audit chain")
struct AuditChainTests {
    /// A chain of `count` entries built as the log appends them.
    static func chain(_ texts: [String]) -> [AuditChain.Link] {
        var previous = AuditChain.genesis
        return texts.enumerated().map { index, text in
            let hash = AuditChain.hash(previous: previous, text: text)
            defer { previous = hash }
            return AuditChain.Link(seq: index + 1, text: text, previous: previous, hash: hash)
        }
    }

    static func broken(_ result: Result<(seq: Int, hash: String), AuditChain.Break>) -> AuditChain.Break? {
        if case .failure(let broken) = result { return broken }
        return nil
    }

    @Test("a chain as appended verifies, and its head is the last entry's")
    func intact() throws {
        let links = Self.chain(["hide track 1", "warn user 2", "ban user 2"])
        let head = try AuditChain.verify(links).get()
        #expect(head.seq == 3)
        #expect(head.hash == links[2].hash)
        // SHA-256 of 64 zeros, a newline and "a", as sha256sum computes it.
        #expect(AuditChain.hash(previous: AuditChain.genesis, text: "a") == "2e04306c2c1c72c0567b0630f213452ce913cee8d0772efd39e5699ed22aa637")
    }

    @Test("an edited text breaks its own link")
    func editedText() {
        var links = Self.chain(["hide track 1", "warn user 2", "ban user 2"])
        links[1].text = "dismiss user 2"
        #expect(Self.broken(AuditChain.verify(links)) == .init(seq: 2, kind: .hashMismatch))
    }

    @Test("an edited text with its hash recomputed breaks the next link")
    func rehashed() {
        var links = Self.chain(["hide track 1", "warn user 2", "ban user 2"])
        links[1].text = "dismiss user 2"
        links[1].hash = AuditChain.hash(previous: links[1].previous, text: links[1].text)
        #expect(Self.broken(AuditChain.verify(links)) == .init(seq: 3, kind: .previousMismatch))
    }

    @Test("a removed entry is a gap; a removed last entry is only seen against a known head")
    func removed() {
        let links = Self.chain(["a", "b", "c"])
        #expect(Self.broken(AuditChain.verify([links[0], links[2]])) == .init(seq: 2, kind: .gap))
        #expect(Self.broken(AuditChain.verify(links.dropFirst())) == .init(seq: 1, kind: .gap))
    }

    @Test("verification continues from a verified head")
    func continues() throws {
        let links = Self.chain(["a", "b", "c", "d"])
        let head = try AuditChain.verify(links.prefix(2)).get()
        #expect(try AuditChain.verify(links.dropFirst(2), after: head).get().seq == 4)
    }
}
