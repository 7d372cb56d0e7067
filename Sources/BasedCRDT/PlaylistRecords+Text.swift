/// A compact line format of `PlaylistRecords` for storage: parsing 10,000
/// elements from it takes a few milliseconds, where JSON takes hundreds.
///
///     based-playlist 1
///     R 0 <replica>                        one line per replica, numbered
///     E <counter> <replica#> <track>       an element
///     S <counter> <replica#> <element counter> <element replica#> [<after counter> <after replica#>]
///     X <counter> <replica#> <element counter> <element replica#>   a removal
///     B <operation as JSON>                a waiting operation (rare)
///
/// Replica ids and tracks hold no spaces or line breaks (replica ids by
/// `OpID.isValidReplica`; tracks are checked by `encodeText`).
extension PlaylistRecords {
    public static let textHeader = "based-playlist 1"

    /// The records as text; nil when a track holds a space or line break.
    public func encodeText(encodeOperation: (PlaylistOperation) -> String?) -> String? {
        var replicas: [String: Int] = [:]
        var replicaLines: [String] = []
        func number(_ replica: String) -> Int {
            if let known = replicas[replica] { return known }
            let next = replicas.count
            replicas[replica] = next
            replicaLines.append("R \(next) \(replica)")
            return next
        }
        var body: [String] = []
        body.reserveCapacity(elements.count + slots.count + removals.count)
        for element in elements {
            guard !element.track.isEmpty, !element.track.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) else { return nil }
            body.append("E \(element.id.counter) \(number(element.id.replica)) \(element.track)")
        }
        for slot in slots {
            var line = "S \(slot.id.counter) \(number(slot.id.replica)) \(slot.element.counter) \(number(slot.element.replica))"
            if let after = slot.after { line += " \(after.counter) \(number(after.replica))" }
            body.append(line)
        }
        for removal in removals {
            body.append("X \(removal.id.counter) \(number(removal.id.replica)) \(removal.element.counter) \(number(removal.element.replica))")
        }
        for operation in buffered {
            guard let json = encodeOperation(operation), !json.contains("\n") else { return nil }
            body.append("B \(json)")
        }
        return ([Self.textHeader] + replicaLines + body).joined(separator: "\n")
    }

    /// Reads records written by `encodeText`.
    public init(text: String, decodeOperation: (Substring) -> PlaylistOperation?) throws(PlaylistError) {
        self.init()
        var replicas: [Int: String] = [:]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == Substring(Self.textHeader) else { throw Self.invalid("unknown header") }
        for line in lines.dropFirst() {
            let kind = line.first
            if kind == "B" {
                guard let operation = decodeOperation(line.dropFirst(2)) else { throw Self.invalid("bad waiting operation") }
                buffered.append(operation)
                continue
            }
            let fields = line.split(separator: " ")
            func id(_ at: Int) throws(PlaylistError) -> OpID {
                guard at + 1 < fields.count, let counter = Int(fields[at]), let index = Int(fields[at + 1]), let replica = replicas[index] else {
                    throw Self.invalid("bad id in \(line.prefix(80))")
                }
                return OpID(counter: counter, replica: replica)
            }
            switch kind {
            case "R":
                guard fields.count == 3, let index = Int(fields[1]) else { throw Self.invalid("bad replica line") }
                replicas[index] = String(fields[2])
            case "E":
                guard fields.count == 4 else { throw Self.invalid("bad element line") }
                elements.append(Element(id: try id(1), track: String(fields[3])))
            case "S":
                guard fields.count == 5 || fields.count == 7 else { throw Self.invalid("bad slot line") }
                slots.append(Slot(id: try id(1), element: try id(3), after: fields.count == 7 ? try id(5) : nil))
            case "X":
                guard fields.count == 5 else { throw Self.invalid("bad removal line") }
                removals.append(Removal(id: try id(1), element: try id(3)))
            default:
                throw Self.invalid("unknown line kind")
            }
        }
    }

    private static func invalid(_ reason: String) -> PlaylistError {
        PlaylistError(.invalidRecords, "Stored playlist records are unreadable: \(reason).")
    }
}
