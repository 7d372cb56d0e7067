import BasedCRDT
import Foundation

/// Playlists: making and sharing them, and editing their order, alone or
/// together. Every edit is an operation of the sequence CRDT in BasedCRDT,
/// so devices that edited offline send their operations whenever they can
/// and every copy ends in the same order; REST edits by index become
/// operations made here.
public struct PlaylistService: Sendable {
    let database: Database
    let tracks: TrackService
    let analytics: AnalyticsLog
    let accounts: AccountService
    let realtime: Realtime
    let changes: ChangeFeed
    /// This process's replica name for the operations it makes itself.
    let replica: String
    /// Refuses titles with a blocked word, masks them in descriptions.
    var moderation: ModerationService?
    /// Orders already decoded, by playlist and version: reading a long playlist
    /// again, or editing it, skips decoding its records.
    let orders = PlaylistOrders()

    public struct Input: Sendable {
        public var title: String?
        public var description: String?
        public var visibility: Visibility?
        public var collaborative: Bool?

        public init(title: String? = nil, description: String? = nil, visibility: Visibility? = nil, collaborative: Bool? = nil) {
            self.title = title
            self.description = description
            self.visibility = visibility
            self.collaborative = collaborative
        }
    }

    /// A playlist as one viewer sees it: its row, its order and who edits it.
    public struct View: Sendable {
        public var playlist: Playlist
        public var entries: [PlaylistElement]
        public var collaborators: [UUID]
        public var following: Bool
    }

    /// What a batch of operations did.
    public struct Applied: Sendable {
        public var applied: Int
        public var duplicates: Int
        public var waiting: Int
        public var view: View
    }

    // MARK: Making and changing

    public func create(_ identity: Identity, _ input: Input) async throws -> Playlist {
        guard input.title != nil else { throw AppError.validation("title", "is required") }
        let now = Date()
        var playlist = Playlist(
            id: .v7(now: now), ownerId: identity.userID, title: "", description: "", visibility: .public, collaborative: false,
            trackCount: 0, firstTracks: "[]", records: Self.encode(CollaborativePlaylist(replica: replica).records), version: 0,
            createdAt: now, updatedAt: now
        )
        try Self.apply(input, to: &playlist)
        let screening = try screen(input, playlist)
        if let description = screening?.text("description") { playlist.description = description }
        try await PlaylistQueries.insert(playlist, on: database.sql)
        try await moderation?.flag(screening, thing: .playlist, id: playlist.id, author: identity.userID)
        await changes.announce(.playlist, playlist.id)
        return playlist
    }

    public func update(_ identity: Identity, playlistID: UUID, _ input: Input) async throws -> View {
        if let visibility = input.visibility, visibility != .private, try await PlaylistQueries.isTakenDown(id: playlistID, on: database.sql) {
            throw Takedown.refusal("playlist")
        }
        var screening: ModerationService.Screening?
        let view = try await edit(identity, playlistID, ownerOnly: true) { playlist, _ in
            try Self.apply(input, to: &playlist)
            screening = try screen(input, playlist)
            if let description = screening?.text("description") { playlist.description = description }
            return []
        }.view
        try await moderation?.flag(screening, thing: .playlist, id: playlistID, author: identity.userID)
        return view
    }

    /// The title is refused with a blocked word, the description masked; only fields the input sets.
    private func screen(_ input: Input, _ playlist: Playlist) throws -> ModerationService.Screening? {
        try moderation?.screen([
            ("title", input.title.map { _ in playlist.title }, .name),
            ("description", input.description.map { _ in playlist.description }, .freeText),
        ])
    }

    /// Takes the playlist down (a moderator's decision), as `TrackService.takeDown`; returns the visibility it had.
    public func takeDown(_ id: UUID) async throws -> Visibility {
        guard let playlist = try await PlaylistQueries.playlist(id: id, on: database.sql) else { throw AppError.notFound("The playlist") }
        _ = try await PlaylistQueries.setTakedown(id: id, visibility: .private, at: Date(), on: database.sql)
        await changes.announce(.playlist, id)
        return playlist.visibility
    }

    /// Lifts a takedown, giving the playlist back the visibility it had.
    public func restore(_ id: UUID, visibility: Visibility) async throws {
        guard try await PlaylistQueries.setTakedown(id: id, visibility: visibility, at: nil, on: database.sql) else { return }
        await changes.announce(.playlist, id)
    }

