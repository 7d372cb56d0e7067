import Foundation

/// A listener's library: likes of tracks, releases and playlists, where
/// they stopped in long tracks, and the play queue their devices share and
/// hand to each other.
public struct LibraryService: Sendable {
    let database: Database
    let tracks: TrackService
    let releases: ReleaseService
    let realtime: Realtime
    let analytics: AnalyticsLog
    /// Whether a playlist exists and the viewer may see it (the playlists feature answers).
    var playlistVisible: @Sendable (UUID, UUID) async throws -> Bool = { _, _ in false }

    public struct LikeState: Sendable, Equatable {
        public var liked: Bool
        public var likeCount: Int
    }

    // MARK: Likes

    /// Likes (or unlikes) something the user may see; doing it twice changes nothing.
    public func setLike(_ identity: Identity, kind: LikeKind, target: UUID, liked: Bool) async throws -> LikeState {
        let owner = try await requireVisible(kind, target, viewer: identity.userID)
        let now = Date()
        try await database.transaction { [analytics] sql in
            let changed = liked
                ? try await LibraryQueries.like(user: identity.userID, kind: kind, target: target, now: now, on: sql)
                : try await LibraryQueries.unlike(user: identity.userID, kind: kind, target: target, on: sql)
            // An artist's figures count likes of their tracks and releases.
            if changed, let owner {
                try await analytics.record([.init(liked ? .like : .unlike, owner: owner, track: kind == .track ? target : nil, at: now)], on: sql)
            }
        }
        let count = try await LibraryQueries.counts(kind: kind, targets: [target], on: database.sql)[target] ?? 0
        return LikeState(liked: liked, likeCount: count)
    }

