import BasedCRDT
import Testing

/// An id made by replica `replica` at `counter`.
func id(_ counter: Int, _ replica: String = "a") -> OpID {
    OpID(counter: counter, replica: replica)
}

/// A playlist that has applied `operations`, in order.
func playlist(_ operations: PlaylistOperation..., replica: String = "x") throws -> CollaborativePlaylist {
    var playlist = CollaborativePlaylist(replica: replica)
    for operation in operations {
        try playlist.apply(operation)
    }
    return playlist
}

@Suite("Applying playlist operations")
struct PlaylistOperationTests {
    @Test("an insert shows its track right after the element whose slot it names")
    func insertAfter() throws {
        let list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "C", after: id(1)),
            .insert(id: id(3), track: "B", after: id(1))
        )
        #expect(list.tracks == ["A", "B", "C"])
    }

    @Test("an insert after no slot shows first")
    func insertAtHead() throws {
        let list = try playlist(.insert(id: id(1), track: "B", after: nil), .insert(id: id(2), track: "A", after: nil))
        #expect(list.tracks == ["A", "B"])
    }

    @Test("the same track inserted twice is two elements with their own ids")
    func sameTrackTwice() throws {
        let list = try playlist(.insert(id: id(1), track: "A", after: nil), .insert(id: id(2), track: "A", after: id(1)))
        #expect(list.elements == [
            PlaylistElement(id: id(1), track: "A", slot: id(1)),
            PlaylistElement(id: id(2), track: "A", slot: id(2)),
        ])
    }

    @Test("an operation applied again is a duplicate and changes nothing")
    func duplicate() throws {
        var list = try playlist(.insert(id: id(1), track: "A", after: nil), .remove(id: id(2), element: id(1)))
        let records = list.records
        #expect(try list.apply(.insert(id: id(1), track: "A", after: nil)) == .duplicate)
        #expect(try list.apply(.remove(id: id(2), element: id(1))) == .duplicate)
        #expect(list.records == records)
    }

    @Test("an id already used by another operation is refused")
    func idReused() throws {
        var list = try playlist(.insert(id: id(1), track: "A", after: nil))
        #expect(throws: PlaylistError.self) { try list.apply(.insert(id: id(1), track: "B", after: nil)) }
        #expect(list.tracks == ["A"])
    }

    @Test("an operation whose slot has not arrived waits, and takes effect when it arrives")
    func bufferedUntilAnchorArrives() throws {
        var list = CollaborativePlaylist(replica: "x")
        #expect(try list.apply(.insert(id: id(2), track: "B", after: id(1))) == .buffered(waitingFor: id(1)))
        #expect(list.tracks.isEmpty)
        #expect(list.bufferedCount == 1)
        #expect(try list.apply(.insert(id: id(1), track: "A", after: nil)) == .applied)
        #expect(list.tracks == ["A", "B"])
        #expect(list.bufferedCount == 0)
    }

    @Test("a chain of operations delivered backwards takes effect when its first arrives")
    func chainDeliveredBackwards() throws {
        let chain: [PlaylistOperation] = [
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .move(id: id(3), element: id(1), after: id(2)),
            .remove(id: id(4), element: id(2)),
        ]
        var list = CollaborativePlaylist(replica: "x")
        for operation in chain.reversed() {
            try list.apply(operation)
        }
        #expect(list.tracks == ["A"])
        #expect(list.records == (try playlist(chain[0], chain[1], chain[2], chain[3])).records)
    }

    @Test("an operation that waits is a duplicate when received again")
    func bufferedDuplicate() throws {
        var list = try playlist(.remove(id: id(2), element: id(1)))
        #expect(try list.apply(.remove(id: id(2), element: id(1))) == .duplicate)
        #expect(list.bufferedCount == 1)
    }

    @Test("a remove of an element that never arrives stays buffered")
    func removeOfUnknownStaysBuffered() throws {
        let list = try playlist(.insert(id: id(1), track: "A", after: nil), .remove(id: id(5), element: id(4, "b")))
        #expect(list.tracks == ["A"])
        #expect(list.bufferedCount == 1)
    }

    @Test("a removed element's slot still anchors what is inserted after it")
    func removedSlotAnchors() throws {
        let list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .remove(id: id(3, "b"), element: id(1)),
            .insert(id: id(3), track: "C", after: id(1))
        )
        #expect(list.tracks == ["C", "B"])
    }

    @Test("a moved element is shown at its new place only")
    func move() throws {
        let list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .insert(id: id(3), track: "C", after: id(2)),
            .move(id: id(4), element: id(1), after: id(3))
        )
        #expect(list.elements.map(\.track) == ["B", "C", "A"])
        #expect(list.elements.last?.slot == id(4))
    }

    @Test("what was inserted after an element stays where it was put when that element moves")
    func insertAfterMovedElementStays() throws {
        let list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .move(id: id(3), element: id(1), after: id(2)),
            .insert(id: id(3, "b"), track: "N", after: id(1))
        )
        #expect(list.tracks == ["N", "B", "A"])
    }

    @Test("a remove wins over a concurrent move, whichever arrives first")
    func removeWinsOverMove() throws {
        let insert = PlaylistOperation.insert(id: id(1), track: "A", after: nil)
        let other = PlaylistOperation.insert(id: id(2), track: "B", after: id(1))
        let move = PlaylistOperation.move(id: id(3, "a"), element: id(1), after: id(2))
        let remove = PlaylistOperation.remove(id: id(3, "b"), element: id(1))
        #expect(try playlist(insert, other, move, remove).tracks == ["B"])
        #expect(try playlist(insert, other, remove, move).tracks == ["B"])
    }

    @Test("a move of a removed element does not bring it back, and its slot still anchors inserts")
    func moveOfRemovedElement() throws {
        let list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .remove(id: id(3), element: id(1)),
            .move(id: id(4, "b"), element: id(1), after: id(2)),
            .insert(id: id(5, "b"), track: "C", after: id(4, "b"))
        )
        #expect(list.tracks == ["B", "C"])
    }

    @Test("concurrent moves of one element agree on the move with the greatest id, whichever arrives first")
    func concurrentMoves() throws {
        let setup: [PlaylistOperation] = [
            .insert(id: id(1), track: "A", after: nil),
            .insert(id: id(2), track: "B", after: id(1)),
            .insert(id: id(3), track: "C", after: id(2)),
        ]
        let toEnd = PlaylistOperation.move(id: id(4, "a"), element: id(1), after: id(3))
        let toMiddle = PlaylistOperation.move(id: id(4, "b"), element: id(1), after: id(2))
        let one = try playlist(setup[0], setup[1], setup[2], toEnd, toMiddle)
        let other = try playlist(setup[0], setup[1], setup[2], toMiddle, toEnd)
        #expect(one.tracks == ["B", "A", "C"])
        #expect(other.elements == one.elements)
    }

    @Test("concurrent inserts at one place are shown by descending id on every replica")
    func concurrentInserts() throws {
        let first = PlaylistOperation.insert(id: id(1), track: "A", after: nil)
        let byA = PlaylistOperation.insert(id: id(2, "a"), track: "from a", after: id(1))
        let byB = PlaylistOperation.insert(id: id(2, "b"), track: "from b", after: id(1))
        let byC = PlaylistOperation.insert(id: id(3, "c"), track: "from c", after: id(1))
        #expect(try playlist(first, byA, byB, byC).tracks == ["A", "from c", "from b", "from a"])
        #expect(try playlist(first, byC, byB, byA).tracks == ["A", "from c", "from b", "from a"])
    }

    @Test("receiving an operation moves the clock up to its counter")
    func lamportClock() throws {
        var list = try playlist(.insert(id: id(7, "b"), track: "A", after: nil))
        #expect(list.clock == 7)
        #expect(try list.insert("B", at: 1).id == id(8, "x"))
    }

    @Test("an operation naming an id it cannot have seen is refused")
    func causalityViolation() {
        var list = CollaborativePlaylist(replica: "x")
        #expect(throws: PlaylistError(.causalityViolation, "2@a names 2@b, which it cannot have seen")) {
            try list.apply(.insert(id: id(2, "a"), track: "A", after: id(2, "b")))
        }
    }

    @Test("an operation with a malformed id is refused")
    func invalidID() {
        var list = CollaborativePlaylist(replica: "x")
        for bad in [id(0), id(1, ""), id(1, "a b"), id(1, "é"), id(OpID.maximumCounter + 1)] {
            #expect(throws: PlaylistError.self) { try list.apply(.insert(id: bad, track: "A", after: nil)) }
        }
    }

    @Test("an operation naming a move as its element is refused")
    func elementMustBeAnInsert() throws {
        var list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .move(id: id(2), element: id(1), after: nil)
        )
        #expect {
            try list.apply(.remove(id: id(3), element: id(2)))
        } throws: { ($0 as? PlaylistError)?.code == .invalidReference }
    }

    @Test("a waiting operation found to name a move as its element is dropped when the move arrives")
    func waitingInvalidReferenceDropped() throws {
        var list = try playlist(
            .insert(id: id(1), track: "A", after: nil),
            .remove(id: id(3), element: id(2))
        )
        #expect(list.bufferedCount == 1)
        try list.apply(.move(id: id(2), element: id(1), after: nil))
        #expect(list.bufferedCount == 0)
        #expect(list.tracks == ["A"])
        #expect(list.operation(id(3)) == nil)
    }
}