    public func delete(_ identity: Identity, playlistID: UUID) async throws {
        let playlist = try await owned(identity, playlistID)
        try await PlaylistQueries.delete(id: playlist.id, on: database.sql)
        await changes.announce(.playlist, playlist.id)
    }

    /// Erases a user from playlists (their account is being deleted): their
    /// own playlists are deleted; the edits they made to others' collaborative
    /// playlists stay, by `ghost` ("Deleted user"). Safe to run again.
    public func erase(_ user: UUID, ghost: UUID) async throws {
        let owned = try await PlaylistQueries.ids(owner: user, on: database.sql)
        try await database.transaction { sql in
            for id in owned { try await PlaylistQueries.delete(id: id, on: sql) }
            try await PlaylistQueries.reassignOperations(author: user, to: ghost, on: sql)
        }
        await changes.announce(.playlist, owned)
    }

    // MARK: Reading

    /// Public playlists with tracks of some owners, newest first (feeds).
    public func newestPublic(owners: [UUID], before: UUID?, limit: Int) async throws -> [Playlist] {
        try await PlaylistQueries.newestPublic(owners: owners, before: before, limit: limit, on: database.sql)
    }

    /// The playlist with its order, if `viewer` may see it. The row is read
    /// without its records; they are read and decoded only when this process
    /// does not hold the order at the row's version.
    public func playlist(_ id: UUID, viewer: UUID?) async throws -> View {
        guard var playlist = try await PlaylistQueries.summaries(ids: [id], on: database.sql).first else { throw AppError.notFound("The playlist") }
        let collaborators = try await PlaylistQueries.members(playlist: id, role: "collaborator", on: database.sql)
        guard playlist.isVisible(to: viewer, collaborators: Set(collaborators)) else { throw AppError.notFound("The playlist") }
        let entries: [PlaylistElement]
        if let held = orders.order(of: id, version: playlist.version) {
            entries = held.elements
        } else {
            // Read whole (it may have changed since the summary): the order and the row agree.
            guard let whole = try await PlaylistQueries.playlist(id: id, on: database.sql) else { throw AppError.notFound("The playlist") }
            let crdt = try Self.decode(whole.records, replica: replica)
            entries = crdt.elements
            orders.store(crdt, elements: entries, of: id, version: whole.version)
            playlist = whole
            playlist.records = ""
        }
        var following = false
        if let viewer { following = try await PlaylistQueries.members(playlist: id, role: "follower", on: database.sql).contains(viewer) }
        return View(playlist: playlist, entries: entries, collaborators: collaborators, following: following)
    }

    /// The playlists with these ids that the viewer may see, without their order.
    public func summaries(ids: [UUID], viewer: UUID?) async throws -> [UUID: Playlist] {
        let rows = try await PlaylistQueries.summaries(ids: Array(Set(ids)), on: database.sql)
        var visible: [UUID: Playlist] = [:]
        for playlist in rows {
            if playlist.visibility == .private {
                let collaborators = try await PlaylistQueries.members(playlist: playlist.id, role: "collaborator", on: database.sql)
                guard playlist.isVisible(to: viewer, collaborators: Set(collaborators)) else { continue }
            }
            visible[playlist.id] = playlist
        }
        return visible
    }

    public func isVisible(_ id: UUID, to viewer: UUID) async throws -> Bool {
        try await !summaries(ids: [id], viewer: viewer).isEmpty
    }

