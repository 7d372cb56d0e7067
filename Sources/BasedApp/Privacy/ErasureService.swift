import Foundation
import SQLKit

/// Forgetting a user (GDPR erasure). They ask with their password; seven
/// days later, unless they cancelled, a job deletes the account through each
/// feature's service, one step at a time, recording how far it got so that a
/// stop mid-way resumes at the step it was on. Every step is safe to repeat.
public struct ErasureService: Sendable {
    /// The services erasure goes through, held by reference: there are many,
    /// and `AppServices` (copied into every handler) must stay small.
    final class Features: Sendable {
        let accounts: AccountService
        let profiles: ProfileService
        let tracks: TrackService
        let releases: ReleaseService
        let playlists: PlaylistService
        let messaging: MessagingService
        let attachments: AttachmentService
        let comments: CommentService
        let plays: PlayService
        let events: EventService
        let tickets: TicketService
        let moderation: ModerationService
        let reports: ReportService
        let exports: PrivacyService
        let fingerprints: FingerprintService
        let analytics: AnalyticsService
        let venues: VenueService

        init(
            accounts: AccountService, profiles: ProfileService, tracks: TrackService, releases: ReleaseService, playlists: PlaylistService,
            messaging: MessagingService, attachments: AttachmentService, comments: CommentService, plays: PlayService, events: EventService,
            tickets: TicketService, moderation: ModerationService, reports: ReportService, exports: PrivacyService,
            fingerprints: FingerprintService, analytics: AnalyticsService, venues: VenueService
        ) {
            self.venues = venues
            self.accounts = accounts
            self.profiles = profiles
            self.tracks = tracks
            self.releases = releases
            self.playlists = playlists
            self.messaging = messaging
            self.attachments = attachments
            self.comments = comments
            self.plays = plays
            self.events = events
            self.tickets = tickets
            self.moderation = moderation
            self.reports = reports
            self.exports = exports
            self.fingerprints = fingerprints
            self.analytics = analytics
        }
    }

    let database: Database
    let jobs: JobQueue
    let features: Features
    /// How long the user has to change their mind.
    let gracePeriod: Duration
    /// Called after each step with the step done: tests stop the job there, as a crash would.
    var afterStep: (@Sendable (Step) async throws -> Void)?

    public struct Erasure: Sendable, Equatable {
        public enum Status: String, Sendable { case scheduled, erasing }
        public var id: UUID
        public var status: Status
        public var requestedAt: Date
        public var eraseAt: Date
    }

    /// The job's steps, in order; the account's own row goes last but two.
    public enum Step: Int, Sendable, CaseIterable {
        case sessions, catalogue, playlists, messages, attachments, comments, plays, events, tickets, moderation, exports,
             storedAnswers, venue, account, avatar, request
    }

    // MARK: Asking and cancelling

    /// Schedules the erasure of the caller's account after re-authentication
    /// (403 `reauthentication_failed`); 409 `erasure_scheduled` if one is.
    public func request(_ identity: Identity, password: String, now: Date = Date()) async throws -> Erasure {
        guard !password.isEmpty else { throw AppError.validation("password", "is required: confirm it is you") }
        try await features.accounts.reauthenticate(identity, password: password)
        let row = PrivacyQueries.ErasureRow(
            id: .v7(now: now), userId: identity.userID, status: "scheduled", requestedAt: now,
            eraseAt: now.addingTimeInterval(Double(gracePeriod.components.seconds)), step: 0, avatarHash: nil, updatedAt: now
        )
        do {
            try await database.transaction { sql in
                if try await PrivacyQueries.openErasure(of: identity.userID, on: sql) != nil { throw Self.alreadyScheduled }
                try await PrivacyQueries.insert(row, on: sql)
                try await jobs.enqueue(
                    kind: AccountErasureJob.kind, payload: AccountErasureJob.Payload(erasureId: row.id), dedupeKey: "erasure:\(row.id.text)",
                    maxAttempts: 20, runAt: row.eraseAt, on: sql
                )
            }
        } catch where database.isUniqueViolation(error) {
            // Two requests at once: the unique index let one in.
            throw Self.alreadyScheduled
        }
        return Self.present(row)
    }

    /// The caller's scheduled (or running) erasure, if any.
    public func erasure(of identity: Identity) async throws -> Erasure? {
        try await PrivacyQueries.openErasure(of: identity.userID, on: database.sql).map(Self.present)
    }

