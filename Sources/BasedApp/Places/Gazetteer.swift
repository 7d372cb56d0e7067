import BasedSearch
import Foundation

/// Cities by name, offline: the GeoNames data an admin imports with
/// `based places import`, found by the prefix of any of their Latin-script
/// names for autocomplete, and resolved to coordinates for a city typed
/// without a pin.
public struct Gazetteer: Sendable {
    let database: Database

    public static let maxResults = 50
    /// Places written per statement batch during an import.
    static let importBatch = 500

    /// Places one of whose names starts with `query` (folded: case, accents and
    /// punctuation do not count), most populous first, each place once.
    public func search(_ query: String, limit: Int?) async throws -> [PlaceMatch] {
        let size = limit ?? 10
        guard (1...Self.maxResults).contains(size) else { throw AppError.validation("limit", "must be between 1 and \(Self.maxResults)") }
        guard query.count <= 100 else { throw AppError.validation("q", "must be at most 100 characters") }
        let key = TextKey.normalize(query, limit: 200)
        guard !key.isEmpty else { throw AppError.validation("q", "must contain a letter or digit") }
        // A place can match by several names; read enough rows to fill the page after merging.
        let rows = try await PlaceQueries.names(prefix: key, limit: size * 4, on: database.sql)
        var order: [Int] = []
        var matched: [Int: String] = [:]
        for row in rows where matched[row.placeId] == nil {
            order.append(row.placeId)
            matched[row.placeId] = row.name
            if order.count == size { break }
        }
        let places = Dictionary(uniqueKeysWithValues: try await PlaceQueries.places(ids: order, on: database.sql).map { ($0.id, $0) })
        return order.compactMap { id in
            places[id].map { PlaceMatch(place: $0, matched: matched[id] == $0.name ? nil : matched[id]) }
        }
    }

    /// The place a typed city means: the most populous one with that exact name
    /// (any of its names, folded); "Paris, US" or "Paris US" narrows to a country.
    public func resolve(city: String) async throws -> Place? {
        let key = TextKey.normalize(city, limit: 200)
        guard !key.isEmpty else { return nil }
        let words = key.split(separator: " ")
        if words.count >= 2, let last = words.last, last.count == 2 {
            let name = words.dropLast().joined(separator: " ")
            let country = last.uppercased()
            let rows = try await PlaceQueries.names(prefix: name, limit: 200, on: database.sql).filter { $0.key == name }
            let places = try await PlaceQueries.places(ids: rows.map(\.placeId), on: database.sql)
            if let place = places.filter({ $0.country == country }).max(by: { $0.population < $1.population }) { return place }
        }
        return try await PlaceQueries.best(key: key, on: database.sql)
    }

    public func count() async throws -> Int {
        try await PlaceQueries.count(on: database.sql)
    }

    public struct ImportReport: Sendable, Equatable {
        public var places: Int
        public var names: Int
    }

    public enum ImportError: Error, CustomStringConvertible {
        case line(Int, GazetteerFile.LineError)
        case empty

        public var description: String {
            switch self {
            case .line(let number, let error): "line \(number) \(error)"
            case .empty: "the file holds no places"
            }
        }
    }

    /// Reads a GeoNames cities file whole and checks every line before writing
    /// anything; then stores it in one transaction, so a bad file changes nothing.
    /// Importing again updates the places it names.
    public func importFile(_ text: String) async throws -> ImportReport {
        var entries: [GazetteerFile.Entry] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                entries.append(try GazetteerFile.entry(trimmed))
            } catch {
                throw ImportError.line(number, error)
            }
        }
        guard !entries.isEmpty else { throw ImportError.empty }
        let all = entries
        try await database.transaction { sql in
            for start in stride(from: 0, to: all.count, by: Self.importBatch) {
                try await PlaceQueries.upsert(Array(all[start..<min(start + Self.importBatch, all.count)]), on: sql)
            }
        }
        return ImportReport(places: entries.count, names: entries.reduce(0) { $0 + $1.keys.count })
    }
}
