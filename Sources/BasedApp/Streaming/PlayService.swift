import Foundation

/// Playback reports from clients, and the play and listener counts made from them.
public struct PlayService: Sendable {
    let database: Database
    let tracks: TrackService
    let analytics: AnalyticsLog

    public struct Event: Sendable {
        public enum Kind: String, Sendable { case start, progress, skip, complete }
        public var playID: String
        public var trackID: UUID
        public var kind: Kind
        public var position: Double
        public var at: Date
        /// The device that played it (the client's own name for it).
        public var device: String?
        /// Where the play came from: a shelf, search, a playlist… (what recommendations are measured by).
        public var source: Source?

        public init(playID: String, trackID: UUID, kind: Kind, position: Double, at: Date, device: String? = nil, source: Source? = nil) {
            self.playID = playID
            self.trackID = trackID
            self.kind = kind
            self.position = position
            self.at = at
            self.device = device
            self.source = source
        }
    }

    /// Where a play came from.
    public enum Source: String, Sendable, CaseIterable {
        case recommendation, radio, search, playlist, artist, release, library, feed, jam, queue, subsonic, other
    }

    /// One listen in someone's history.
    public struct Listen: Sendable {
        public var trackID: UUID
        public var startedAt: Date
        public var positionSeconds: Double
        public var completed: Bool
        public var device: String?
        public var source: Source?
    }

    /// What a listen says about taste: heard to the end, or skipped early.
    public struct ListenSignal: Sendable {
        public var user: UUID
        public var trackID: UUID
        public var at: Date
        public var completed: Bool
        public var skipped: Bool
    }

    /// A user's latest listens, newest first (for their taste; never shown to others).
    public func listenSignals(of user: UUID, limit: Int) async throws -> [ListenSignal] {
        try await PlayQueries.signals(user: user, limit: limit, on: database.sql).map(\.signal)
    }

    /// Everyone's listens since `since`, newest first, at most `limit` (what the collaborative model learns from).
    public func listenSignals(since: Date, limit: Int) async throws -> [ListenSignal] {
        try await PlayQueries.signals(since: since, limit: limit, on: database.sql).map(\.signal)
    }

    /// Who heard these tracks to the end most often since `since`, most first
    /// (an artist's top fans: the caller filters by who agreed to be shown).
    public func topListeners(of tracks: [UUID], since: Date, limit: Int) async throws -> [(user: UUID, plays: Int)] {
        try await PlayQueries.topListeners(of: tracks, since: since, limit: limit, on: database.sql)
    }

