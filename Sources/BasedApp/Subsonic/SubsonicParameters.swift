import Foundation
import HTTPTypes

/// A Subsonic request's parameters: the query string and, with the
/// `formPost` extension, a form body; names may repeat (`id=1&id=2`).
struct SubsonicParameters: Sendable {
    private var values: [String: [String]] = [:]

    init(query: String?, form: String? = nil) {
        for source in [query, form] {
            guard let source, !source.isEmpty else { continue }
            for pair in source.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = Self.decode(parts[0]), !name.isEmpty else { continue }
                values[name, default: []].append(parts.count > 1 ? Self.decode(parts[1]) ?? "" : "")
            }
        }
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    func has(_ name: String) -> Bool {
        values[name] != nil
    }

    /// Every value of a parameter that may repeat, in order.
    func all(_ name: String) -> [String] {
        values[name] ?? []
    }

    /// A parameter that may appear once; the same value twice is taken, two different ones are an error.
    func string(_ name: String) throws(SubsonicError) -> String? {
        guard let given = values[name], let first = given.first else { return nil }
        guard given.allSatisfy({ $0 == first }) else { throw .invalid(name, "is given more than once with different values") }
        return first
    }

    func required(_ name: String) throws(SubsonicError) -> String {
        guard let value = try string(name) else { throw .missing(name) }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(SubsonicError) -> Int? {
        guard let text = try string(name) else { return nil }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else { throw .invalid(name, "must be a whole number") }
        guard range.contains(number) else { throw .invalid(name, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return number
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws(SubsonicError) -> Double? {
        guard let text = try string(name) else { return nil }
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite else { throw .invalid(name, "must be a number") }
        guard range.contains(number) else { throw .invalid(name, "must be between \(Int(range.lowerBound)) and \(Int(range.upperBound))") }
        return number
    }

    func bool(_ name: String) throws(SubsonicError) -> Bool? {
        guard let text = try string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalid(name, "must be true or false")
        }
    }

    /// An id parameter. Something that is not one of our ids names nothing,
    /// so it is "not found" (70), as an id of the wrong kind is.
    func id(_ name: String) throws(SubsonicError) -> UUID? {
        guard let text = try string(name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw .notFound("The \(name) \(text)") }
        return id
    }

    func requiredID(_ name: String) throws(SubsonicError) -> UUID {
        guard let id = try id(name) else { throw .missing(name) }
        return id
    }

    /// Every value of a repeatable id parameter.
    func ids(_ name: String) throws(SubsonicError) -> [UUID] {
        var ids: [UUID] = []
        for text in all(name) {
            guard let id = UUID(uuidString: text) else { throw .notFound("The \(name) \(text)") }
            ids.append(id)
        }
        return ids
    }

    /// A page size: absent gives `fallback`; outside 0…`max` is an error, never silently clamped.
    func size(_ name: String, default fallback: Int, max: Int) throws(SubsonicError) -> Int {
        try int(name, in: 0...max) ?? fallback
    }

    func offset(_ name: String) throws(SubsonicError) -> Int {
        try int(name, in: 0...1_000_000) ?? 0
    }
}
