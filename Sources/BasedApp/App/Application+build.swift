import BasedAPI
import BasedMedia
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import OpenAPIHummingbird
import ServiceLifecycle

/// The services of a running server, shared by the HTTP side and the command line.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let database: Database
    public let accounts: AccountService
    public let profiles: ProfileService
    public let follows: FollowService
    public let tracks: TrackService
    public let releases: ReleaseService
    public let plays: PlayService
    public let analyses: AnalysisService
    public let messaging: MessagingService
    public let attachments: AttachmentService
    public let notifications: NotificationService
    public let events: EventService
    public let realtime: Realtime
    public let jobs: JobQueue
    public let blobs: BlobStore
    public let signer: StreamSigner
    let live: LiveTranscoder
    /// Sends ready files with sendfile(2) on the server's connections.
    let sendFile: SendFile
    public let metrics: AppMetrics
    let logger: Logger

    /// Opens the database, applies migrations and wires the services together.
    public static func start(_ configuration: AppConfiguration, logger: Logger) async throws -> AppServices {
        let dataDirectory = configuration.dataDirectory
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let secret = try configuration.jwtSecret ?? Secrets.load(named: "jwt-secret", in: dataDirectory)
        let database = try await Database.open(try configuration.database, connections: configuration.databaseConnections, logger: logger)
        do {
            try await Migrator(database: database, logger: logger).migrate()
        } catch {
            try? await database.shutdown()
            throw error
        }
        let tokens = await TokenService(
            secret: secret,
            accessLifetime: configuration.accessTokenLifetime,
            refreshLifetime: configuration.refreshTokenLifetime
        )
        let follows = FollowService(database: database)
        let attemptsPerMinute = configuration.authAttemptsPerMinute
        let blobs = BlobStore(root: dataDirectory.appendingPathComponent("media", isDirectory: true))
        let jobs = JobQueue(database: database)
        let streamSecret = try Secrets.load(named: "stream-secret", in: dataDirectory)
        let messaging = MessagingService(database: database)
        let notifications = NotificationService(database: database)
        var limits = Realtime.Limits()
        limits.outboundQueue = configuration.realtimeOutboundQueue
        let metrics = AppMetrics()
        let realtime = Realtime(
            database: database, messaging: messaging, notifications: notifications, jobs: jobs,
            limits: limits, pushEnabled: configuration.pushURL != nil, metrics: metrics, logger: logger
        )
        // Caches of tracks and sessions: a change here is announced to the
        // other processes on the bus, and theirs reach these through its hooks.
        let readyTracks = ReadyTracks { id in await realtime.bus.publish(BusEvent(k: .track, x: id.uuidString.lowercased())) }
        let sessions = LiveSessions { user, session in
            await realtime.bus.publish(BusEvent(k: .session, u: user, x: session?.uuidString.lowercased()))
        }
        realtime.hooks.add { event in
            switch event.k {
            case .track:
                if let id = event.x.flatMap(UUID.init(uuidString:)) { readyTracks.drop(id) }
            case .session:
                if let user = event.u { sessions.drop(user: user, session: event.x.flatMap(UUID.init(uuidString:))) }
            default:
                break
            }
        }
        let trackService = TrackService(
            database: database, blobs: blobs, jobs: jobs, maxUploadBytes: configuration.maxUploadBytes, readyTracks: readyTracks
        )
        return AppServices(
            configuration: configuration,
            database: database,
            accounts: AccountService(
                database: database,
                tokens: tokens,
                passwords: Passwords(cost: configuration.bcryptCost),
                attempts: RateLimiter(burst: attemptsPerMinute, perMinute: attemptsPerMinute),
                sessions: sessions
            ),
            profiles: ProfileService(
                database: database,
                follows: follows,
                avatarDirectory: dataDirectory.appendingPathComponent("avatars", isDirectory: true),
                temporaryDirectory: dataDirectory.appendingPathComponent("tmp", isDirectory: true),
                avatarMaxBytes: configuration.avatarMaxBytes
            ),
            follows: follows,
            tracks: trackService,
            releases: ReleaseService(database: database, jobs: jobs),
            plays: PlayService(database: database),
            analyses: AnalysisService(database: database, tracks: trackService),
            messaging: messaging,
            attachments: AttachmentService(database: database, blobs: blobs),
            notifications: notifications,
            events: EventService(database: database, messaging: messaging, jobs: jobs, reminderLead: configuration.eventReminderLead),
            realtime: realtime,
            jobs: jobs,
            blobs: blobs,
            signer: StreamSigner(secret: streamSecret),
            live: LiveTranscoder(
                root: blobs.root.appendingPathComponent("cache", isDirectory: true), capacity: configuration.transcodeCacheBytes,
                concurrency: configuration.transcodeConcurrency, logger: logger
            ),
            sendFile: SendFile(),
            metrics: metrics,
            logger: logger
        )
    }
}