    /// The user's own playlists and those they edit or follow, newest first.
    public func playlists(of user: UUID, cursor: String?, limit: Int?) async throws -> (items: [Playlist], nextCursor: String?) {
        let size = try LibraryService.pageSize(limit)
        let before = try cursor.map(Self.decodeCursor)
        let rows = try await PlaylistQueries.playlists(of: user, before: before, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        return (shown, rows.count > size ? shown.last.map { Self.encodeCursor($0.id) } : nil)
    }

    /// Someone's public playlists, newest first.
    public func publicPlaylists(of owner: UUID, cursor: String?, limit: Int?) async throws -> (items: [Playlist], nextCursor: String?) {
        let size = try LibraryService.pageSize(limit)
        let rows = try await PlaylistQueries.publicPlaylists(owner: owner, before: try cursor.map(Self.decodeCursor), limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        return (shown, rows.count > size ? shown.last.map { Self.encodeCursor($0.id) } : nil)
    }

    /// A page of public playlists by id (search indexes them).
    public func publicListings(after: UUID?, limit: Int) async throws -> [Playlist] {
        try await PlaylistQueries.publicListings(after: after, limit: limit, on: database.sql)
    }

    /// The playlist's listing if it is public, else nil.
    public func publicListing(id: UUID) async throws -> Playlist? {
        try await PlaylistQueries.summaries(ids: [id], on: database.sql).first { $0.visibility == .public }
    }

    /// Operations applied after `seq` (a device catching up), in order.
    public func operations(_ id: UUID, viewer: UUID?, after seq: Int, limit: Int?) async throws -> [(seq: Int, operation: PlaylistOperation)] {
        _ = try await playlist(id, viewer: viewer)
        let size = try LibraryService.pageSize(limit)
        return try await PlaylistQueries.operations(playlist: id, after: max(0, seq), limit: size, on: database.sql).compactMap { row in
            (try? JSONDecoder().decode(PlaylistOperation.self, from: Data(row.body.utf8))).map { (row.seq, $0) }
        }
    }

    // MARK: Editing the order

    /// Applies a device's operations (made offline, perhaps, and sent again
    /// after a lost answer): each is applied once; one naming an element or
    /// slot not seen yet waits for it.
    public func apply(_ identity: Identity, playlistID: UUID, operations: [PlaylistOperation]) async throws -> Applied {
        guard operations.count <= PlaylistLimits.operationsPerRequest else {
            throw AppError.validation("ops", "must have at most \(PlaylistLimits.operationsPerRequest) entries")
        }
        var fields: [AppError.FieldError] = []
        for (index, operation) in operations.enumerated() {
            if operation.id.replica.hasPrefix("server-") { fields.append(.init("ops[\(index)].id.replica", "is reserved for the server")) }
            if case .insert(_, let track, _) = operation, UUID(uuidString: track) == nil {
                fields.append(.init("ops[\(index)].track", "is not a track id"))
            }
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        try await requirePlayable(operations, viewer: identity.userID)
        var duplicates = 0, waiting = 0
        let result = try await edit(identity, playlistID) { _, crdt in
            duplicates = 0
            waiting = 0
            var applied: [PlaylistOperation] = []
            for (index, operation) in operations.enumerated() {
                do {
                    switch try crdt.apply(operation) {
                    case .applied: applied.append(operation)
                    case .duplicate: duplicates += 1
                    case .buffered:
                        waiting += 1
                        applied.append(operation)
                    }
                } catch let error as PlaylistError {
                    throw AppError.validation("ops[\(index)]", error.message)
                }
            }
            return applied
        }
        return Applied(applied: result.operations.count - waiting, duplicates: duplicates, waiting: waiting, view: result.view)
    }

    /// Inserts tracks at an index (the end when nil), as operations made here.
    public func insert(_ identity: Identity, playlistID: UUID, trackIDs: [UUID], at index: Int?) async throws -> View {
        guard !trackIDs.isEmpty, trackIDs.count <= PlaylistLimits.operationsPerRequest else {
            throw AppError.validation("trackIds", "must have 1 to \(PlaylistLimits.operationsPerRequest) entries")
        }
        let found = try await tracks.tracks(ids: trackIDs)
        let unplayable = trackIDs.enumerated().filter { !(found[$0.element].map { Self.playable($0, by: identity.userID) } ?? false) }
        guard unplayable.isEmpty else {
            throw AppError.validation(unplayable.map { .init("trackIds[\($0.offset)]", "is not a track you can play") })
        }
        return try await edit(identity, playlistID) { _, crdt in
            let start = index ?? crdt.count
            guard (0...crdt.count).contains(start) else { throw AppError.validation("index", "must be 0 to \(crdt.count)") }
            var made: [PlaylistOperation] = []
            for (offset, track) in trackIDs.enumerated() {
                made.append(try Self.local { try crdt.insert(track.text, at: start + offset) })
            }
            return made
        }.view
    }

    /// Removes one entry (an element id, `counter@replica`).
    public func remove(_ identity: Identity, playlistID: UUID, entry: String) async throws -> View {
        try await edit(identity, playlistID) { _, crdt in
            guard let index = crdt.elements.firstIndex(where: { $0.id.description == entry }) else { throw AppError.notFound("The entry") }
            return [try Self.local { try crdt.remove(at: index) }]
        }.view
    }

    /// Moves one entry to an index of the order as it is now.
    public func move(_ identity: Identity, playlistID: UUID, entry: String, to destination: Int) async throws -> View {
        try await edit(identity, playlistID) { _, crdt in
            guard let index = crdt.elements.firstIndex(where: { $0.id.description == entry }) else { throw AppError.notFound("The entry") }
            guard (0..<crdt.count).contains(destination) else { throw AppError.validation("index", "must be 0 to \(crdt.count - 1)") }
            return [try Self.local { try crdt.move(from: index, to: destination) }]
        }.view
    }

    // MARK: Collaborators and followers

    /// Lets a user edit (or stops them); the owner only, and only on a collaborative playlist.
    public func setCollaborator(_ identity: Identity, playlistID: UUID, username: String, on: Bool) async throws -> View {
        let playlist = try await owned(identity, playlistID)
        guard let user = try await accounts.user(username: username) else { throw AppError.notFound("The user \(username)") }
        guard user.id != playlist.ownerId else { throw AppError.validation("username", "is the owner") }
        if on {
            guard playlist.collaborative else {
                throw AppError.conflict("Make the playlist collaborative first.", code: "not_collaborative")
            }
            let current = try await PlaylistQueries.members(playlist: playlistID, role: "collaborator", on: database.sql)
            guard current.count < PlaylistLimits.collaborators || current.contains(user.id) else {
                throw AppError.conflict("A playlist has at most \(PlaylistLimits.collaborators) collaborators.", code: "too_many_collaborators")
            }
            try await PlaylistQueries.addMember(playlist: playlistID, user: user.id, role: "collaborator", now: Date(), on: database.sql)
        } else {
            try await PlaylistQueries.removeMember(playlist: playlistID, user: user.id, role: "collaborator", on: database.sql)
        }
        return try await self.playlist(playlistID, viewer: identity.userID)
    }

    public func setFollowing(_ identity: Identity, playlistID: UUID, on: Bool) async throws -> View {
        _ = try await playlist(playlistID, viewer: identity.userID)
        if on {
            try await PlaylistQueries.addMember(playlist: playlistID, user: identity.userID, role: "follower", now: Date(), on: database.sql)
        } else {
            try await PlaylistQueries.removeMember(playlist: playlistID, user: identity.userID, role: "follower", on: database.sql)
        }
        return try await playlist(playlistID, viewer: identity.userID)
    }

    // MARK: The edit loop

    /// Tracks added to playlists before analytics existed, as the facts they
    /// would have recorded (on the day of the edit), a page of the edit log at a time.
    /// Tracks `user` added to playlists (theirs or ones they collaborate on)
    /// since `since`, newest first: a taste signal for discovery.
    public func additions(by user: UUID, since: Date, limit: Int) async throws -> [(track: UUID, at: Date)] {
        try await Self.decoded(PlaylistQueries.additions(author: user, since: since, limit: limit, on: database.sql)).map { ($0.track, $0.at) }
    }

    /// Everyone's additions since `since`, newest first, for training the collaborative model.
    public func additions(since: Date, limit: Int) async throws -> [(user: UUID, track: UUID, at: Date)] {
        try await Self.decoded(PlaylistQueries.additions(author: nil, since: since, limit: limit, on: database.sql))
    }

    private static func decoded(_ rows: [PlaylistQueries.Addition]) -> [(user: UUID, track: UUID, at: Date)] {
        rows.compactMap { row in
            guard case .insert(_, let track, _)? = try? JSONDecoder().decode(PlaylistOperation.self, from: Data(row.body.utf8)),
                  let id = UUID(uuidString: track)
            else { return nil }
            return (row.authorId, id, row.createdAt)
        }
    }

    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let after = try AnalyticsHistoryPage.keys(cursor, count: 2) { keys -> (playlist: UUID, seq: Int)? in
            guard let playlist = UUID(uuidString: keys[0]), let seq = Int(keys[1]) else { return nil }
            return (playlist, seq)
        }
        let rows = try await PlaylistQueries.historical(before: cutoff, after: after, limit: limit, on: database.sql)
        let inserts = rows.compactMap { row -> (track: UUID, at: Date)? in
            guard case .insert(_, let track, _)? = try? JSONDecoder().decode(PlaylistOperation.self, from: Data(row.body.utf8)),
                  let id = UUID(uuidString: track)
            else { return nil }
            return (id, row.createdAt)
        }
        let artists = try await tracks.tracks(ids: inserts.map(\.track)).mapValues(\.artistId)
        return AnalyticsHistoryPage(
            facts: inserts.compactMap { insert in artists[insert.track].map { AnalyticsLog.Fact(.playlistAdd, owner: $0, track: insert.track, at: insert.at) } },
            next: rows.count == limit ? rows.last.map { AnalyticsHistoryPage.cursor($0.playlistId.text, String($0.seq)) } : nil
        )
    }

    /// Tracks added to a playlist count in their artists' figures.
    private func playlistAdds(_ operations: [PlaylistOperation], at now: Date) async throws -> [AnalyticsLog.Fact] {
        let added = operations.compactMap { operation -> UUID? in
            if case .insert(_, let track, _) = operation { return UUID(uuidString: track) }
            return nil
        }
        guard !added.isEmpty else { return [] }
        let found = try await tracks.tracks(ids: added)
        return added.compactMap { id in found[id].map { AnalyticsLog.Fact(.playlistAdd, owner: $0.artistId, track: id, at: now) } }
    }

    /// Reads the playlist, lets `change` edit its row and order, and saves
    /// both with the new operations in one transaction, unless someone saved
    /// in between: then it reads again and repeats (a few times at most).
    private func edit(
        _ identity: Identity, _ id: UUID, ownerOnly: Bool = false,
        _ change: (inout Playlist, inout CollaborativePlaylist) throws -> [PlaylistOperation]
    ) async throws -> (view: View, operations: [PlaylistOperation]) {
        for _ in 0..<5 {
            guard var playlist = try await PlaylistQueries.playlist(id: id, on: database.sql) else { throw AppError.notFound("The playlist") }
            let collaborators = try await PlaylistQueries.members(playlist: id, role: "collaborator", on: database.sql)
            guard playlist.isVisible(to: identity.userID, collaborators: Set(collaborators)) else { throw AppError.notFound("The playlist") }
            let mayEdit = playlist.ownerId == identity.userID || identity.role == .admin
                || (!ownerOnly && playlist.collaborative && collaborators.contains(identity.userID))
            guard mayEdit else {
                throw AppError.forbidden(ownerOnly ? "Only the owner changes this." : "Only the owner and collaborators edit this playlist.", code: "not_an_editor")
            }
            let expected = playlist.version
            var crdt = try orders.order(of: id, version: expected)?.order ?? Self.decode(playlist.records, replica: replica)
            let operations = try change(&playlist, &crdt)
            guard crdt.count <= PlaylistLimits.tracks else {
                throw AppError.validation("ops", "would make the playlist longer than \(PlaylistLimits.tracks) tracks")
            }
            guard crdt.bufferedCount <= PlaylistLimits.waiting else {
                throw AppError.validation("ops", "leave more than \(PlaylistLimits.waiting) operations waiting for ones never sent")
            }
            let now = Date()
            let entries = crdt.elements
            playlist.records = Self.encode(crdt.records)
            playlist.trackCount = entries.count
            playlist.firstTracks = JSONText.encode(entries.prefix(4).map(\.track))
            playlist.version = expected + operations.count + (operations.isEmpty ? 1 : 0)
            playlist.updatedAt = now
            let saved = playlist
            let adds = try await playlistAdds(operations, at: now)
            let stored = try await database.transaction { [analytics] sql in
                guard try await PlaylistQueries.save(saved, expected: expected, on: sql) else { return false }
                try await analytics.record(adds, on: sql)
                for (offset, operation) in operations.enumerated() {
                    try await PlaylistQueries.appendOperation(
                        playlist: id, seq: expected + offset + 1, counter: operation.id.counter, replica: operation.id.replica,
                        author: identity.userID, body: JSONText.encode(operation), now: now, on: sql
                    )
                }
                return true
            }
            guard stored else { continue }
            orders.store(crdt, elements: entries, of: id, version: saved.version)
            let view = View(playlist: saved, entries: entries, collaborators: collaborators, following: false)
            await tellEditors(saved, collaborators: collaborators, operations: operations)
            await changes.announce(.playlist, id)
            return (view, operations)
        }
        throw AppError.conflict("The playlist is being edited by many at once; try again.", code: "playlist_busy")
    }

    /// The owner's and collaborators' open sockets hear of the edit (the
    /// operations themselves when they are small, else only the new version).
    private func tellEditors(_ playlist: Playlist, collaborators: [UUID], operations: [PlaylistOperation]) async {
        var frame = Changed(playlistId: playlist.id.text, version: playlist.version, ops: operations)
        if JSONText.encode(frame).utf8.count > 3000 { frame.ops = nil }
        for user in Set(collaborators + [playlist.ownerId]) { await realtime.tell(user, frame) }
    }

    /// `playlist.changed`: an edit was saved; `ops` are what it applied (absent when large: read the playlist).
    struct Changed: Encodable {
        var type = "playlist.changed"
        var playlistId: String
        var version: Int
        var ops: [PlaylistOperation]?
    }

    // MARK: Helpers

    private func owned(_ identity: Identity, _ id: UUID) async throws -> Playlist {
        guard let playlist = try await PlaylistQueries.playlist(id: id, on: database.sql) else { throw AppError.notFound("The playlist") }
        guard playlist.ownerId == identity.userID || identity.role == .admin else {
            let collaborators = try await PlaylistQueries.members(playlist: id, role: "collaborator", on: database.sql)
            guard playlist.isVisible(to: identity.userID, collaborators: Set(collaborators)) else { throw AppError.notFound("The playlist") }
            throw AppError.forbidden("Only the owner changes this.", code: "not_the_owner")
        }
        return playlist
    }

    private func requirePlayable(_ operations: [PlaylistOperation], viewer: UUID) async throws {
        var inserted: [(Int, UUID)] = []
        for (index, operation) in operations.enumerated() {
            if case .insert(_, let track, _) = operation, let id = UUID(uuidString: track) { inserted.append((index, id)) }
        }
        let found = try await tracks.tracks(ids: inserted.map(\.1))
        let bad = inserted.filter { !(found[$0.1].map { Self.playable($0, by: viewer) } ?? false) }
        guard bad.isEmpty else { throw AppError.validation(bad.map { .init("ops[\($0.0)].track", "is not a track you can play") }) }
    }

    static func playable(_ track: Track, by viewer: UUID) -> Bool {
        track.isVisible(to: viewer) && track.state == .ready
    }

    static func apply(_ input: Input, to playlist: inout Playlist) throws {
        var fields: [AppError.FieldError] = []
        if let title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(title, min: 1, max: PlaylistLimits.titleCharacters) { fields.append(.init("title", problem)) }
            playlist.title = title
        }
        if let description = input.description {
            if let problem = Validation.text(description, max: PlaylistLimits.descriptionCharacters, multiline: true) {
                fields.append(.init("description", problem))
            }
            playlist.description = description
        }
        if let visibility = input.visibility { playlist.visibility = visibility }
        if let collaborative = input.collaborative { playlist.collaborative = collaborative }
        guard fields.isEmpty else { throw AppError.validation(fields) }
    }

    /// Runs a local edit of the CRDT, mapping its errors to problems.
    static func local(_ edit: () throws -> PlaylistOperation) throws -> PlaylistOperation {
        do {
            return try edit()
        } catch let error as PlaylistError {
            throw AppError.validation("index", error.message)
        }
    }

    static func encode(_ records: PlaylistRecords) -> String {
        records.encodeText { JSONText.encode($0) } ?? PlaylistRecords.textHeader
    }

    static func decode(_ text: String, replica: String) throws -> CollaborativePlaylist {
        let records = try PlaylistRecords(text: text) { json in try? JSONDecoder().decode(PlaylistOperation.self, from: Data(json.utf8)) }
        return try CollaborativePlaylist(replica: replica, records: records)
    }

    static func encodeCursor(_ id: UUID) -> String { Data(id.text.utf8).base64URLEncodedString() }

    static func decodeCursor(_ cursor: String) throws -> UUID {
        guard cursor.count <= 64, let data = Data(base64URLEncoded: cursor), let id = UUID(uuidString: String(decoding: data, as: UTF8.self)) else {
            throw AppError.badRequest("The cursor is not one this server gave out.", code: "invalid_cursor", fields: [.init("cursor", "is not valid")])
        }
        return id
    }
}
