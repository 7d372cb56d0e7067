import BasedCRDT
import Testing

/// A playlist of replica "x" showing `tracks`, made by local inserts.
func playlist(showing tracks: [String]) throws -> CollaborativePlaylist {
    var list = CollaborativePlaylist(replica: "x")
    for (index, track) in tracks.enumerated() {
        _ = try list.insert(track, at: index)
    }
    return list
}

@Suite("Editing a playlist by index")
struct PlaylistEditingTests {
    @Test("an insert at an index shows the track at that index")
    func insertAtIndex() throws {
        var list = try playlist(showing: ["A", "B", "C"])
        _ = try list.insert("N", at: 1)
        #expect(list.tracks == ["A", "N", "B", "C"])
    }

    @Test("an insert at the count appends")
    func insertAtEnd() throws {
        var list = try playlist(showing: ["A", "B"])
        _ = try list.insert("N", at: 2)
        #expect(list.tracks == ["A", "B", "N"])
    }

    @Test("an insert names the slot of the element shown before the index")
    func insertNamesSlotBefore() throws {
        var list = try playlist(showing: ["A", "B"])
        _ = try list.move(from: 0, to: 1)
        let operation = try list.insert("N", at: 2)
        #expect(operation.after == list.elements[1].slot)
        #expect(list.elements[1].slot != list.elements[1].id)
    }

    @Test("an index past the end is refused with indexOutOfRange and changes nothing")
    func indexOutOfRange() throws {
        var list = try playlist(showing: ["A", "B"])
        let records = list.records
        let isIndexError: @Sendable (any Error) -> Bool = { ($0 as? PlaylistError)?.code == .indexOutOfRange }
        #expect(performing: { try list.insert("N", at: 3) }, throws: isIndexError)
        #expect(performing: { try list.insert("N", at: -1) }, throws: isIndexError)
        #expect(performing: { try list.remove(at: 2) }, throws: isIndexError)
        #expect(performing: { try list.move(from: 2, to: 0) }, throws: isIndexError)
        #expect(performing: { try list.move(from: 0, to: 2) }, throws: isIndexError)
        #expect(list.records == records)
        #expect(list.clock == 2)
    }

    @Test("a remove at an index hides that element")
    func removeAtIndex() throws {
        var list = try playlist(showing: ["A", "B", "C"])
        let operation = try list.remove(at: 1)
        #expect(list.tracks == ["A", "C"])
        #expect(operation.element == OpID(counter: 2, replica: "x"))
    }

    @Test("a move shows the element at the destination and the others in their order", arguments: [
        (0, 2, ["B", "C", "A", "D"]),
        (3, 0, ["D", "A", "B", "C"]),
        (1, 2, ["A", "C", "B", "D"]),
        (2, 1, ["A", "C", "B", "D"]),
        (1, 1, ["A", "B", "C", "D"]),
    ])
    func moveByIndex(source: Int, destination: Int, expected: [String]) throws {
        var list = try playlist(showing: ["A", "B", "C", "D"])
        _ = try list.move(from: source, to: destination)
        #expect(list.tracks == expected)
    }

    @Test("each local edit gets a counter above everything this replica has seen")
    func countersIncrease() throws {
        var list = try playlist(showing: ["A"])
        try list.apply(.insert(id: OpID(counter: 10, replica: "b"), track: "B", after: nil))
        let counters = try [list.insert("C", at: 0), list.move(from: 0, to: 2), list.remove(at: 0)].map(\.id.counter)
        #expect(counters == [11, 12, 13])
    }

    @Test("a local edit applied on another replica shows the same sequence there")
    func editsReplicate() throws {
        var local = CollaborativePlaylist(replica: "x")
        var remote = CollaborativePlaylist(replica: "y")
        let operations = try [
            local.insert("A", at: 0), local.insert("B", at: 1), local.insert("C", at: 1),
            local.move(from: 0, to: 2), local.remove(at: 1),
        ]
        for operation in operations {
            try remote.apply(operation)
        }
        #expect(remote.elements == local.elements)
    }
}
