import BasedAPI
import BasedMedia
import BasedModeration
import BasedRealtime
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization

/// The services of a running server, shared by the HTTP side and the command line.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let accounts: AccountService
    /// App passwords and API keys for Subsonic apps.
    public let appPasswords: AppPasswordService
    public let profiles: ProfileService
    public let follows: FollowService
    public let blocks: BlockService
    public let tracks: TrackService
    public let releases: ReleaseService
    public let plays: PlayService
    public let analyses: AnalysisService
    public let messaging: MessagingService
    public let conversations: ConversationService
    public let attachments: AttachmentService
    public let notifications: NotificationService
    public let events: EventService
    public let search: SearchService
    public let library: LibraryService
    public let playlists: PlaylistService
    public let browse: BrowseService
    public let feed: FeedService
    /// Recommendations: Home, similar tracks and artists, radio.
    public let discovery: DiscoveryService
    public let comments: CommentService
    public let jams: JamService
    public let tickets: TicketService
    public let lineups: LineupService
    /// Cities by name (GeoNames), for autocomplete and for a city typed without a pin.
    public let gazetteer: Gazetteer
    public let venues: VenueService
    public let showFinder: ShowFinder
    /// Resumable track uploads (tus 1.0).
    public let uploads: ResumableUploads
    public let showAlerts: ShowAlerts
    public let calendars: CalendarService
    public let moderation: ModerationService
    public let reports: ReportService
    public let privacy: PrivacyService
    public let erasures: ErasureService
    public let fingerprints: FingerprintService
    /// Artists' figures and the admin dashboard.
    public let analytics: AnalyticsService
    /// Changes that derived indexes (search) follow, in every process.
    public let changes: ChangeFeed
    public let realtime: Realtime
    public let jobs: JobQueue
    public let blobs: BlobStore
    public let signer: StreamSigner
    let live: LiveTranscoder
    /// Sends ready files with sendfile(2) on the server's connections.
    let sendFile: SendFile
    /// Media files held open for streaming (the router's and the stream fast path's).
    let openFiles: OpenFiles
    /// Requests per client address, for every request (the router's middleware and the stream fast path).
    let requestLimiter: RateLimiter
    /// Signed-link stream requests answered before the router; nil when off (or tracing).
    let streamFastPath: StreamFastPath?
    public let metrics: AppMetrics
    /// The web app's files, served at `/`; nil when no web folder was found.
    public let web: WebBundle?
    let logger: Logger

    /// Opens the database, applies migrations and wires the services together.
    public static func start(_ configuration: AppConfiguration, logger: Logger) async throws -> AppServices {
        let dataDirectory = configuration.dataDirectory
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let secret = try configuration.jwtSecret ?? Secrets.load(named: "jwt-secret", in: dataDirectory)
        // Migrations on a database of their own, run and closed here; the
        // services' database runs in the application's service group.
        _ = try await Database.withOpen(try configuration.database, connections: 2, logger: logger) { database in
            try await Migrator(database: database, logger: logger).migrate()
        }
        let database = try await Database.open(try configuration.database, connections: configuration.databaseConnections, logger: logger)
        // Signs stream links, and (each with its own purpose) export and appeal links.
        let streamSecret = try Secrets.load(named: "stream-secret", in: dataDirectory)
        var spamLimits = SpamGuard.Limits()
        spamLimits.floodMessages = configuration.messageFlood == 0 ? .max : configuration.messageFlood
        spamLimits.floodWindow = Double(configuration.messageFloodWindow.components.seconds)
        let moderation = ModerationService(
            database: database,
            filter: try ModerationService.loadFilter(languages: configuration.moderationLanguages, dataDirectory: dataDirectory),
            spamLimits: spamLimits,
            appeals: StreamSigner(secret: streamSecret, purpose: "appeal")
        )
        let tokens = await TokenService(
            secret: secret,
            accessLifetime: configuration.accessTokenLifetime,
            refreshLifetime: configuration.refreshTokenLifetime,
            reuseGrace: configuration.refreshReuseGrace
        )
        // Caches of tracks and sessions: a change here is announced to the
        // other processes on the bus (once the realtime layer exists), and
        // theirs reach these through its hooks.
        let announcer = LateBound<Realtime>()
        let changes = ChangeFeed { event in await announcer.value?.bus.publish(event) }
        let readyTracks = ReadyTracks(validity: configuration.readyTrackValidity) { id in
            await announcer.value?.bus.publish(BusEvent(k: .track, x: id.uuidString.lowercased()))
            await changes.announce(.track, id)
        }
        let sessions = LiveSessions { user, session in
            await announcer.value?.bus.publish(BusEvent(k: .session, u: user, x: session?.uuidString.lowercased()))
        }
        let accounts = AccountService(
            database: database,
            tokens: tokens,
            passwords: Passwords(cost: configuration.bcryptCost),
            attempts: RateLimiter(burst: configuration.authAttemptsPerMinute, perMinute: configuration.authAttemptsPerMinute),
            sessions: sessions,
            changes: changes,
            moderation: moderation
        )
        let blocks = BlockService(database: database, accounts: accounts)
        let jobs = JobQueue(database: database)
        // Facts for artists' figures; listeners' cities come from their profiles.
        let analyticsLog = AnalyticsLog(jobs: jobs, salt: try Secrets.load(named: "analytics-salt", in: dataDirectory)) { ids in
            try await accounts.users(ids: ids).compactMapValues(\.city)
        }
        let follows = FollowService(database: database, accounts: accounts, analytics: analyticsLog)
        let blobs = BlobStore(root: dataDirectory.appendingPathComponent("media", isDirectory: true))
        let trackService = TrackService(
            database: database, blobs: blobs, jobs: jobs, maxUploadBytes: configuration.maxUploadBytes, readyTracks: readyTracks,
            moderation: moderation
        )
        let messaging = MessagingService(database: database, accounts: accounts, blocks: blocks, moderation: moderation)
        let notifications = NotificationService(database: database, blocks: blocks)
        var limits = Realtime.Limits()
        limits.outboundQueue = configuration.realtimeOutboundQueue
        limits.typingInterval = configuration.typingInterval
        let metrics = AppMetrics()
        let realtime = Realtime(
            database: database, messaging: messaging, accounts: accounts, follows: follows, blocks: blocks, tracks: trackService,
            notifications: notifications, jobs: jobs,
            limits: limits, pushEnabled: configuration.pushURL != nil, metrics: metrics, logger: logger
        )
        announcer.set(realtime)
        let web = try await loadWebApp(configuration, logger: logger)
        realtime.hooks.add { event in
            switch event.k {
            case .track:
                if let id = event.x.flatMap(UUID.init(uuidString:)) { readyTracks.drop(id) }
            case .session:
                if let user = event.u { sessions.drop(user: user, session: event.x.flatMap(UUID.init(uuidString:))) }
            case .changed:
                changes.received(event)
            default:
                break
            }
        }
        let releases = ReleaseService(database: database, jobs: jobs, changes: changes, moderation: moderation)
        let plays = PlayService(database: database, tracks: trackService, analytics: analyticsLog)
        let gazetteer = Gazetteer(database: database)
        let events = EventService(
            database: database, conversations: messaging.conversations, jobs: jobs, reminderLead: configuration.eventReminderLead,
            analytics: analyticsLog, changes: changes,
            moderation: moderation, accounts: accounts, gazetteer: gazetteer
        )
        let playlists = PlaylistService(
            database: database, tracks: trackService, analytics: analyticsLog, accounts: accounts, realtime: realtime, changes: changes,
            replica: "server-\(realtime.processID.text.suffix(12))",
            moderation: moderation
        )
        var library = LibraryService(database: database, tracks: trackService, releases: releases, realtime: realtime, analytics: analyticsLog)
        library.playlistVisible = { id, viewer in try await playlists.isVisible(id, to: viewer) }
        let lineups = LineupService(database: database, events: events, accounts: accounts, follows: follows, realtime: realtime)
        let tickets = TicketService(
            database: database, events: events, accounts: accounts, blocks: blocks, realtime: realtime, analytics: analyticsLog,
            keySeal: KeySeal(secret: Data(try Secrets.load(named: "ticket-key-seal", in: dataDirectory).utf8))
        )
        let comments = CommentService(database: database, tracks: trackService, blocks: blocks, moderation: moderation)
        let attachments = AttachmentService(database: database, blobs: blobs)
        let search = SearchService(
            accounts: accounts, tracks: trackService, releases: releases, events: events, follows: follows, plays: plays,
            blocks: blocks, playlists: playlists, changes: changes, logger: logger
        )
        let profiles = ProfileService(
            database: database,
            follows: follows,
            avatarDirectory: dataDirectory.appendingPathComponent("avatars", isDirectory: true),
            temporaryDirectory: dataDirectory.appendingPathComponent("tmp", isDirectory: true),
            avatarMaxBytes: configuration.avatarMaxBytes,
            changes: changes,
            moderation: moderation,
            gazetteer: gazetteer
        )
        let fingerprints = FingerprintService(
            database: database, temporaryDirectory: dataDirectory.appendingPathComponent("tmp", isDirectory: true),
            limiter: configuration.identifyPerMinute == 0
                ? nil : RateLimiter(burst: configuration.identifyPerMinute, perMinute: configuration.identifyPerMinute)
        )
        let reports = ReportService(
            database: database, moderation: moderation, accounts: accounts, tracks: trackService, releases: releases, playlists: playlists,
            comments: comments, messaging: messaging, events: events, realtime: realtime, fingerprints: fingerprints
        )
        let privacy = PrivacyService(
            database: database, jobs: jobs, tracks: trackService, attachments: attachments, realtime: realtime,
            signer: StreamSigner(secret: streamSecret, purpose: "export"),
            directory: dataDirectory.appendingPathComponent("exports", isDirectory: true), lifetime: .seconds(7 * 86_400)
        )
        let analyses = AnalysisService(database: database, tracks: trackService)
        let discovery = DiscoveryService(
            accounts: accounts, tracks: trackService, analyses: analyses, plays: plays, library: library, follows: follows, blocks: blocks,
            events: events, lineups: lineups, tickets: tickets, realtime: realtime, playlists: playlists, changes: changes, database: database,
            settings: .init(retrainEvery: configuration.recommendationTraining), logger: logger
        )
        let venues = VenueService(
            database: database, accounts: accounts, photoDirectory: dataDirectory.appendingPathComponent("venue-photos", isDirectory: true),
            temporaryDirectory: dataDirectory.appendingPathComponent("tmp", isDirectory: true), maxPhotoBytes: configuration.avatarMaxBytes
        )
        let analytics = AnalyticsService(
            database: database, log: analyticsLog, accounts: accounts, tracks: trackService, reports: reports, blobs: blobs, logger: logger
        )
        let signer = StreamSigner(secret: streamSecret)
        let sendFile = SendFile()
        let openFiles = OpenFiles(validity: configuration.openFileValidity)
        let requestLimiter = RateLimiter(burst: max(10, configuration.requestsPerMinute / 6), perMinute: configuration.requestsPerMinute)
        return AppServices(
            configuration: configuration,
            database: database,
            accounts: accounts,
            appPasswords: AppPasswordService(
                database: database, accounts: accounts, secret: try Secrets.load(named: "app-password-key", in: dataDirectory)
            ),
            profiles: profiles,
            follows: follows,
            blocks: blocks,
            tracks: trackService,
            releases: releases,
            plays: plays,
            analyses: analyses,
            messaging: messaging,
            conversations: messaging.conversations,
            attachments: attachments,
            notifications: notifications,
            events: events,
            search: search,
            library: library,
            playlists: playlists,
            browse: BrowseService(
                accounts: accounts, tracks: trackService, releases: releases, plays: plays, follows: follows, events: events, lineups: lineups
            ),
            feed: FeedService(accounts: accounts, follows: follows, releases: releases, playlists: playlists, events: events),
            discovery: discovery,
            comments: comments,
            jams: JamService(database: database, tracks: trackService, playlists: playlists, realtime: realtime),
            tickets: tickets,
            lineups: lineups,
            gazetteer: gazetteer,
            venues: venues,
            showFinder: ShowFinder(
                events: events, tickets: tickets, lineups: lineups, accounts: accounts, follows: follows, plays: plays, tracks: trackService
            ),
            uploads: ResumableUploads(database: database, blobs: blobs, tracks: trackService, maxBytes: configuration.maxUploadBytes),
            showAlerts: ShowAlerts(
                database: database, jobs: jobs, events: events, tickets: tickets, accounts: accounts, follows: follows, plays: plays, tracks: trackService,
                notifications: notifications, realtime: realtime, perWeek: configuration.showAlertsPerWeek
            ),
            calendars: CalendarService(database: database, events: events, tickets: tickets, accounts: accounts),
            moderation: moderation,
            reports: reports,
            privacy: privacy,
            erasures: ErasureService(
                database: database, jobs: jobs,
                features: .init(
                    accounts: accounts, profiles: profiles, tracks: trackService, releases: releases, playlists: playlists, messaging: messaging,
                    attachments: attachments, comments: comments, plays: plays, events: events, tickets: tickets, moderation: moderation,
                    reports: reports, exports: privacy, fingerprints: fingerprints, analytics: analytics, venues: venues
                ),
                gracePeriod: .seconds(7 * 86_400)
            ),
            fingerprints: fingerprints,
            analytics: analytics,
            changes: changes,
            realtime: realtime,
            jobs: jobs,
            blobs: blobs,
            signer: signer,
            live: LiveTranscoder(
                root: blobs.root.appendingPathComponent("cache", isDirectory: true), capacity: configuration.transcodeCacheBytes,
                concurrency: configuration.transcodeConcurrency, logger: logger
            ),
            sendFile: sendFile,
            openFiles: openFiles,
            requestLimiter: requestLimiter,
            // Requests it answers get no span, so it stays out of the way while tracing.
            streamFastPath: configuration.streamFastPath == .on && configuration.otlpEndpoint == nil
                ? StreamFastPath(
                    tracks: trackService, signer: signer, files: openFiles, blobs: blobs, sendFile: sendFile,
                    limiter: requestLimiter, metrics: metrics, logger: logger
                )
                : nil,
            metrics: metrics,
            web: web,
            logger: logger
        )
    }

    /// The web folder read into memory before serving; a configured folder
    /// that cannot be read stops start-up, a missing default only leaves the app out.
    private static func loadWebApp(_ configuration: AppConfiguration, logger: Logger) async throws -> WebBundle? {
        guard let directory = WebBundle.locate(configured: configuration.webDirectory) else {
            logger.notice("no web app folder (Public/) found; serving the API only")
            return nil
        }
        do {
            return try await WebBundle.load(from: directory)
        } catch {
            throw ConfigurationError.invalid("BASED_WEB_DIR", directory.path, "a readable folder with index.html (\(error))")
        }
    }
}

