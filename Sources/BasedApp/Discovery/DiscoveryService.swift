import BasedDiscovery
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Synchronization

/// Recommendations: the five stages of docs/DESIGN.md's "Discovery". The
/// pure work (HNSW, the collaborative model, taste profiles, moods, ranking)
/// is BasedDiscovery's; this feeds it from the owners' services and serves
/// Home shelves, similar tracks and artists, and radio. Every process holds
/// the catalogue and the model in memory (docs/decisions.md says why).
public final class DiscoveryService: Sendable {
    let accounts: AccountService
    let tracks: TrackService
    let analyses: AnalysisService
    let plays: PlayService
    let library: LibraryService
    let follows: FollowService
    let blocks: BlockService
    let events: EventService
    let lineups: LineupService
    let tickets: TicketService
    let realtime: Realtime
    let playlists: PlaylistService
    let changes: ChangeFeed
    let database: Database
    let settings: Settings
    let logger: Logger

    let catalogue = Mutex(DiscoveryCatalogue())
    let model = Mutex<CollaborativeModel<UUID>?>(nil)
    private let loading = Mutex(Loading())

    public struct Settings: Sendable {
        /// How often the collaborative model is trained again.
        public var retrainEvery: Duration
        /// The most items the model keeps.
        public var modelItems: Int
        /// How far back listening counts for the model.
        public var window: TimeInterval

        public init(retrainEvery: Duration = .seconds(3_600), modelItems: Int = 4_096, window: TimeInterval = 180 * 86_400) {
            self.retrainEvery = retrainEvery
            self.modelItems = modelItems
            self.window = window
        }
    }

    struct Loading {
        var loaded = false
        var changed: [UUID] = []
    }

    init(
        accounts: AccountService, tracks: TrackService, analyses: AnalysisService, plays: PlayService, library: LibraryService,
        follows: FollowService, blocks: BlockService, events: EventService, lineups: LineupService, tickets: TicketService, realtime: Realtime, playlists: PlaylistService, changes: ChangeFeed,
        database: Database, settings: Settings, logger: Logger
    ) {
        self.accounts = accounts
        self.tracks = tracks
        self.analyses = analyses
        self.plays = plays
        self.library = library
        self.follows = follows
        self.blocks = blocks
        self.events = events
        self.lineups = lineups
        self.tickets = tickets
        self.realtime = realtime
        self.playlists = playlists
        self.changes = changes
        self.database = database
        self.settings = settings
        self.logger = logger
    }

    /// Tracks known, with an embedding, and the model's items.
    public var size: (tracks: Int, vectors: Int, modelItems: Int) {
        let (tracks, vectors) = catalogue.withLock { ($0.count, $0.index?.count ?? 0) }
        return (tracks, vectors, model.withLock { $0?.count ?? 0 })
    }

    // MARK: Building and keeping current

    /// Reads every public, ready track, its sound and its artist's city.
    func load() async throws {
        let started = ContinuousClock.now
        var after: UUID?
        while true {
            let users = try await accounts.users(after: after, limit: 5_000)
            catalogue.withLock { catalogue in
                for user in users where user.role == .artist || user.role == .venue { catalogue.setCity(user.city, of: user.id) }
            }
            guard users.count == 5_000, let last = users.last else { break }
            after = last.id
        }
        after = nil
        while true {
            let listings = try await tracks.listings(after: after, limit: 2_000)
            let sounds = try await analyses.sounds(of: listings.map(\.id))
            catalogue.withLock { catalogue in
                for listing in listings { catalogue.upsert(listing, sound: sounds[listing.id]) }
            }
            guard listings.count == 2_000, let last = listings.last else { break }
            after = last.id
        }
        try await refreshPlays()
        catalogue.withLock { $0.rebuildScale() }
        while true {
            let pending = loading.withLock { loading -> [UUID] in
                if loading.changed.isEmpty { loading.loaded = true }
                defer { loading.changed = [] }
                return loading.changed
            }
            if pending.isEmpty { break }
            for id in pending { await refresh(track: id) }
        }
        let size = self.size
        logger.info("discovery catalogue built", metadata: [
            "tracks": "\(size.tracks)", "vectors": "\(size.vectors)", "seconds": "\((ContinuousClock.now - started).seconds)",
        ])
    }

