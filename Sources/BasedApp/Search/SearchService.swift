import BasedSearch
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Synchronization

/// Finds artists, tracks, releases, playlists, venues, events and users by
/// name, with typos forgiven. Each process keeps the whole index in memory
/// (docs/decisions.md says why): built from the owners' services at start,
/// then kept current by the change feed, which reaches every process.
public final class SearchService: Sendable {
    /// The longest query taken, in characters.
    public static let maxQueryCharacters = 200
    static let pageSizes = (default: 10, max: 50)

    let accounts: AccountService
    let tracks: TrackService
    let releases: ReleaseService
    let events: EventService
    let follows: FollowService
    let plays: PlayService
    let blocks: BlockService
    let playlists: PlaylistService
    let changes: ChangeFeed
    let logger: Logger

    private let index = Mutex(SearchIndex())
    private let loading = Mutex(Loading())

    struct Loading {
        var loaded = false
        var failed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Changes announced while the index was being built, applied once it is.
        var changed: [(ChangeFeed.Thing, UUID)] = []
    }

    init(
        accounts: AccountService, tracks: TrackService, releases: ReleaseService, events: EventService,
        follows: FollowService, plays: PlayService, blocks: BlockService, playlists: PlaylistService, changes: ChangeFeed, logger: Logger
    ) {
        self.accounts = accounts
        self.tracks = tracks
        self.releases = releases
        self.events = events
        self.follows = follows
        self.plays = plays
        self.blocks = blocks
        self.playlists = playlists
        self.changes = changes
        self.logger = logger
    }

    /// Documents in the index, and distinct words.
    public var size: (documents: Int, words: Int) {
        index.withLock { ($0.count, $0.termCount) }
    }

    // MARK: Searching

    /// One group of results: ids of one kind, best first, and where the next page starts.
    public struct Group: Sendable {
        public var hits: [SearchHit]
        public var nextOffset: Int?
    }

    /// The query's results grouped by kind; each group holds at most `limit`
    /// after `offset`. Things of users the viewer blocked, or who blocked the
    /// viewer, never appear.
    public func search(_ query: String, kinds: Set<SearchKind>, viewer: UUID?, offset: Int, limit: Int?) async throws -> [SearchKind: Group] {
        let size = try Self.pageSize(limit)
        let excluded = try await excluded(for: viewer)
        try await waitUntilLoaded()
        // One more than a page tells whether there is a next page.
        let ranked = index.withLock { $0.rankedHits(query, kinds: kinds, excluding: excluded, perKind: offset + size + 1) }
        var grouped: [SearchKind: [SearchHit]] = [:]
        for hit in ranked { grouped[hit.kind, default: []].append(hit) }
        var groups: [SearchKind: Group] = [:]
        for kind in kinds {
            let all = grouped[kind] ?? []
            let page = Array(all.dropFirst(offset).prefix(size))
            groups[kind] = Group(hits: page, nextOffset: offset + page.count < all.count ? offset + page.count : nil)
        }
        return groups
    }

    /// The best few matches of every kind, for completing what someone types.
    public func suggestions(_ query: String, viewer: UUID?, limit: Int?) async throws -> [SearchHit] {
        let size = min(try Self.pageSize(limit ?? 8), 20)
        let excluded = try await excluded(for: viewer)
        try await waitUntilLoaded()
        return index.withLock { $0.rankedHits(query, excluding: excluded, perKind: size, overall: size, budget: SearchIndex.suggestionBudget) }
    }

    /// The query as given, or a 400 problem when it is missing or too long.
    public static func validated(_ query: String?) throws -> String {
        guard let query, !query.allSatisfy(\.isWhitespace) else {
            throw AppError.validation("q", "is required")
        }
        guard query.count <= maxQueryCharacters else {
            throw AppError.validation("q", "is longer than \(maxQueryCharacters) characters")
        }
        return query
    }

    static func pageSize(_ limit: Int?) throws -> Int {
        try PageSize.resolve(limit, fallback: pageSizes.default, max: pageSizes.max)
    }

    private func excluded(for viewer: UUID?) async throws -> Set<UUID> {
        guard let viewer else { return [] }
        return try await blocks.blockedEitherWay(viewer)
    }

