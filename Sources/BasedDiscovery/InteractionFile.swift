/// An interaction log as CSV, the input of `based recommend evaluate`: a
/// header naming the columns `user`, `item`, `timestamp` and optionally
/// `weight` (in any order), then one interaction per line. Fields hold no
/// commas or quotes; a blank line is skipped.
public struct InteractionFile: Sendable {
    public struct Interaction: Sendable, Equatable {
        public var user: String
        public var item: String
        public var timestamp: Double
        public var weight: Float
        /// The interaction's line in the file (1-based), which breaks timestamp ties.
        public var line: Int
    }

    public private(set) var interactions: [Interaction] = []

    public static let requiredColumns = ["user", "item", "timestamp"]
    public static let optionalColumns = ["weight"]

    /// Parses the whole text; the first problem is thrown with its line number.
    public init(parsing text: String) throws(DiscoveryError) {
        var lineNumber = 0
        var columns: (user: Int, item: Int, timestamp: Int, weight: Int?, count: Int)?
        // "\r\n" is one Character, a newline like "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
            guard let layout = columns else {
                columns = try Self.header(fields, line: lineNumber)
                continue
            }
            guard fields.count == layout.count else {
                throw .malformedFile(line: lineNumber, "expected \(layout.count) fields, found \(fields.count)")
            }
            if fields.contains(where: { $0.contains("\"") }) {
                throw .malformedFile(line: lineNumber, "quoted fields are not supported")
            }
            let user = fields[layout.user], item = fields[layout.item]
            guard !user.isEmpty else { throw .malformedFile(line: lineNumber, "user is empty") }
            guard !item.isEmpty else { throw .malformedFile(line: lineNumber, "item is empty") }
            guard let timestamp = Double(fields[layout.timestamp]), timestamp.isFinite else {
                throw .malformedFile(line: lineNumber, "timestamp \"\(fields[layout.timestamp])\" is not a number")
            }
            var weight: Float = 1
            if let column = layout.weight {
                guard let value = Float(fields[column]), value.isFinite, value > 0 else {
                    throw .malformedFile(line: lineNumber, "weight \"\(fields[column])\" is not a positive number")
                }
                weight = value
            }
            interactions.append(.init(user: user, item: item, timestamp: timestamp, weight: weight, line: lineNumber))
        }
        guard columns != nil else { throw .malformedFile(line: max(lineNumber, 1), "the file has no header") }
    }

    private static func header(_ names: [String], line: Int) throws(DiscoveryError) -> (user: Int, item: Int, timestamp: Int, weight: Int?, count: Int) {
        let known = Set(requiredColumns + optionalColumns)
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let column = name.lowercased()
            guard known.contains(column) else {
                throw .malformedFile(line: line, "unknown column \"\(name)\" (expected \((requiredColumns + optionalColumns).joined(separator: ", ")))")
            }
            guard positions[column] == nil else { throw .malformedFile(line: line, "column \"\(name)\" appears twice") }
            positions[column] = index
        }
        for column in requiredColumns where positions[column] == nil {
            throw .malformedFile(line: line, "missing column \"\(column)\"")
        }
        return (positions["user"]!, positions["item"]!, positions["timestamp"]!, positions["weight"], names.count)
    }

    /// Each user's interactions split in time: for a user with more than
    /// `holdout` interactions, the last `holdout` (by timestamp, then line) are
    /// held out and the rest train; other users only train. Users are in order of first appearance.
    public func split(holdout: Int) -> [UserSplit] {
        var order: [String] = []
        var byUser: [String: [Interaction]] = [:]
        for interaction in interactions {
            if byUser[interaction.user] == nil { order.append(interaction.user) }
            byUser[interaction.user, default: []].append(interaction)
        }
        return order.map { user in
            let sorted = byUser[user]!.sorted { ($0.timestamp, $0.line) < ($1.timestamp, $1.line) }
            let cut = sorted.count > holdout ? sorted.count - holdout : sorted.count
            return UserSplit(user: user, training: Array(sorted[..<cut]), heldOut: Array(sorted[cut...]))
        }
    }

    public struct UserSplit: Sendable {
        public var user: String
        /// Oldest first.
        public var training: [Interaction]
        public var heldOut: [Interaction]
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var view = self[...]
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