    private func refreshPlays() async throws {
        let weekly = try await plays.playCounts(since: Date().addingTimeInterval(-7 * 86_400))
        let total = try await plays.playCounts(since: nil)
        catalogue.withLock { $0.setPlays(weekly: weekly, total: total) }
    }

    private func changed(_ thing: ChangeFeed.Thing, _ id: UUID) async {
        switch thing {
        case .track:
            let early = loading.withLock { loading -> Bool in
                guard !loading.loaded else { return false }
                loading.changed.append(id)
                return true
            }
            if !early { await refresh(track: id) }
        case .user:
            guard let user = try? await accounts.user(id: id) else { return }
            catalogue.withLock { $0.setCity(user.role == .listener ? nil : user.city, of: id) }
        default:
            break
        }
    }

    /// Re-reads one track: in the catalogue when public and ready, out otherwise.
    func refresh(track id: UUID) async {
        do {
            guard let listing = try await tracks.listing(id: id) else {
                catalogue.withLock { $0.remove(id) }
                return
            }
            let sound = try await analyses.sounds(of: [id])[id]
            let first = catalogue.withLock { catalogue in
                catalogue.upsert(listing, sound: sound)
                return catalogue.byArtist[listing.artistId]?.count == 1
            }
            if first { try await award(.firstUpload, to: listing.artistId) }
        } catch {
            logger.warning("could not refresh a track for discovery", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }

    /// Trains the collaborative model on everyone's recent listening, likes, swipes right and playlist additions.
    func train() async throws {
        let started = ContinuousClock.now
        let since = Date().addingTimeInterval(-settings.window)
        let listens = try await plays.listenSignals(since: since, limit: 2_000_000)
        let likes = try await library.trackLikes(limit: 1_000_000)
        var byUser: [UUID: [UUID: Float]] = [:]
        for listen in listens where !listen.skipped {
            byUser[listen.user, default: [:]][listen.trackID, default: 0] = max(byUser[listen.user]?[listen.trackID] ?? 0, 1)
        }
        for like in likes { byUser[like.user, default: [:]][like.track] = 1 }
        for swipe in try await DiscoveryQueries.likedSwipes(since: since, limit: 1_000_000, on: database.sql) {
            byUser[swipe.userId, default: [:]][swipe.trackId] = 1
        }
        for addition in try await playlists.additions(since: since, limit: 1_000_000) {
            byUser[addition.user, default: [:]][addition.track] = 1
        }
        let users = byUser.values.map { $0.map { (item: $0.key, weight: $0.value) } }
        let trained = try CollaborativeModel(training: users, settings: .init(lambda: 200, maxItems: settings.modelItems))
        model.withLock { $0 = trained }
        try await refreshPlays()
        try await awardAchievements(listens: listens, likes: likes)
        logger.info("discovery model trained", metadata: [
            "users": "\(users.count)", "items": "\(trained.count)", "seconds": "\((ContinuousClock.now - started).seconds)",
        ])
    }

    /// Builds the catalogue at start and trains the model on a schedule.
    struct Trainer: Service {
        let discovery: DiscoveryService

        func run() async throws {
            discovery.changes.listen { [weak discovery] thing, id in await discovery?.changed(thing, id) }
            do {
                try await cancelWhenGracefulShutdown {
                    try await discovery.load()
                    while !Task.isCancelled {
                        do {
                            try await discovery.train()
                        } catch is CancellationError {
                            return
                        } catch {
                            discovery.logger.error("could not train the discovery model", metadata: ["error": "\(error)"])
                        }
                        try await Task.sleep(for: discovery.settings.retrainEvery)
                    }
                }
            } catch is CancellationError {
                // Shutdown.
            } catch {
                discovery.logger.error("could not build the discovery catalogue", metadata: ["error": "\(error)"])
            }
            try? await gracefulShutdown()
        }
    }

    /// Waits (up to 20 s) for the catalogue to be built.
    func waitUntilLoaded() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !loading.withLock({ $0.loaded }) {
            guard ContinuousClock.now < deadline else { throw Self.unavailable }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static let unavailable = AppError(.serviceUnavailable, code: "discovery_starting", "Discovery is still reading the catalogue; try again in a moment.")
}