    /// Waits for the index to be built (at start); 503 if it takes too long or failed.
    private func waitUntilLoaded() async throws {
        let state = loading.withLock { ($0.loaded, $0.failed) }
        if state.0 { return }
        if state.1 { throw Self.unavailable }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.loading.withLock { loading -> Bool in
                        if loading.loaded || loading.failed { return true }
                        loading.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return false
            }
            let loaded = try await group.next() ?? false
            group.cancelAll()
            guard loaded, loading.withLock({ $0.loaded }) else { throw Self.unavailable }
        }
    }

    static let unavailable = AppError(.serviceUnavailable, code: "search_starting", "Search is still building its index; try again in a moment.")

    // MARK: Building and keeping current

    /// Reads every searchable thing through its owner's service into the index.
    func load() async throws {
        let started = ContinuousClock.now
        let batch = 5_000
        let followerCounts = try await follows.followerCounts()
        var names: [UUID: String] = [:]
        try await Self.forEachPage(of: batch, read: accounts.users(after:limit:), id: \.id) { users in
            index.withLock { index in
                for user in users { index.upsert(Self.document(user, followers: followerCounts[user.id] ?? 0)) }
            }
            for user in users { names[user.id] = user.displayName }
        }
        let playCounts = try await plays.playCounts(since: nil)
        try await Self.forEachPage(of: batch, read: tracks.listings(after:limit:), id: \.id) { listings in
            index.withLock { index in
                for track in listings { index.upsert(Self.document(track, artist: names[track.artistId], plays: playCounts[track.id] ?? 0)) }
            }
        }
        try await Self.forEachPage(of: batch, read: releases.listings(after:limit:), id: \.id) { listings in
            index.withLock { index in
                for release in listings { index.upsert(Self.document(release, artist: names[release.artistId])) }
            }
        }
        try await Self.forEachPage(of: batch, read: { try await self.events.scheduled(after: $0, limit: $1) }, id: \.id) { page in
            index.withLock { index in
                for event in page { index.upsert(Self.document(event, venue: names[event.venueId])) }
            }
        }
        try await Self.forEachPage(of: batch, read: playlists.publicListings(after:limit:), id: \.id) { page in
            index.withLock { index in
                for playlist in page { index.upsert(Self.document(playlist, owner: names[playlist.ownerId])) }
            }
        }
        index.withLock { $0.finishBuilding() }
        // Changes queued while the index was built are applied before it
        // counts as loaded: a search must never miss a write that finished
        // before it (a change arriving meanwhile is queued for the next round).
        while true {
            let pending = loading.withLock { loading -> [(ChangeFeed.Thing, UUID)] in
                if loading.changed.isEmpty { loading.loaded = true }
                defer { loading.changed = [] }
                return loading.changed
            }
            if pending.isEmpty { break }
            for (thing, id) in pending { await refresh(thing, id) }
        }
        let waiters = loading.withLock { loading in
            defer { loading.waiters = [] }
            return loading.waiters
        }
        for waiter in waiters { waiter.resume() }
        let size = self.size
        logger.info("search index built", metadata: [
            "documents": "\(size.documents)", "words": "\(size.words)", "seconds": "\((ContinuousClock.now - started).seconds)",
        ])
    }

    /// Reads a whole table through its owner's service in id order, a page at a time.
    private static func forEachPage<Row>(
        of size: Int, read: (UUID?, Int) async throws -> [Row], id: (Row) -> UUID, _ body: ([Row]) throws -> Void
    ) async throws {
        var after: UUID?
        while true {
            let page = try await read(after, size)
            try body(page)
            guard page.count == size, let last = page.last else { return }
            after = id(last)
        }
    }

    private func failedToLoad(_ error: any Error) {
        let waiters = loading.withLock { loading in
            loading.failed = true
            defer { loading.waiters = [] }
            return loading.waiters
        }
        for waiter in waiters { waiter.resume() }
        // Cancelled: shutdown began before the index was built, which is no failure.
        logger.log(level: error is CancellationError ? .debug : .error, "could not build the search index", metadata: ["error": "\(error)"])
    }

    private func changed(_ thing: ChangeFeed.Thing, _ id: UUID) async {
        let early = loading.withLock { loading -> Bool in
            guard !loading.loaded else { return false }
            loading.changed.append((thing, id))
            return true
        }
        if !early { await refresh(thing, id) }
    }

    /// Re-reads one thing and puts it in the index, or takes it out when it is gone or hidden.
    func refresh(_ thing: ChangeFeed.Thing, _ id: UUID) async {
        do {
            let document = try await document(thing, id)
            index.withLock { index in
                if let document { index.upsert(document) } else { index.remove(id: id) }
            }
            // An upload's album tag makes its release with it, unannounced: a
            // track that becomes findable brings its release along.
            if thing == .track, let release = try await tracks.listing(id: id)?.releaseId {
                await refresh(.release, release)
            }
        } catch {
            // The next change of the thing, or the next start, indexes it.
            logger.warning("could not re-index", metadata: ["thing": "\(thing.rawValue)", "id": "\(id)", "error": "\(error)"])
        }
    }

    private func document(_ thing: ChangeFeed.Thing, _ id: UUID) async throws -> SearchDocument? {
        switch thing {
        case .user:
            guard let user = try await accounts.user(id: id) else { return nil }
            return Self.document(user, followers: try await follows.counts(of: id).followers)
        case .track:
            guard let track = try await tracks.listing(id: id) else { return nil }
            let artist = try await accounts.user(id: track.artistId)
            return Self.document(track, artist: artist?.displayName, plays: try await plays.counts(track: id).plays)
        case .release:
            guard let release = try await releases.listing(id: id) else { return nil }
            return Self.document(release, artist: try await accounts.user(id: release.artistId)?.displayName)
        case .event:
            guard let event = try await events.scheduled(ids: [id]).first else { return nil }
            return Self.document(event, venue: try await accounts.user(id: event.venueId)?.displayName)
        case .playlist:
            guard let playlist = try await playlists.publicListing(id: id) else { return nil }
            return Self.document(playlist, owner: try await accounts.user(id: playlist.ownerId)?.displayName)
        }
    }

    /// Builds the index at start, in the service group.
    struct Indexer: Service {
        let search: SearchService

        func run() async throws {
            // Listening first: what changes while the index is built is applied after.
            search.changes.listen { [weak search] thing, id in await search?.changed(thing, id) }
            do {
                // A shutdown during the build (a short test, a quick restart) cancels it rather than waiting for it.
                try await cancelWhenGracefulShutdown { try await search.load() }
            } catch {
                search.failedToLoad(error)
            }
            // A service that returns stops the group; this one has nothing more to run.
            try? await gracefulShutdown()
        }
    }
}

