import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    /// Local artists of the week by unique listeners, in a city and a genre
    /// when given. Counts, never who: no listener is named. Artists who opted
    /// out of public boards are left out.
    public func localChart(city: String?, genre: String?, limit: Int?, now: Date = Date()) async throws -> [(artist: User, listeners: Int)] {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be 1–100") }
        if let city, !(1...100).contains(city.count) { throw AppError.validation("city", "must be 1–100 characters") }
        if let genre, !(1...60).contains(genre.count) { throw AppError.validation("genre", "must be 1–60 characters") }
        try await waitUntilLoaded()
        let listens = try await plays.listenSignals(since: now.addingTimeInterval(-7 * 86_400), limit: 1_000_000)
        let cityKey = city.map(DiscoveryCatalogue.cityKey), genreKey = genre?.lowercased()
        let counted = catalogue.withLock { catalogue -> [UUID: Int] in
            var listeners: [UUID: Set<UUID>] = [:]
            for listen in listens where !listen.skipped {
                guard let entry = catalogue.entries[listen.trackID] else { continue }
                if let genreKey, entry.genre != genreKey { continue }
                if let cityKey, catalogue.city(of: entry.artist)?.key != cityKey { continue }
                listeners[entry.artist, default: []].insert(listen.user)
            }
            return listeners.mapValues(\.count)
        }
        let choices = try await choices(of: Array(counted.keys))
        let ranked = counted.filter { choices[$0.key]?.publicBoards != false }
            .sorted { ($0.value, $0.key.text) > ($1.value, $1.key.text) }.prefix(size)
        let users = try await accounts.users(ids: ranked.map(\.key))
        return ranked.compactMap { id, count in users[id].map { ($0, count) } }
    }

    /// The listeners who heard the artist's tracks to the end most in 90 days,
    /// among those who chose to show their listening on public boards.
    public func topFans(of username: String, limit: Int?, now: Date = Date()) async throws -> [(fan: User, plays: Int)] {
        let size = limit ?? 10
        guard (1...50).contains(size) else { throw AppError.validation("limit", "must be 1–50") }
        guard let artist = try await accounts.user(username: username), artist.role == .artist else { throw AppError.notFound("The artist") }
        try await waitUntilLoaded()
        guard try await choices(of: artist.id).publicBoards else { return [] }
        let tracks = catalogue.withLock { Array($0.byArtist[artist.id] ?? []) }
        let listeners = try await plays.topListeners(of: tracks, since: now.addingTimeInterval(-90 * 86_400), limit: 500)
            .filter { $0.user != artist.id }
        let choices = try await choices(of: listeners.map(\.user))
        let shown = listeners.filter { choices[$0.user]?.publicListening == true }.prefix(size)
        let users = try await accounts.users(ids: shown.map(\.user))
        return shown.compactMap { entry in users[entry.user].map { ($0, entry.plays) } }
    }
}