    /// The user's listens, newest first; only one device's when `device` is given.
    public func history(of user: UUID, device: String?, cursor: String?, limit: Int?) async throws -> (listens: [Listen], nextCursor: String?) {
        let size = try LibraryService.pageSize(limit)
        let rows = try await PlayQueries.history(user: user, device: device, after: try cursor.map(TimeIDCursor.decode), limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        let next = rows.count > size ? shown.last.map { TimeIDCursor.encode($0.startedAt, $0.id) } : nil
        return (shown.map(\.listen), next)
    }

    /// Applies a batch. Each listen is one row keyed by the client's play id, and
    /// events only ever move it forward (later position, skipped, completed), so
    /// sending the same events again changes nothing.
    public func report(_ identity: Identity, _ events: [Event]) async throws -> Int {
        guard events.count <= 500 else { throw AppError.validation("events", "must have at most 500 entries") }
        var fields: [AppError.FieldError] = []
        for (index, event) in events.enumerated() {
            if let device = event.device, let problem = Validation.text(device, min: 1, max: LibraryLimits.deviceCharacters) {
                fields.append(.init("events[\(index)].device", problem))
            }
        }
        for (index, event) in events.enumerated() {
            if !(1...64).contains(event.playID.count) { fields.append(.init("events[\(index)].playId", "must be 1–64 characters")) }
            if !(event.position.isFinite && event.position >= 0 && event.position <= 4 * 3600) {
                fields.append(.init("events[\(index)].positionSeconds", "must be between 0 and 14400"))
            }
            if event.at > Date().addingTimeInterval(300) { fields.append(.init("events[\(index)].at", "is in the future")) }
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let visible = try await visibleTracks(Set(events.map(\.trackID)), viewer: identity.userID)
        let accepted = events.filter { visible[$0.trackID] != nil }
        guard !accepted.isEmpty else { return 0 }
        let dialect = database.dialect
        let user = identity.userID
        let city = try await analytics.cities([user])[user]
        let listener = analytics.listenerHash(user)
        try await database.transaction { sql in
            let known = try await PlayQueries.states(user: user, playIDs: Set(accepted.map(\.playID)), on: sql)
            for event in accepted {
                try await PlayQueries.apply(event, user: user, now: Date(), dialect: dialect, on: sql)
            }
            let facts = Self.facts(of: accepted, known: known, artists: visible.mapValues(\.artistId), listener: listener, city: city)
            try await analytics.record(facts, on: sql)
        }
        return accepted.count
    }

    /// What a batch changes in artists' figures: a listen seen for the first
    /// time is a play (on the day it started), and a listen's first skip or
    /// completion counts once; events sent again change nothing.
    static func facts(
        of events: [Event], known: [String: PlayQueries.State], artists: [UUID: UUID], listener: UInt64, city: String?
    ) -> [AnalyticsLog.Fact] {
        var states = known
        var facts: [AnalyticsLog.Fact] = []
        for event in events {
            guard let artist = artists[event.trackID] else { continue }
            var state = states[event.playID] ?? {
                facts.append(.init(.play, owner: artist, track: event.trackID, at: event.at, listener: listener, city: city, source: event.source?.rawValue))
                return PlayQueries.State(trackId: event.trackID, startedAt: event.at, completed: false, skipped: false)
            }()
            // The stored listen ignores events naming another track.
            guard state.trackId == event.trackID else { continue }
            if event.kind == .complete, !state.completed {
                state.completed = true
                facts.append(.init(.completion, owner: artist, track: event.trackID, at: state.startedAt))
            }
            if event.kind == .skip, !state.skipped {
                state.skipped = true
                facts.append(.init(.skip, owner: artist, track: event.trackID, at: state.startedAt))
            }
            states[event.playID] = state
        }
        return facts
    }

    /// Listens from before analytics existed as the facts they would have
    /// recorded (a play, and its completion or skip), a page at a time.
    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let rows = try await PlayQueries.historical(before: cutoff, after: try AnalyticsHistoryPage.uuid(cursor), limit: limit, on: database.sql)
        let artists = try await tracks.tracks(ids: rows.map(\.trackId)).mapValues(\.artistId)
        let cities = try await analytics.cities(Array(Set(rows.map(\.userId))))
        var facts: [AnalyticsLog.Fact] = []
        for row in rows {
            guard let artist = artists[row.trackId] else { continue }
            facts.append(.init(.play, owner: artist, track: row.trackId, at: row.startedAt, listener: analytics.listenerHash(row.userId),
                               city: cities[row.userId], source: row.source))
            if row.completed { facts.append(.init(.completion, owner: artist, track: row.trackId, at: row.startedAt)) }
            if row.skipped { facts.append(.init(.skip, owner: artist, track: row.trackId, at: row.startedAt)) }
        }
        return AnalyticsHistoryPage(facts: facts, next: rows.count == limit ? rows.last?.id.text : nil)
    }

    /// Plays (listens) and distinct listeners of a track.
    public func counts(track: UUID) async throws -> (plays: Int, listeners: Int) {
        try await PlayQueries.counts(track: track, on: database.sql)
    }

    /// Plays and listeners of each of the tracks, in one query (for lists).
    public func counts(tracks: some Sequence<UUID>) async throws -> [UUID: (plays: Int, listeners: Int)] {
        try await PlayQueries.counts(tracks: Array(Set(tracks)), on: database.sql)
    }

    /// Plays per track since `since`, every play when nil (popularity for search and charts).
    public func playCounts(since: Date?) async throws -> [UUID: Int] {
        try await PlayQueries.playCounts(since: since, on: database.sql)
    }

    /// The tracks a listener may report plays of: any but another artist's private ones.
    private func visibleTracks(_ ids: Set<UUID>, viewer: UUID) async throws -> [UUID: Track] {
        guard !ids.isEmpty else { return [:] }
        return try await tracks.tracks(ids: ids).filter { $0.value.isVisible(to: viewer) }
    }

    /// Anonymises a user's plays (their account is being deleted): they pass
    /// to `ghost` ("Deleted user") without their device names, so artists'
    /// play counts stay right. Safe to run again.
    public func anonymise(_ user: UUID, ghost: UUID) async throws {
        try await PlayQueries.reassign(user: user, to: ghost, on: database.sql)
    }
}