/// Runs the database's long-lived work (PostgreSQL's client, SQLite's
/// checkpoints) and closes it when the application shuts down; first in the
/// service group, so it stops last.
public struct DatabaseLifecycle: Service {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func run() async throws {
        // Returns on graceful shutdown (or cancellation).
        await database.run()
        try await database.shutdown()
    }
}

extension AppServices {
    /// The push gateway when `BASED_PUSH_URL` is set; run it in the service group that runs the workers.
    public func pushGateway() -> PushGateway? {
        configuration.pushURL.map { PushGateway(url: $0, token: configuration.pushToken, logger: logger) }
    }

    /// The job worker with every handler the server has; `concurrency` slots.
    /// Without a `push` gateway, notifications are not pushed by this worker.
    public func worker(concurrency: Int, push: PushGateway? = nil) -> JobWorker {
        JobWorker(
            queue: jobs,
            handlers: [
                TrackProcessor(
                    database: database, blobs: blobs, jobs: jobs, readyTracks: tracks.readyTracks, fingerprints: fingerprints, logger: logger
                ),
                TrackAnalysisJob(database: database, tracks: tracks, blobs: blobs, changes: changes, logger: logger),
                ReleaseAnnouncer(releases: releases, follows: follows, notifications: notifications, realtime: realtime),
                EventReminder(database: database, realtime: realtime),
                ShowAlertJob(alerts: showAlerts),
                DataExportJob(privacy: privacy),
                AccountErasureJob(erasures: erasures),
                AnalyticsRollupJob(analytics: analytics),
                FingerprintBackfillJob(fingerprints: fingerprints, tracks: tracks, jobs: jobs, logger: logger),
                analyticsBackfill(),
            ] + (push.map { [PushSender(gateway: $0, notifications: notifications, logger: logger)] } ?? []),
            concurrency: concurrency,
            lease: configuration.jobLease,
            logger: logger,
            atStart: { [fingerprints, jobs, tracks, analytics] in
                try await fingerprints.enqueueBackfillOnce(jobs: jobs, tracks: tracks)
                try await AnalyticsBackfillJob.enqueueIfUnfinished(analytics: analytics)
            }
        )
    }