    /// A page of the user's likes of one kind, newest first, as ids with the time they were liked.
    public func likes(of user: UUID, kind: LikeKind, cursor: String?, limit: Int?) async throws -> (items: [(id: UUID, likedAt: Date)], nextCursor: String?) {
        let size = try Self.pageSize(limit)
        let rows = try await LibraryQueries.likes(user: user, kind: kind, after: try cursor.map(TimeIDCursor.decode), limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        let next = rows.count > size ? shown.last.map { TimeIDCursor.encode($0.createdAt, $0.targetId) } : nil
        return (shown.map { ($0.targetId, $0.createdAt) }, next)
    }

    /// The user's latest track likes, newest first (for their taste; never shown to others).
    public func likedTracks(of user: UUID, limit: Int) async throws -> [(id: UUID, likedAt: Date)] {
        try await LibraryQueries.likes(user: user, kind: .track, after: nil, limit: limit, on: database.sql).map { ($0.targetId, $0.createdAt) }
    }

    /// Everyone's track likes, newest first, at most `limit` (what the collaborative model learns from).
    public func trackLikes(limit: Int) async throws -> [(user: UUID, track: UUID, at: Date)] {
        try await LibraryQueries.trackLikes(limit: limit, on: database.sql).map { ($0.userId, $0.targetId, $0.createdAt) }
    }

    /// How many likes each target has, and which the viewer liked (for lists).
    public func likeStates(kind: LikeKind, targets: [UUID], viewer: UUID?) async throws -> [UUID: LikeState] {
        let counts = try await LibraryQueries.counts(kind: kind, targets: targets, on: database.sql)
        var mine: Set<UUID> = []
        if let viewer { mine = try await LibraryQueries.liked(user: viewer, kind: kind, targets: targets, on: database.sql) }
        return Dictionary(targets.map { ($0, LikeState(liked: mine.contains($0), likeCount: counts[$0] ?? 0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// Likes of tracks and releases from before analytics existed, as the facts
    /// they would have recorded, a page at a time (a like since taken back left
    /// no row, and its like and unlike would have cancelled out).
    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let after = try AnalyticsHistoryPage.keys(cursor, count: 3) { keys -> (user: UUID, kind: String, target: UUID)? in
            guard let user = UUID(uuidString: keys[0]), let target = UUID(uuidString: keys[2]) else { return nil }
            return (user, keys[1], target)
        }
        let rows = try await LibraryQueries.historical(before: cutoff, after: after, limit: limit, on: database.sql)
        let trackArtists = try await tracks.tracks(ids: rows.filter { $0.kind == LikeKind.track.rawValue }.map(\.targetId)).mapValues(\.artistId)
        let releaseArtists = try await releases.releases(ids: rows.filter { $0.kind == LikeKind.release.rawValue }.map(\.targetId)).mapValues(\.artistId)
        let facts = rows.compactMap { row -> AnalyticsLog.Fact? in
            let isTrack = row.kind == LikeKind.track.rawValue
            guard let owner = isTrack ? trackArtists[row.targetId] : releaseArtists[row.targetId] else { return nil }
            return .init(.like, owner: owner, track: isTrack ? row.targetId : nil, at: row.createdAt)
        }
        let next = rows.count == limit ? rows.last.map { AnalyticsHistoryPage.cursor($0.userId.text, $0.kind, $0.targetId.text) } : nil
        return AnalyticsHistoryPage(facts: facts, next: next)
    }

    /// Throws 404 unless the viewer may see it; returns the artist of a track or release.
    @discardableResult
    func requireVisible(_ kind: LikeKind, _ target: UUID, viewer: UUID) async throws -> UUID? {
        var owner: UUID?
        let visible: Bool
        switch kind {
        case .track:
            let track = try await tracks.track(id: target)
            owner = track?.artistId
            visible = track.map { $0.isVisible(to: viewer) && $0.state == .ready } ?? false
        case .release:
            let release = try await releases.release(id: target)
            owner = release?.artistId
            visible = release.map { $0.visibility != .private || $0.artistId == viewer } ?? false
        case .playlist:
            visible = try await playlistVisible(target, viewer)
        }
        // A private thing is as absent as a missing one, so its existence does not leak.
        guard visible else { throw AppError.notFound("The \(kind.rawValue)") }
        return owner
    }

    // MARK: Resume positions

    /// Remembers where the user is in a track; 0 forgets it (finished or started over).
    public func setResume(_ identity: Identity, track trackID: UUID, position: Double) async throws -> ResumePosition {
        guard let track = try await tracks.track(id: trackID), track.isVisible(to: identity.userID) else {
            throw AppError.notFound("The track")
        }
        guard position.isFinite, position >= 0 else { throw AppError.validation("positionSeconds", "must be 0 or more") }
        if let duration = track.durationSeconds, position > duration {
            throw AppError.validation("positionSeconds", "is past the end of the track (\(Int(duration)) s)")
        }
        let now = Date()
        if position == 0 {
            try await LibraryQueries.clearResume(user: identity.userID, track: trackID, on: database.sql)
        } else {
            try await LibraryQueries.setResume(user: identity.userID, track: trackID, position: position, now: now, on: database.sql)
        }
        return ResumePosition(trackID: trackID, positionSeconds: position, updatedAt: now)
    }

    /// Where the user stopped in each of the tracks (tracks never stopped in are absent).
    public func resumePositions(of user: UUID, tracks ids: [UUID]) async throws -> [ResumePosition] {
        guard ids.count <= 100 else { throw AppError.validation("trackIds", "must have at most 100 entries") }
        return try await LibraryQueries.resume(user: user, tracks: ids, on: database.sql)
    }

    // MARK: The play queue

    public func queue(of user: UUID) async throws -> PlayQueue {
        try await LibraryQueries.queue(user: user, on: database.sql) ?? .empty
    }

    /// Replaces the queue. `expectedVersion` is the version the device last
    /// saw; when another device saved since, the save is refused (409) and
    /// the device reads the queue again.
    public func saveQueue(
        _ identity: Identity, trackIDs: [UUID], index: Int, positionSeconds: Double, device: String?, expectedVersion: Int
    ) async throws -> PlayQueue {
        var fields: [AppError.FieldError] = []
        if trackIDs.count > LibraryLimits.queueTracks { fields.append(.init("trackIds", "must have at most \(LibraryLimits.queueTracks) entries")) }
        if index < 0 || (index >= trackIDs.count && !(trackIDs.isEmpty && index == 0)) {
            fields.append(.init("index", "must point into trackIds"))
        }
        if !positionSeconds.isFinite || positionSeconds < 0 { fields.append(.init("positionSeconds", "must be 0 or more")) }
        if let device, let problem = Validation.text(device, min: 1, max: LibraryLimits.deviceCharacters) { fields.append(.init("device", problem)) }
        if expectedVersion < 0 { fields.append(.init("version", "must be 0 or more")) }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let found = try await tracks.tracks(ids: trackIDs)
        for (position, id) in trackIDs.enumerated() where !(found[id].map { $0.isVisible(to: identity.userID) && $0.state == .ready } ?? false) {
            fields.append(.init("trackIds[\(position)]", "is not a track you can play"))
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let queue = PlayQueue(
            trackIDs: trackIDs, index: index, positionSeconds: positionSeconds, device: device,
            version: expectedVersion + 1, updatedAt: Date()
        )
        guard try await LibraryQueries.saveQueue(user: identity.userID, queue, expected: expectedVersion, on: database.sql) else {
            throw AppError.conflict("Another device changed the queue; read it again.", code: "queue_changed")
        }
        return queue
    }

    /// Moves playback to another of the user's devices: the queue names it,
    /// and every open socket of the user hears `playback.handoff`; the named
    /// device takes over from the stored position and the others stop.
    public func handOff(_ identity: Identity, to device: String, positionSeconds: Double?) async throws -> PlayQueue {
        if let problem = Validation.text(device, min: 1, max: LibraryLimits.deviceCharacters) { throw AppError.validation("device", problem) }
        var queue = try await queue(of: identity.userID)
        guard !queue.trackIDs.isEmpty else { throw AppError.conflict("There is no queue to hand over.", code: "queue_empty") }
        if let positionSeconds {
            guard positionSeconds.isFinite, positionSeconds >= 0 else { throw AppError.validation("positionSeconds", "must be 0 or more") }
            queue.positionSeconds = positionSeconds
        }
        let expected = queue.version
        queue.device = device
        queue.version += 1
        queue.updatedAt = Date()
        guard try await LibraryQueries.saveQueue(user: identity.userID, queue, expected: expected, on: database.sql) else {
            throw AppError.conflict("Another device changed the queue; read it again.", code: "queue_changed")
        }
        await realtime.tell(identity.userID, Handoff(device: device, version: queue.version, index: queue.index, positionSeconds: queue.positionSeconds))
        return queue
    }

    /// The frame every device of the user receives on a handoff.
    struct Handoff: Encodable {
        var type = "playback.handoff"
        var device: String
        var version: Int
        var index: Int
        var positionSeconds: Double
    }

    static func pageSize(_ limit: Int?) throws -> Int {
        try PageSize.resolve(limit)
    }
}
