import BasedDiscovery
import Foundation

/// What discovery knows of every public, ready track, held in memory by each
/// process: its artist, genre and age, how it sounds (embedding in an HNSW
/// index, traits), and its plays; artists' cities. Built at start from the
/// owners' services and kept current by the change feed.
struct DiscoveryCatalogue: Sendable {
    struct Entry: Sendable {
        var artist: UUID
        var title: String
        var genre: String?
        var createdAt: Date
        var traits: AudioTraits?
        var hasVector: Bool
    }

    private(set) var entries: [UUID: Entry] = [:]
    private(set) var byArtist: [UUID: Set<UUID>] = [:]
    /// Tracks by genre (folded), and artists by city (folded): the cold-start sources read these, not every track.
    private(set) var byGenre: [String: Set<UUID>] = [:]
    private(set) var artistsByCity: [String: Set<UUID>] = [:]
    private(set) var index: VectorIndex?
    /// Where traits fall in this catalogue (rebuilt as the catalogue grows).
    private(set) var scale = TraitScale([])
    private var scaleBuiltAt = 0
    /// Artists' cities, folded for comparison, and as written.
    private(set) var artistCities: [UUID: (key: String, name: String)] = [:]
    /// Plays this week, and in all; the most any track has this week.
    private(set) var weeklyPlays: [UUID: Int] = [:]
    private(set) var totalPlays: [UUID: Int] = [:]
    private(set) var mostWeeklyPlays = 1

    /// A genre's or a city's tracks by plays this week (then newest), and its
    /// little-played ones newest first: the cold-start sources read the first
    /// few they may use instead of every track. Rebuilt on the next read after
    /// the catalogue or the counts change.
    struct Ranking: Sendable {
        var popular: [UUID]
        var newcomers: [UUID]
    }
    private(set) var genreRankings: [String: Ranking] = [:]
    private(set) var cityRankings: [String: Ranking] = [:]
    private var rankingsStale = true

    mutating func setPlays(weekly: [UUID: Int], total: [UUID: Int]) {
        weeklyPlays = weekly
        totalPlays = total
        mostWeeklyPlays = max(1, weekly.values.max() ?? 1)
        rankingsStale = true
    }

    mutating func refreshRankings() {
        guard rankingsStale else { return }
        func ranking(_ tracks: [UUID]) -> Ranking {
            let keyed = tracks.compactMap { track in entries[track].map { (track, weeklyPlays[track] ?? 0, $0.createdAt, totalPlays[track] ?? 0) } }
            let popular = keyed.sorted { ($0.1, $0.2) > ($1.1, $1.2) }.map(\.0)
            let newcomers = keyed.filter { $0.3 < Self.fewPlays }.sorted { $0.2 > $1.2 }.prefix(1_000).map(\.0)
            return Ranking(popular: popular, newcomers: Array(newcomers))
        }
        genreRankings = byGenre.mapValues { ranking(Array($0)) }
        cityRankings = artistsByCity.mapValues { artists in ranking(artists.flatMap { byArtist[$0] ?? [] }) }
        rankingsStale = false
    }

    /// "Few plays": the ranking's exploration threshold.
    static let fewPlays = 25

    var count: Int { entries.count }

    static func cityKey(_ city: String) -> String {
        city.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).trimmingCharacters(in: .whitespaces)
    }

    mutating func setCity(_ city: String?, of artist: UUID) {
        rankingsStale = true
        if let old = artistCities[artist] {
            artistsByCity[old.key]?.remove(artist)
            if artistsByCity[old.key]?.isEmpty == true { artistsByCity[old.key] = nil }
        }
        if let city, !city.isEmpty {
            let key = Self.cityKey(city)
            artistCities[artist] = (key, city)
            artistsByCity[key, default: []].insert(artist)
        } else {
            artistCities[artist] = nil
        }
    }

    /// Tracks of the city's artists.
    func tracks(cityKey: String) -> [UUID] {
        (artistsByCity[cityKey] ?? []).flatMap { byArtist[$0] ?? [] }
    }

    mutating func upsert(_ listing: TrackListing, sound: TrackSound?) {
        if let old = entries[listing.id], old.artist != listing.artistId || old.genre != listing.genre.map({ $0.lowercased() }) { remove(listing.id) }
        var hasVector = false
        if let sound, let unit = TasteProfile.normalised(sound.embedding) {
            // An edit of the title leaves the vector as it was: the graph is only touched when the sound changed.
            if let stored = index?.vector(for: listing.id), stored.count == unit.count,
               zip(stored, unit).allSatisfy({ abs($0 - $1) < 1e-6 }) {
                hasVector = true
            } else {
                do {
                    if index == nil { index = try VectorIndex(.init(dimension: unit.count, metric: .cosine)) }
                    try index?.insert(unit, for: listing.id)
                    hasVector = true
                } catch {
                    // An embedding of another version's length: the track is found by behaviour alone.
                    _ = index?.remove(listing.id)
                }
            }
        } else {
            _ = index?.remove(listing.id)
        }
        entries[listing.id] = Entry(
            artist: listing.artistId, title: listing.title, genre: listing.genre.map { $0.lowercased() }, createdAt: listing.createdAt,
            traits: sound?.traits, hasVector: hasVector
        )
        rankingsStale = true
        byArtist[listing.artistId, default: []].insert(listing.id)
        if let genre = listing.genre?.lowercased() { byGenre[genre, default: []].insert(listing.id) }
        // The scale follows the catalogue's growth, not every insert.
        if entries.count > scaleBuiltAt * 5 / 4 + 16 { rebuildScale() }
    }

    mutating func remove(_ track: UUID) {
        guard let entry = entries.removeValue(forKey: track) else { return }
        rankingsStale = true
        byArtist[entry.artist]?.remove(track)
        if byArtist[entry.artist]?.isEmpty == true { byArtist[entry.artist] = nil }
        if let genre = entry.genre {
            byGenre[genre]?.remove(track)
            if byGenre[genre]?.isEmpty == true { byGenre[genre] = nil }
        }
        _ = index?.remove(track)
    }

    mutating func rebuildScale() {
        scale = TraitScale(entries.values.compactMap(\.traits))
        scaleBuiltAt = entries.count
    }

    func vector(of track: UUID) -> [Float]? {
        index?.vector(for: track)
    }

    /// The tracks that sound most like `vector`, nearest first.
    func nearest(_ vector: [Float], count: Int) -> [VectorMatch] {
        guard let index, !index.isEmpty, count > 0 else { return [] }
        return (try? index.search(vector, k: count, ef: max(64, count))) ?? []
    }

    /// The mean of the tracks' embeddings, unit length; nil when none has one.
    func centroid(of tracks: some Sequence<UUID>) -> [Float]? {
        var sum: [Float]?
        for track in tracks {
            guard let vector = vector(of: track) else { continue }
            if sum == nil { sum = [Float](repeating: 0, count: vector.count) }
            for index in vector.indices { sum![index] += vector[index] }
        }
        return sum.flatMap(TasteProfile.normalised)
    }

    func position(of track: UUID) -> TraitScale.Position? {
        entries[track]?.traits.map(scale.position)
    }

    func city(of artist: UUID) -> (key: String, name: String)? {
        artistCities[artist]
    }
}
