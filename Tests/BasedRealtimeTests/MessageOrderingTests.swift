import BasedRealtime
import Foundation
import Testing

@Suite("Message ordering per conversation (one process)")
struct MessageOrderingTests {
    let a = UUID()
    let b = UUID()

    @Test("messages in order go straight out")
    func inOrder() {
        var ordering = MessageOrdering<Int>()
        #expect(ordering.accept(1, seq: 1, in: a) == [1])
        #expect(ordering.accept(2, seq: 2, in: a) == [2])
        #expect(ordering.gapToFill(in: a) == nil)
    }

    @Test("a message ahead of a gap waits, and goes out with the one that fills it")
    func waitsBehindGap() {
        var ordering = MessageOrdering<Int>()
        _ = ordering.accept(1, seq: 1, in: a)
        #expect(ordering.accept(4, seq: 4, in: a).isEmpty)
        #expect(ordering.accept(3, seq: 3, in: a).isEmpty)
        #expect(ordering.isWaiting(in: a))
        #expect(ordering.accept(2, seq: 2, in: a) == [2, 3, 4])
        #expect(!ordering.isWaiting(in: a))
    }

    @Test("the gap to fill runs from the next sequence to just before the first waiting one, once at a time")
    func gapToFill() {
        var ordering = MessageOrdering<Int>()
        _ = ordering.accept(1, seq: 1, in: a)
        _ = ordering.accept(5, seq: 5, in: a)
        #expect(ordering.gapToFill(in: a) == 2...4)
        #expect(ordering.gapToFill(in: a) == nil, "a fill is under way")
        ordering.fillEnded(in: a)
        #expect(ordering.gapToFill(in: a) == 2...4)
    }

    @Test("a conversation first seen through a message that overtook older ones starts at the older ones")
    func startingAt() {
        var ordering = MessageOrdering<Int>()
        #expect(!ordering.isKnown(a))
        #expect(ordering.accept(3, seq: 3, in: a, startingAt: 1).isEmpty)
        #expect(ordering.isKnown(a))
        #expect(ordering.gapToFill(in: a) == 1...2)
        #expect(ordering.accept(1, seq: 1, in: a) == [1])
        #expect(ordering.accept(2, seq: 2, in: a) == [2, 3])
        // Once known, a later start is ignored.
        #expect(ordering.accept(4, seq: 4, in: a, startingAt: 1) == [4])
    }

    @Test("repeats and older sequences are dropped")
    func repeats() {
        var ordering = MessageOrdering<Int>()
        _ = ordering.accept(1, seq: 1, in: a)
        _ = ordering.accept(2, seq: 2, in: a)
        #expect(ordering.accept(2, seq: 2, in: a).isEmpty)
        #expect(ordering.accept(1, seq: 1, in: a).isEmpty)
    }

    @Test("conversations are ordered independently")
    func independent() {
        var ordering = MessageOrdering<String>()
        _ = ordering.accept("a1", seq: 1, in: a)
        _ = ordering.accept("b7", seq: 7, in: b)
        #expect(ordering.accept("a3", seq: 3, in: a).isEmpty)
        #expect(ordering.accept("b8", seq: 8, in: b) == ["b8"])
        #expect(ordering.accept("a2", seq: 2, in: a) == ["a2", "a3"])
    }

    @Test("past its limit, idle conversations are forgotten and those with waiting messages kept")
    func limit() {
        var ordering = MessageOrdering<Int>(limit: 2)
        _ = ordering.accept(1, seq: 1, in: a)
        _ = ordering.accept(3, seq: 3, in: a) // waits for 2
        _ = ordering.accept(1, seq: 1, in: b)
        _ = ordering.accept(1, seq: 1, in: UUID())
        #expect(ordering.count == 2)
        #expect(ordering.accept(2, seq: 2, in: a) == [2, 3])
    }

    @Test("any arrival order of a dense run comes out in order, each once", arguments: 0..<50)
    func shuffled(round: Int) {
        var generator = SplitMix(seed: UInt64(round))
        var ordering = MessageOrdering<Int>()
        _ = ordering.accept(1, seq: 1, in: a)
        var arrivals = Array(2...60)
        arrivals.shuffle(using: &generator)
        // Some arrive twice, as a fill and the live delivery can.
        arrivals += arrivals.prefix(10)
        var out: [Int] = []
        for seq in arrivals { out += ordering.accept(seq, seq: seq, in: a) }
        #expect(out == Array(2...60))
    }
}

/// A small seeded generator, so shuffled cases repeat exactly.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