    /// Cancels the caller's erasure in its grace period; 409 `erasure_under_way` once the job has started.
    public func cancel(_ identity: Identity, now: Date = Date()) async throws {
        guard let row = try await PrivacyQueries.openErasure(of: identity.userID, on: database.sql) else {
            throw AppError.notFound("A scheduled erasure")
        }
        guard try await PrivacyQueries.cancelErasure(id: row.id, now: now, on: database.sql) else {
            throw AppError.conflict("Erasing your account has begun and cannot be stopped.", code: "erasure_under_way")
        }
    }

    private static let alreadyScheduled = AppError.conflict(
        "Your account is already scheduled for erasure; cancel that first to ask again.", code: "erasure_scheduled"
    )

    private static func present(_ row: PrivacyQueries.ErasureRow) -> Erasure {
        Erasure(id: row.id, status: row.status == "erasing" ? .erasing : .scheduled, requestedAt: row.requestedAt, eraseAt: row.eraseAt)
    }

    // MARK: Erasing (the job)

    /// Runs the erasure from the step it stopped at. Nothing happens for a
    /// cancelled (or finished) request; one whose grace period has not ended
    /// is left alone and `false` returned, for the job to try again later.
    @discardableResult
    func erase(_ id: UUID, now: Date = Date()) async throws -> Bool {
        guard var row = try await PrivacyQueries.erasure(id: id, on: database.sql), row.status != "cancelled" else { return true }
        guard row.eraseAt <= now else { return false }
        let user = row.userId
        if row.status == "scheduled" {
            // From here on the request cannot be cancelled.
            guard try await PrivacyQueries.startErasure(id: id, now: now, on: database.sql) else { return true }
            row.status = "erasing"
        }
        let ghost = try await features.accounts.erasedUser()
        for step in Step.allCases where step.rawValue >= row.step {
            switch step {
            case .sessions: try await features.accounts.endSessions(of: user, reason: "account_erased")
            case .catalogue:
                try await features.tracks.erase(artist: user)
                for artwork in try await features.releases.erase(artist: user) { await features.tracks.removeArtworkIfUnused(artwork) }
                try await features.fingerprints.forgetDeletedTracks()
            case .playlists: try await features.playlists.erase(user, ghost: ghost)
            case .messages: try await features.messaging.erase(user, ghost: ghost)
            case .attachments: try await features.attachments.erase(owner: user, tracks: features.tracks)
            case .comments: try await features.comments.erase(author: user, ghost: ghost)
            case .plays:
                try await features.plays.anonymise(user, ghost: ghost)
                try await features.analytics.erase(owner: user)
            case .events: try await features.events.erase(venue: user)
            case .tickets: try await features.tickets.erase(user, ghost: ghost, now: now)
            case .moderation:
                try await features.moderation.erase(user)
                try await features.reports.erase(user)
            case .exports: try await features.exports.eraseExports(of: user)
            case .storedAnswers: try await IdempotencyMiddleware.forget(user: user, database: database, now: now)
            case .venue: try await features.venues.erase(venue: user)
            case .account:
                row.avatarHash = try await features.accounts.user(id: user)?.avatarHash ?? row.avatarHash
                try await PrivacyQueries.update(row, on: database.sql)
                try await features.accounts.erase(user)
            case .avatar: if let hash = row.avatarHash { try await features.profiles.removeAvatarIfUnused(hash) }
            case .request:
                try await PrivacyQueries.deleteErasures(of: user, on: database.sql)
                return true
            }
            row.step = step.rawValue + 1
            row.updatedAt = Date()
            try await PrivacyQueries.update(row, on: database.sql)
            try await afterStep?(step)
        }
        return true
    }
}

/// Erases an account when its grace period ends.
struct AccountErasureJob: JobHandler {
    static let kind = "account_erasure"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var erasureId: UUID }

    let erasures: ErasureService

    func run(_ job: Job) async throws {
        // A worker whose clock runs ahead took it early: the queue retries it.
        guard try await erasures.erase(try job.decodePayload(Payload.self).erasureId) else {
            throw JobFailure("the grace period has not ended yet")
        }
    }

    /// The request stays `erasing` at the step that kept failing; the worker
    /// logs why, and the request is retried from that step when enqueued again.
    func gaveUp(_ job: Job, reason: String) async {}
}