    /// The back-fill of analytics from each feature's history, in stages.
    func analyticsBackfill(pageSize: Int = 500) -> AnalyticsBackfillJob {
        let (plays, library, follows, playlists, events, tickets) = (plays, library, follows, playlists, events, tickets)
        return AnalyticsBackfillJob(analytics: analytics, stages: [
            .init(name: "listens") { try await plays.historicalFacts(before: $0, after: $1, limit: $2) },
            .init(name: "likes") { try await library.historicalFacts(before: $0, after: $1, limit: $2) },
            .init(name: "follows") { try await follows.historicalFacts(before: $0, after: $1, limit: $2) },
            .init(name: "playlist additions") { try await playlists.historicalFacts(before: $0, after: $1, limit: $2) },
            .init(name: "RSVPs") { try await events.historicalFacts(before: $0, after: $1, limit: $2) },
            .init(name: "check-ins") { try await tickets.historicalFacts(before: $0, after: $1, limit: $2) },
        ], pageSize: pageSize)
    }

    /// In-process workers by default: one on SQLite (one writer), two on PostgreSQL.
    var inProcessWorkers: Int {
        configuration.workers ?? (database.dialect == .sqlite ? 1 : 2)
    }
}

/// Builds the whole server from its configuration; `based serve` and the tests both use it.
///
/// - Parameter telemetry: the span exporter (`Telemetry.bootstrap`), if tracing is on;
///   it runs in the application's service group, started first and stopped last.
public func buildApplication(
    configuration: AppConfiguration,
    logger: Logger = Logger(label: "based"),
    telemetry: (any Service)? = nil,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let services = try await AppServices.start(configuration, logger: logger)
    return try buildApplication(services: services, logger: logger, telemetry: telemetry, onServerRunning: onServerRunning)
}

