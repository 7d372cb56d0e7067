import BasedCRDT
import PropertyBased
import Testing

/// Random concurrent edit histories (`EditHistory`) on 2–4 replicas, each
/// ending with every replica and a new one receiving every operation in a
/// random order with repeats.
@Suite("Collaborative playlists converge and keep intent")
struct ConvergenceTests {
    @Test("replicas that received the same operations, in any order and with repeats, show the same sequence")
    func convergence() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            let first = history.replicas[0]
            for replica in history.replicas.dropFirst() {
                #expect(replica.elements == first.elements)
                #expect(replica.records == first.records)
            }
        }
    }

    @Test("a copy rebuilt from its records, waiting operations included, is the same copy")
    func rebuiltFromRecords() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            for replica in history.beforeDelivery + history.replicas {
                let rebuilt = try CollaborativePlaylist(replica: replica.replica, records: replica.records)
                #expect(rebuilt.records == replica.records)
                #expect(rebuilt.elements == replica.elements)
                #expect(rebuilt.bufferedCount == replica.bufferedCount)
                #expect(rebuilt.clock == replica.clock)
            }
        }
    }

    @Test("nothing stays buffered once every operation has arrived")
    func nothingBuffered() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            #expect(history.replicas.allSatisfy { $0.bufferedCount == 0 })
        }
    }

    @Test("every element inserted and never removed is shown exactly once, and no other")
    func noLostInsert() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            let inserted = history.log.compactMap { if case .insert(let id, _, _) = $0 { id } else { nil } }
            let removed = Set(history.log.compactMap { if case .remove(_, let element) = $0 { element } else { nil } })
            let shown = history.replicas[0].elements.map(\.id)
            #expect(shown.count == Set(shown).count, "an element is shown twice")
            #expect(Set(shown) == Set(inserted).subtracting(removed))
        }
    }

    /// The precise rule: for an insert of E after slot S, where S is a slot of
    /// element X, if at the end X is still in S (X has not moved since, nor
    /// been removed) and E is still in its insert's slot, X is shown before E.
    @Test("an element inserted after X is shown after X unless one of them moved or was removed")
    func insertStaysAfterAnchor() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            let owners = history.elementOfSlot
            let final = history.replicas[0].elements
            let index = Dictionary(uniqueKeysWithValues: final.enumerated().map { ($1.slot, $0) })
            for case .insert(let id, _, let after?) in history.log {
                guard let anchor = index[after], let inserted = index[id] else { continue }
                #expect(anchor < inserted, "\(id) was inserted after \(after) (element \(owners[after]!))")
            }
        }
    }

    /// Generalises the rule above to any two elements any replica once showed:
    /// restricted to the elements still in the slot they were in then, the
    /// final order is the order that replica showed (slots never reorder).
    @Test("two elements keep the order a replica once showed them in unless one of them moved")
    func orderIsStable() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            let final = history.replicas[0].elements
            let index = Dictionary(uniqueKeysWithValues: final.enumerated().map { ($1.slot, $0) })
            for edit in history.edits {
                let stillInPlace = edit.after.compactMap { index[$0.slot] }
                #expect(stillInPlace == stillInPlace.sorted(), "order seen by replica \(edit.replica) after \(edit.operation)")
            }
        }
    }

    @Test("a local edit shows its element at the index asked for and leaves the others in order")
    func localEditsLandWhereAsked() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            for edit in history.edits {
                var expected = edit.before
                switch edit.operation {
                case .insert(let id, let track, _):
                    #expect(edit.after[edit.index].id == id)
                    expected.insert(edit.after[edit.index], at: edit.index)
                    #expect(edit.after[edit.index].track == track)
                case .remove:
                    expected.remove(at: edit.index)
                case .move(_, let element, _):
                    let moved = expected.remove(at: edit.source!)
                    #expect(moved.id == element)
                    expected.insert(edit.after[edit.index], at: edit.index)
                    #expect(edit.after[edit.index].id == element)
                }
                #expect(edit.after.map(\.id) == expected.map(\.id))
            }
        }
    }

    @Test("an element moved concurrently by several replicas is shown once, at the slot of the greatest move")
    func concurrentMovesPickOne() async {
        await propertyCheck(count: 300, input: Histories.replicaCount, Histories.steps, Histories.seed) { replicaCount, steps, seed in
            let history = try EditHistory(replicaCount: replicaCount, steps: steps, seed: seed)
            let greatestSlot = Dictionary(grouping: history.elementOfSlot, by: \.value).mapValues { $0.map(\.key).max()! }
            for element in history.replicas[0].elements {
                #expect(element.slot == greatestSlot[element.id])
            }
        }
    }
}
