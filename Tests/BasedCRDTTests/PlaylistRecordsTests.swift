import BasedCRDT
import Foundation
import Testing

@Suite("Playlist records and the operations' JSON")
struct PlaylistRecordsTests {
    /// A playlist with moves, removes, a tombstone anchor and a waiting operation.
    func edited() throws -> CollaborativePlaylist {
        var list = try playlist(showing: ["A", "B", "C", "A"])
        _ = try list.move(from: 0, to: 3)
        _ = try list.remove(at: 1)
        try list.apply(.insert(id: OpID(counter: 3, replica: "b"), track: "N", after: OpID(counter: 1, replica: "x")))
        try list.apply(.remove(id: OpID(counter: 20, replica: "b"), element: OpID(counter: 19, replica: "b")))
        return list
    }

    @Test("a copy rebuilt from records has the same records and shows the same elements")
    func recordsRoundTrip() throws {
        let list = try edited()
        let rebuilt = try CollaborativePlaylist(replica: "server", records: list.records)
        #expect(rebuilt.records == list.records)
        #expect(rebuilt.elements == list.elements)
        #expect(rebuilt.bufferedCount == 1)
        #expect(rebuilt.clock == list.clock)
    }

    @Test("records rebuild the same copy whatever the order of their rows")
    func recordsInAnyOrder() throws {
        let list = try edited()
        var records = list.records
        records.slots.reverse()
        records.elements.reverse()
        #expect(try CollaborativePlaylist(replica: "server", records: records).records == list.records)
    }

    @Test("records survive JSON unchanged")
    func recordsJSON() throws {
        let records = try edited().records
        let decoded = try JSONDecoder().decode(PlaylistRecords.self, from: JSONEncoder().encode(records))
        #expect(decoded == records)
    }

    @Test("records listing an element without its insert's slot are refused")
    func invalidRecords() throws {
        var records = try edited().records
        records.slots.removeAll { $0.id == $0.element }
        #expect { try CollaborativePlaylist(replica: "server", records: records) } throws: {
            ($0 as? PlaylistError)?.code == .invalidRecords
        }
    }

    @Test("operations encode to the documented JSON", arguments: [
        (
            PlaylistOperation.insert(id: OpID(counter: 7, replica: "a"), track: "t-42", after: OpID(counter: 5, replica: "b")),
            #"{"after":{"counter":5,"replica":"b"},"id":{"counter":7,"replica":"a"},"kind":"insert","track":"t-42"}"#
        ),
        (
            PlaylistOperation.insert(id: OpID(counter: 1, replica: "a"), track: "t-1", after: nil),
            #"{"after":null,"id":{"counter":1,"replica":"a"},"kind":"insert","track":"t-1"}"#
        ),
        (
            PlaylistOperation.move(id: OpID(counter: 8, replica: "a"), element: OpID(counter: 7, replica: "a"), after: nil),
            #"{"after":null,"element":{"counter":7,"replica":"a"},"id":{"counter":8,"replica":"a"},"kind":"move"}"#
        ),
        (
            PlaylistOperation.remove(id: OpID(counter: 9, replica: "b"), element: OpID(counter: 7, replica: "a")),
            #"{"element":{"counter":7,"replica":"a"},"id":{"counter":9,"replica":"b"},"kind":"remove"}"#
        ),
    ])
    func operationJSON(operation: PlaylistOperation, json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(operation), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(PlaylistOperation.self, from: Data(json.utf8)) == operation)
    }

    @Test("an insert or a move without `after` goes at the head")
    func absentAfterIsHead() throws {
        let json = #"{"kind":"move","id":{"counter":8,"replica":"a"},"element":{"counter":7,"replica":"a"}}"#
        let operation = try JSONDecoder().decode(PlaylistOperation.self, from: Data(json.utf8))
        #expect(operation == .move(id: OpID(counter: 8, replica: "a"), element: OpID(counter: 7, replica: "a"), after: nil))
    }

    @Test("a playlist of ten thousand elements rebuilds from its records to the same sequence")
    func tenThousand() throws {
        var list = CollaborativePlaylist(replica: "x")
        var random = SplitMix64(seed: 42)
        for n in 0..<10_000 {
            _ = try list.insert("t\(n % 700)", at: Int(random.next() % UInt64(list.count + 1)))
        }
        let rebuilt = try CollaborativePlaylist(replica: "server", records: list.records)
        #expect(rebuilt.count == 10_000)
        #expect(rebuilt.elements == list.elements)
    }
}
