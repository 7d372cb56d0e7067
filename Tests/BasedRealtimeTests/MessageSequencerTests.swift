import BasedRealtime
import Foundation
import Testing

@Suite("One socket's order: every sequence once, in order")
struct MessageSequencerTests {
    let c = UUID()

    @Test("the first message starts the order; the next ones follow")
    func firstSight() {
        var sequencer = MessageSequencer<Int>()
        #expect(sequencer.live(7, seq: 7, in: c).write == [7])
        #expect(sequencer.live(8, seq: 8, in: c).write == [8])
    }

    @Test("a message past a gap waits, and the gap is reported once")
    func gap() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        let ahead = sequencer.live(4, seq: 4, in: c)
        #expect(ahead.write.isEmpty)
        #expect(ahead.gap == .init(conversation: c, after: 1, before: 4))
        #expect(sequencer.live(5, seq: 5, in: c).gap == nil, "the gap is already being filled")
        #expect(sequencer.waitingCount == 2)
        #expect(sequencer.live(2, seq: 2, in: c).write == [2])
        #expect(sequencer.live(3, seq: 3, in: c).write == [3, 4, 5])
        #expect(sequencer.waitingCount == 0)
    }

    @Test("repeats are dropped")
    func repeats() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        _ = sequencer.live(2, seq: 2, in: c)
        #expect(sequencer.live(2, seq: 2, in: c).write.isEmpty)
        #expect(sequencer.live(1, seq: 1, in: c).write.isEmpty)
    }

    @Test("a fill that ends with messages still waiting reports the gap again")
    func fillEnded() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        _ = sequencer.live(3, seq: 3, in: c)
        #expect(sequencer.fillEnded(in: c) == .init(conversation: c, after: 1, before: 3))
        _ = sequencer.live(2, seq: 2, in: c)
        #expect(sequencer.fillEnded(in: c) == nil)
    }

    @Test("while held, live messages wait behind the replay, which is not repeated")
    func replay() {
        var sequencer = MessageSequencer<Int>()
        sequencer.hold()
        #expect(sequencer.live(81, seq: 81, in: c).write.isEmpty)
        #expect(sequencer.live(82, seq: 82, in: c).write.isEmpty)
        var replayed: [Int] = []
        for seq in 21...81 {
            if let frame = sequencer.replayed(seq, seq: seq, in: c) { replayed.append(frame) }
        }
        #expect(replayed == Array(21...81))
        let released = sequencer.release()
        #expect(released.write == [82], "81 came with the replay and is not sent twice")
        #expect(released.gaps.isEmpty)
        #expect(!sequencer.isHolding)
    }

    @Test("a live message sent before the resume is not replayed again")
    func liveBeforeResume() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(121, seq: 121, in: c)
        sequencer.hold()
        var replayed: [Int] = []
        for seq in 119...122 {
            if let frame = sequencer.replayed(seq, seq: seq, in: c) { replayed.append(frame) }
        }
        #expect(replayed == [119, 120, 122])
        _ = sequencer.live(122, seq: 122, in: c)
        #expect(sequencer.release().write.isEmpty)
        #expect(sequencer.live(123, seq: 123, in: c).write == [123])
    }

    @Test("held messages that arrived out of order are released in order")
    func releaseSorts() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        sequencer.hold()
        for seq in [4, 2, 3] { _ = sequencer.live(seq, seq: seq, in: c) }
        #expect(sequencer.waitingCount == 3)
        #expect(sequencer.release().write == [2, 3, 4])
        #expect(sequencer.waitingCount == 0)
    }

    @Test("a restarted conversation begins again at its next message")
    func restart() {
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        _ = sequencer.live(900, seq: 900, in: c)
        sequencer.restart(c)
        #expect(sequencer.waitingCount == 0)
        #expect(sequencer.live(901, seq: 901, in: c).write == [901])
    }

    @Test("any delivery order, with repeats and fills, gives each sequence once in order", arguments: 0..<50)
    func shuffled(round: Int) {
        var generator = SplitMix(seed: UInt64(round) &* 7919)
        var sequencer = MessageSequencer<Int>()
        _ = sequencer.live(1, seq: 1, in: c)
        var arrivals = Array(2...80)
        arrivals.shuffle(using: &generator)
        arrivals += arrivals.prefix(20)
        var out: [Int] = []
        var pendingGaps: [MessageSequencer<Int>.Gap] = []
        for seq in arrivals {
            let result = sequencer.live(seq, seq: seq, in: c)
            out += result.write
            if let gap = result.gap { pendingGaps.append(gap) }
            // Now and then a fill comes back from the database.
            if seq % 7 == 0, let gap = pendingGaps.popLast() {
                for missing in (gap.after + 1)..<gap.before { out += sequencer.live(missing, seq: missing, in: c).write }
                if let next = sequencer.fillEnded(in: c) { pendingGaps.append(next) }
            }
        }
        #expect(out == Array(2...80))
        #expect(sequencer.waitingCount == 0)
    }
}