// MARK: - Documents

extension SearchService {
    static func document(_ user: User, followers: Int) -> SearchDocument {
        let kind: SearchKind = switch user.role {
        case .artist: .artist
        case .venue: .venue
        case .listener, .admin: .user
        }
        var names = [user.username]
        if let city = user.city { names.append(city) }
        return SearchDocument(
            id: user.id, kind: kind, title: user.displayName, alsoKnownAs: names,
            popularity: Double(followers) + (user.verified ? 10 : 0), owner: user.id
        )
    }

    static func document(_ track: TrackListing, artist: String?, plays: Int) -> SearchDocument {
        SearchDocument(
            id: track.id, kind: .track, title: track.title, alsoKnownAs: (artist.map { [$0] } ?? []) + track.featured,
            popularity: Double(plays), owner: track.artistId
        )
    }

    static func document(_ release: ReleaseListing, artist: String?) -> SearchDocument {
        SearchDocument(
            id: release.id, kind: .release, title: release.title, alsoKnownAs: (artist.map { [$0] } ?? []) + release.creditNames,
            popularity: 0, owner: release.artistId
        )
    }

    static func document(_ playlist: Playlist, owner: String?) -> SearchDocument {
        SearchDocument(
            id: playlist.id, kind: .playlist, title: playlist.title, alsoKnownAs: owner.map { [$0] } ?? [],
            popularity: Double(playlist.trackCount) / 100, owner: playlist.ownerId
        )
    }

    static func document(_ event: Event, venue: String?) -> SearchDocument {
        SearchDocument(
            id: event.id, kind: .event, title: event.title, alsoKnownAs: (venue.map { [$0] } ?? []) + (event.city.map { [$0] } ?? []),
            popularity: 0, owner: event.venueId
        )
    }
}
