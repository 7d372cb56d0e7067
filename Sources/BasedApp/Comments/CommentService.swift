import Foundation

/// Comments at moments of a track, threaded one level: anyone who can play
/// a track comments on it unless its owner turned comments off or blocked
/// them; authors edit and delete theirs; the track's owner deletes any.
public struct CommentService: Sendable {
    let database: Database
    let tracks: TrackService
    let blocks: BlockService
    /// Masks blocked words and flags borderline ones.
    var moderation: ModerationService?

    public struct Thread: Sendable {
        public var comment: TrackComment
        public var replies: [TrackComment]
    }

    public func post(_ identity: Identity, track trackID: UUID, text: String, at seconds: Double?, replyTo parentID: UUID?) async throws -> TrackComment {
        let track = try await visibleTrack(trackID, viewer: identity.userID)
        guard try await !CommentQueries.isOff(track: track.id, on: database.sql) else {
            throw AppError.forbidden("The artist turned comments off for this track.", code: "comments_off")
        }
        if track.artistId != identity.userID, try await blocks.isBlocked(between: track.artistId, and: identity.userID) {
            throw AppError.forbidden("You cannot comment on this track.", code: "blocked")
        }
        var fields: [AppError.FieldError] = []
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(text, min: 1, max: CommentLimits.textCharacters, multiline: true) { fields.append(.init("text", problem)) }
        if let seconds {
            if parentID != nil {
                fields.append(.init("atSeconds", "is for comments, not replies (a reply is at its comment's moment)"))
            } else if !seconds.isFinite || seconds < 0 {
                fields.append(.init("atSeconds", "must be 0 or more"))
            } else if let duration = track.durationSeconds, seconds > duration {
                fields.append(.init("atSeconds", "is past the end of the track (\(Int(duration)) s)"))
            }
        }
        if let parentID {
            let parent = try await CommentQueries.comment(id: parentID, on: database.sql)
            if parent?.trackId != track.id { fields.append(.init("parentId", "is not a comment on this track")) }
            else if parent?.parentId != nil { fields.append(.init("parentId", "is a reply; reply to its comment (threads are one level deep)")) }
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let screened = moderation?.freeText(text)
        let now = Date()
        let comment = TrackComment(
            id: .v7(now: now), trackId: track.id, authorId: identity.userID, parentId: parentID, atSeconds: seconds,
            text: screened?.text ?? text, createdAt: now, editedAt: nil
        )
        try await CommentQueries.insert(comment, on: database.sql)
        if let screened { try await moderation?.flag(screened, thing: .comment, id: comment.id, field: "text", author: identity.userID) }
        return comment
    }

    /// A page of a track's comments, oldest first, each with its replies; the
    /// viewer's blocks (either way) hide comments and replies.
    public func comments(track trackID: UUID, viewer: UUID?, cursor: String?, limit: Int?) async throws -> (threads: [Thread], nextCursor: String?, enabled: Bool) {
        let track = try await visibleTrack(trackID, viewer: viewer)
        let size = try LibraryService.pageSize(limit)
        let after = try cursor.map(BrowseCursor.decodeID)
        var hidden: Set<UUID> = []
        if let viewer { hidden = try await blocks.blockedEitherWay(viewer) }
        let rows = try await CommentQueries.comments(track: track.id, after: after, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        let replies = try await CommentQueries.replies(to: shown.map(\.id), on: database.sql)
        let byParent = Dictionary(grouping: replies.filter { !hidden.contains($0.authorId) }, by: { $0.parentId! })
        let threads = shown.filter { !hidden.contains($0.authorId) }.map {
            Thread(comment: $0, replies: Array((byParent[$0.id] ?? []).prefix(CommentLimits.repliesShown)))
        }
        let enabled = try await !CommentQueries.isOff(track: track.id, on: database.sql)
        return (threads, rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil, enabled)
    }

    public func edit(_ identity: Identity, comment id: UUID, text: String) async throws -> TrackComment {
        guard var comment = try await CommentQueries.comment(id: id, on: database.sql) else { throw AppError.notFound("The comment") }
        _ = try await visibleTrack(comment.trackId, viewer: identity.userID)
        guard comment.authorId == identity.userID else { throw AppError.forbidden("Only its author edits a comment.", code: "not_the_author") }
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(text, min: 1, max: CommentLimits.textCharacters, multiline: true) { throw AppError.validation("text", problem) }
        let screened = moderation?.freeText(text)
        let now = Date()
        try await CommentQueries.setText(id: id, text: screened?.text ?? text, now: now, on: database.sql)
        comment.text = screened?.text ?? text
        comment.editedAt = now
        if let screened { try await moderation?.flag(screened, thing: .comment, id: comment.id, field: "text", author: identity.userID) }
        return comment
    }

    /// Deletes a comment (its replies with it): its author, the track's owner or an admin.
    public func delete(_ identity: Identity, comment id: UUID) async throws {
        guard let comment = try await CommentQueries.comment(id: id, on: database.sql) else { throw AppError.notFound("The comment") }
        let track = try await visibleTrack(comment.trackId, viewer: identity.userID)
        guard comment.authorId == identity.userID || track.artistId == identity.userID || identity.role == .admin else {
            throw AppError.forbidden("Only its author or the track's artist deletes a comment.", code: "not_allowed")
        }
        try await CommentQueries.delete(id: id, on: database.sql)
    }

    /// A comment the viewer can see (on a track they can see); 404 otherwise.
    public func comment(_ id: UUID, viewer: UUID) async throws -> TrackComment {
        guard let comment = try await CommentQueries.comment(id: id, on: database.sql) else { throw AppError.notFound("The comment") }
        _ = try await visibleTrack(comment.trackId, viewer: viewer)
        return comment
    }

    /// Removes a comment (and its replies) by a moderator's decision.
    /// Removes a comment and its replies (a moderator's decision); returns
    /// them as JSON, to put back if the decision is reversed.
    public func remove(comment id: UUID) async throws -> String? {
        try await database.transaction { sql in
            let thread = try await CommentQueries.thread(of: id, on: sql)
            try await CommentQueries.delete(id: id, on: sql)
            return thread.isEmpty ? nil : JSONText.encode(thread)
        }
    }

    /// Puts back what `remove(comment:)` returned (a reversed decision); a
    /// comment already there stays as it is. Nothing comes back when the
    /// track has gone.
    public func restore(_ snapshot: String) async throws {
        guard let thread = try? JSONDecoder().decode([TrackComment].self, from: Data(snapshot.utf8)), let first = thread.first,
              try await tracks.track(id: first.trackId) != nil
        else { return }
        try await database.transaction { sql in
            for comment in thread.sorted(by: { $0.createdAt < $1.createdAt }) { try await CommentQueries.insertIfAbsent(comment, on: sql) }
        }
    }

    /// Erases a user's comments (their account is being deleted): one with
    /// replies stays as an empty comment by `ghost` ("Deleted user") so the
    /// others' replies keep their thread; the rest are deleted. Safe to run again.
    public func erase(author: UUID, ghost: UUID) async throws {
        try await database.transaction { sql in
            try await CommentQueries.tombstone(author: author, ghost: ghost, on: sql)
            try await CommentQueries.delete(author: author, on: sql)
        }
    }

    /// Turns comments on or off for a track (its owner).
    public func setEnabled(_ identity: Identity, track trackID: UUID, enabled: Bool) async throws {
        let track = try await visibleTrack(trackID, viewer: identity.userID)
        guard track.artistId == identity.userID || identity.role == .admin else {
            throw AppError.forbidden("Only the track's artist turns its comments on or off.", code: "not_the_owner")
        }
        try await CommentQueries.setOff(track: track.id, off: !enabled, now: Date(), on: database.sql)
    }

    private func visibleTrack(_ id: UUID, viewer: UUID?) async throws -> Track {
        guard let track = try await tracks.track(id: id), track.isVisible(to: viewer) else { throw AppError.notFound("The track") }
        return track
    }
}