/// Closes the database when the application shuts down.
public struct DatabaseLifecycle: Service {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await database.shutdown()
    }
}

extension AppServices {
    /// The job worker with every handler the server has; `concurrency` slots.
    public func worker(concurrency: Int) -> JobWorker {
        JobWorker(
            queue: jobs,
            handlers: [
                TrackProcessor(database: database, blobs: blobs, jobs: jobs, readyTracks: tracks.readyTracks, logger: logger),
                TrackAnalysisJob(database: database, blobs: blobs, logger: logger),
                ReleaseAnnouncer(database: database, realtime: realtime),
                EventReminder(database: database, realtime: realtime),
            ] + (configuration.pushURL.map { [PushSender(gateway: $0, token: configuration.pushToken, notifications: notifications, logger: logger)] } ?? []),
            concurrency: concurrency,
            lease: configuration.jobLease,
            logger: logger
        )
    }

    /// In-process workers by default: one on SQLite (one writer), two on PostgreSQL.
    var inProcessWorkers: Int {
        configuration.workers ?? (database.dialect == .sqlite ? 1 : 2)
    }
}

/// Builds the whole server from its configuration; `based serve` and the tests both use it.
public func buildApplication(
    configuration: AppConfiguration,
    logger: Logger = Logger(label: "based"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let services = try await AppServices.start(configuration, logger: logger)
    return try buildApplication(services: services, logger: logger, onServerRunning: onServerRunning)
}

/// Builds the server around services that are already started (the tests keep a handle on them).
public func buildApplication(
    services: AppServices,
    logger: Logger = Logger(label: "based"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let configuration = services.configuration
    let router = try buildRouter(services)
    let realtime = RealtimeEndpoint(realtime: services.realtime, accounts: services.accounts, metrics: services.metrics)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(
            configuration: .init(
                http1: .init(additionalChannelHandlers: services.sendFile.channelHandlers()),
                ws: .init(maxFrameSize: services.realtime.limits.maxFrameBytes, autoPing: .enabled(timePeriod: configuration.realtimePing))
            )
        ) { request, channel, logger in
            await realtime.shouldUpgrade(request, channel: channel, logger: logger)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Based"),
        // A service group stops its services in reverse order: the workers
        // first, then the realtime heartbeat, then the database they use.
        services: [DatabaseLifecycle(database: services.database) as any Service, RealtimeService(realtime: services.realtime)]
            + (services.inProcessWorkers > 0 ? [services.worker(concurrency: services.inProcessWorkers)] : [])
            + (configuration.seedDemo ? [DemoSeeder(library: DemoLibrary(services: services, logger: logger))] : []),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

func buildRouter(_ services: AppServices) throws -> Router<BasedRequestContext> {
    let configuration = services.configuration
    let router = Router(context: BasedRequestContext.self)
    router.addMiddleware {
        RequestIDMiddleware()
        LogRequestsMiddleware(.info)
        MetricsMiddleware(metrics: services.metrics)
        ProblemMiddleware()
        RateLimitMiddleware(limiter: RateLimiter(burst: max(10, configuration.requestsPerMinute / 6), perMinute: configuration.requestsPerMinute))
        BodyLimitMiddleware(
            jsonLimit: configuration.jsonBodyMaxBytes,
            overrides: [(suffix: "/me/avatar", limit: configuration.avatarMaxBytes), (suffix: "/api/v1/attachments", limit: AttachmentService.maxBytes)],
            streamed: [(path: "/api/v1/tracks", limit: configuration.maxUploadBytes)]
        )
        AuthMiddleware(accounts: services.accounts)
        IdempotencyMiddleware(database: services.database, maxRequestBody: configuration.jsonBodyMaxBytes)
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
    StreamRoutes(
        tracks: services.tracks, blobs: services.blobs, signer: services.signer, live: services.live,
        attachments: services.attachments, sendFile: services.sendFile
    ).register(on: router)
    let api = APIHandler(services: services)
    try api.registerHandlers(on: router, serverURL: URL(string: "/api/v1")!)
    return router
}

struct HealthStatus: ResponseEncodable {
    var status: String
    var database: String?
}
