import BasedCRDT
import Foundation

/// Jam: listening together. A host starts a session on a track, a playlist
/// or a queue; others join with its link (the session id and a secret code);
/// the host's play, pause, seek, skip and queue changes reach every member's
/// sockets as `jam.state`, stamped with the server's clock, so each member
/// plays from the same position (their clock offset comes from `ping`). The
/// host may hand control to a member; members suggest tracks to the host.
public struct JamService: Sendable {
    let database: Database
    let tracks: TrackService
    let playlists: PlaylistService
    let realtime: Realtime

    public enum Source: Sendable {
        case track(UUID)
        case playlist(UUID)
        case queue([UUID])
    }

    public enum Control: Sendable {
        case play(positionSeconds: Double?)
        case pause(positionSeconds: Double?)
        case seek(positionSeconds: Double)
        case skip(index: Int)
        case queue([UUID])
    }

    public struct View: Sendable {
        public var jam: Jam
        public var members: [UUID]
    }

    public func start(_ identity: Identity, _ source: Source) async throws -> View {
        let trackIDs: [UUID]
        switch source {
        case .track(let id): trackIDs = [id]
        case .playlist(let id):
            let playlist = try await playlists.playlist(id, viewer: identity.userID)
            trackIDs = playlist.entries.prefix(JamLimits.queue).compactMap { UUID(uuidString: $0.track) }
        case .queue(let ids): trackIDs = ids
        }
        try await requirePlayable(trackIDs, by: identity.userID)
        let now = Date()
        let jam = Jam(
            id: .v7(now: now), hostId: identity.userID, code: Self.newCode(), trackIds: JSONText.encode(trackIDs.map(\.text)),
            currentIndex: 0, positionSeconds: 0, playing: false, stateAt: now, version: 1, createdAt: now, endedAt: nil
        )
        try await database.transaction { sql in
            try await JamQueries.insert(jam, on: sql)
            try await JamQueries.addMember(jam: jam.id, user: identity.userID, now: now, on: sql)
        }
        return View(jam: jam, members: [identity.userID])
    }

    /// The session, for its members only (to others it does not exist).
    public func jam(_ id: UUID, viewer: UUID) async throws -> View {
        let (jam, members) = try await load(id)
        guard members.contains(viewer) else { throw AppError.notFound("The jam") }
        return View(jam: jam, members: members)
    }

    /// Joins with the link's code; a wrong or missing code is as good as no session.
    public func join(_ identity: Identity, jam id: UUID, code: String) async throws -> View {
        let (jam, members) = try await load(id)
        guard jam.endedAt == nil, Self.same(code, jam.code) else { throw AppError.notFound("The jam") }
        guard members.count < JamLimits.members || members.contains(identity.userID) else {
            throw AppError.conflict("The jam is full (\(JamLimits.members) listeners).", code: "jam_full")
        }
        try await JamQueries.addMember(jam: id, user: identity.userID, now: Date(), on: database.sql)
        let view = View(jam: jam, members: members.contains(identity.userID) ? members : members + [identity.userID])
        await tell(view, Members(view))
        return view
    }

    public func leave(_ identity: Identity, jam id: UUID) async throws {
        let view = try await jam(id, viewer: identity.userID)
        if view.jam.hostId == identity.userID, view.jam.endedAt == nil {
            // The host leaving ends the session (every member hears `jam.state` with `ended`).
            _ = try await change(identity, id, hostOnly: true) { jam in jam.endedAt = Date() }
        }
        try await JamQueries.removeMember(jam: id, user: identity.userID, on: database.sql)
        let rest = view.members.filter { $0 != identity.userID }
        if view.jam.hostId != identity.userID {
            await tell(View(jam: view.jam, members: rest), Members(View(jam: view.jam, members: rest)))
        }
    }

    /// The host's playback control; every member hears the new state.
    public func control(_ identity: Identity, jam id: UUID, _ control: Control) async throws -> View {
        if case .queue(let ids) = control { try await requirePlayable(ids, by: identity.userID) }
        return try await change(identity, id, hostOnly: true) { jam in
            let now = Date()
            let current = Self.position(jam, at: now)
            switch control {
            case .play(let position):
                jam.positionSeconds = try Self.checked(position ?? current)
                jam.playing = true
            case .pause(let position):
                jam.positionSeconds = try Self.checked(position ?? current)
                jam.playing = false
            case .seek(let position):
                jam.positionSeconds = try Self.checked(position)
            case .skip(let index):
                guard jam.tracks.indices.contains(index) else { throw AppError.validation("index", "must be 0 to \(jam.tracks.count - 1)") }
                jam.currentIndex = index
                jam.positionSeconds = 0
            case .queue(let ids):
                guard !ids.isEmpty, ids.count <= JamLimits.queue else { throw AppError.validation("trackIds", "must have 1 to \(JamLimits.queue) entries") }
                let playing = jam.tracks.indices.contains(jam.currentIndex) ? jam.tracks[jam.currentIndex] : nil
                jam.trackIds = JSONText.encode(ids.map(\.text))
                // The track playing keeps playing if it is still queued.
                if let playing, let index = ids.firstIndex(of: playing) {
                    jam.currentIndex = index
                    jam.positionSeconds = current
                } else {
                    jam.currentIndex = 0
                    jam.positionSeconds = 0
                }
            }
            jam.stateAt = now
        }
    }