/// Builds the server around services that are already started (the tests keep a handle on them).
public func buildApplication(
    services: AppServices,
    logger: Logger = Logger(label: "based"),
    telemetry: (any Service)? = nil,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let configuration = services.configuration
    let router = try buildRouter(services)
    let workers = services.inProcessWorkers
    let push = workers > 0 ? services.pushGateway() : nil
    let realtime = RealtimeEndpoint(realtime: services.realtime, accounts: services.accounts, metrics: services.metrics)
    let fastPath = services.streamFastPath
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                http1: .init(additionalChannelHandlers: services.sendFile.channelHandlers() + (fastPath.map { [$0.channelHandler()] } ?? [])),
                ws: .init(maxFrameSize: services.realtime.limits.maxFrameBytes, autoPing: .enabled(timePeriod: configuration.realtimePing))
            )
        ) { request, channel, logger in
            await realtime.shouldUpgrade(request, channel: channel, logger: logger)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: StreamFastPath.serverName),
        // A service group stops its services in reverse order: the workers
        // first, then the push gateway's HTTP client, the realtime heartbeat
        // (which waits for open sockets), the realtime layer's background work,
        // the database they use, and last the span exporter.
        services: NamedService.all(
            (telemetry.map { [("telemetry", $0)] } ?? [])
                + [("database", DatabaseLifecycle(database: services.database)), ("realtime background", services.realtime.background)]
                + [("realtime", RealtimeService(realtime: services.realtime)), ("change feed", ChangeFeed.RemoteDelivery(feed: services.changes))]
                + [("search indexer", SearchService.Indexer(search: services.search))]
                + [("discovery trainer", DiscoveryService.Trainer(discovery: services.discovery))]
                + (push.map { [("push gateway", $0)] } ?? [])
                + (workers > 0 ? [("job worker", services.worker(concurrency: workers, push: push))] : [])
                + (configuration.seedDemo ? [("demo seeder", DemoSeeder(library: DemoLibrary(services: services, logger: logger)))] : []),
            logger: logger
        ),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

func buildRouter(_ services: AppServices) throws -> Router<BasedRequestContext> {
    let configuration = services.configuration
    let router = Router(context: BasedRequestContext.self)
    router.addMiddleware {
        // One span per request, ended when its body is written; only when tracing is on.
        if configuration.otlpEndpoint != nil {
            TracingMiddleware(redactingQueryParameters: ["sig", "access_token", "t", "s", "p", "apiKey"])
        }
        RequestIDMiddleware()
        LogRequestsMiddleware(.info)
        MetricsMiddleware(metrics: services.metrics, sendFile: services.sendFile)
        ProblemMiddleware()
        if let web = services.web {
            WebAppMiddleware(bundle: web, mapTileURL: services.configuration.mapTileURL)
        }
        RateLimitMiddleware(limiter: services.requestLimiter)
        BodyLimitMiddleware(
            jsonLimit: configuration.jsonBodyMaxBytes,
            overrides: [(suffix: "/me/avatar", limit: configuration.avatarMaxBytes), (suffix: "/me/venue-photos", limit: configuration.avatarMaxBytes), (suffix: "/api/v1/attachments", limit: AttachmentService.maxBytes)],
            streamed: [
                .init(path: "/api/v1/tracks", limit: configuration.maxUploadBytes),
                .init(method: .patch, path: "/api/v1/uploads/", isPrefix: true, limit: configuration.maxUploadBytes),
            ]
        )
        AuthMiddleware(accounts: services.accounts)
        IdempotencyMiddleware(database: services.database, maxRequestBody: configuration.jsonBodyMaxBytes)
        BrowserSessionMiddleware(secureCookies: configuration.secureCookies)
        RequestScopeMiddleware()
    }
    router.get("/health") { _, _ in
        HealthStatus(status: "ok")
    }
    router.get("/health/ready") { _, _ in
        guard await services.database.ping() else {
            throw AppError(.serviceUnavailable, code: "database_unavailable", "The database does not answer.")
        }
        return HealthStatus(status: "ready", database: services.database.dialect.rawValue)
    }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: services.metrics.render()))
        )
    }
    router.get("/api/openapi.yaml") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: APIDocument.yaml))
        )
    }
    let media = StreamRoutes(
        tracks: services.tracks, blobs: services.blobs, signer: services.signer, live: services.live,
        attachments: services.attachments, sendFile: services.sendFile, files: services.openFiles
    )
    media.register(on: router)
    SubsonicAPI(services: services, media: media).register(on: router)
    CalendarRoutes(calendars: services.calendars).register(on: router)
    TusRoutes(uploads: services.uploads).register(on: router)
    let api = APIHandler(services: services)
    // Compact JSON (the generator's default pretty-prints every response, a
    // third more bytes and encoder time); sorted keys keep bodies deterministic.
    try api.registerHandlers(on: router, serverURL: URL(string: "/api/v1")!, configuration: .init(jsonEncodingOptions: [.sortedKeys]))
    return router
}

struct HealthStatus: ResponseEncodable {
    var status: String
    var database: String?
}

/// A value set once after the closures that read it are made (the track and
/// session caches announce changes through the realtime layer, which is built
/// from services that hold those caches).
final class LateBound<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)

    var value: Value? { stored.withLock { $0 } }

    func set(_ value: Value) {
        stored.withLock { $0 = value }
    }
}