    /// Hands control to another member.
    public func handOver(_ identity: Identity, jam id: UUID, to user: UUID) async throws -> View {
        try await change(identity, id, hostOnly: true) { jam in
            jam.hostId = user
        } check: { members in
            guard members.contains(user) else { throw AppError.validation("userId", "is not a member of the jam") }
        }
    }

    /// A member suggests a track; the host's sockets hear it.
    public func suggest(_ identity: Identity, jam id: UUID, track: UUID) async throws {
        let view = try await jam(id, viewer: identity.userID)
        try await requirePlayable([track], by: identity.userID)
        await realtime.tell(view.jam.hostId, Suggestion(jamId: id.text, trackId: track.text, userId: identity.userID.text))
    }

    // MARK: Helpers

    private func load(_ id: UUID) async throws -> (Jam, [UUID]) {
        guard let jam = try await JamQueries.jam(id: id, on: database.sql) else { throw AppError.notFound("The jam") }
        return (jam, try await JamQueries.members(jam: id, on: database.sql))
    }

    /// Applies a change to the session, saved only if nobody changed it meanwhile (then it reads again).
    private func change(
        _ identity: Identity, _ id: UUID, hostOnly: Bool, _ apply: (inout Jam) throws -> Void,
        check: ([UUID]) throws -> Void = { _ in }
    ) async throws -> View {
        for _ in 0..<5 {
            let (original, members) = try await load(id)
            guard members.contains(identity.userID) else { throw AppError.notFound("The jam") }
            guard original.endedAt == nil else { throw AppError.conflict("The jam has ended.", code: "jam_ended") }
            guard !hostOnly || original.hostId == identity.userID else {
                throw AppError.forbidden("Only the host controls the jam.", code: "not_the_host")
            }
            try check(members)
            var jam = original
            try apply(&jam)
            jam.version = original.version + 1
            guard try await JamQueries.save(jam, expected: original.version, on: database.sql) else { continue }
            let view = View(jam: jam, members: members)
            await tell(view, Self.stateFrame(jam))
            return view
        }
        throw AppError.conflict("The jam is changing fast; try again.", code: "jam_busy")
    }

    private func tell(_ view: View, _ frame: some Encodable & Sendable) async {
        for member in view.members { await realtime.tell(member, frame) }
    }

    private func requirePlayable(_ ids: [UUID], by viewer: UUID) async throws {
        guard ids.count <= JamLimits.queue else { throw AppError.validation("trackIds", "must have at most \(JamLimits.queue) entries") }
        let found = try await tracks.tracks(ids: ids)
        for (index, id) in ids.enumerated() where !(found[id].map { $0.isVisible(to: viewer) && $0.state == .ready } ?? false) {
            throw AppError.validation("trackIds[\(index)]", "is not a track you can play")
        }
    }

    /// Where playback is at `now` by the session's state.
    static func position(_ jam: Jam, at now: Date) -> Double {
        jam.playing ? jam.positionSeconds + max(0, now.timeIntervalSince(jam.stateAt)) : jam.positionSeconds
    }

    static func checked(_ position: Double) throws -> Double {
        guard position.isFinite, position >= 0 else { throw AppError.validation("positionSeconds", "must be 0 or more") }
        return position
    }

    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String((0..<12).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// Compares codes in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: Frames

    /// `jam.state`: the session's playback at `at` (server ms since 1970).
    struct State: Encodable, Sendable {
        var type = "jam.state"
        var jamId: String
        var version: Int
        var hostId: String
        var trackIds: [String]
        var index: Int
        var positionSeconds: Double
        var playing: Bool
        var at: Double
        var ended: Bool
    }

    static func stateFrame(_ jam: Jam) -> State {
        State(
            jamId: jam.id.text, version: jam.version, hostId: jam.hostId.text, trackIds: jam.tracks.prefix(50).map(\.text),
            index: jam.currentIndex, positionSeconds: jam.positionSeconds, playing: jam.playing,
            at: (jam.stateAt.timeIntervalSince1970 * 1000).rounded(), ended: jam.endedAt != nil
        )
    }

    /// `jam.members`: who is in (the first 50; the bus carries frames of a few kilobytes), how many, and the host.
    struct Members: Encodable, Sendable {
        var type = "jam.members"
        var jamId: String
        var members: [String]
        var memberCount: Int
        var hostId: String

        init(_ view: View) {
            jamId = view.jam.id.text
            members = view.members.prefix(50).map(\.text)
            memberCount = view.members.count
            hostId = view.jam.hostId.text
        }
    }

    struct Suggestion: Encodable, Sendable {
        var type = "jam.suggestion"
        var jamId: String
        var trackId: String
        var userId: String
    }
}
