import BasedAPI
import Foundation

/// Likes, history, resume positions and the shared queue.
extension APIHandler {
    var library: LibraryService { services.library }

    static func likeKind(_ kind: Components.Parameters.LikeKindPath) -> LikeKind {
        switch kind {
        case .tracks: .track
        case .releases: .release
        case .playlists: .playlist
        }
    }

    func listMyLikes(_ input: Operations.ListMyLikes.Input) async throws -> Operations.ListMyLikes.Output {
        let identity = try RequestScope.requireIdentity()
        let kind = Self.likeKind(input.path.kind)
        let page = try await library.likes(of: identity.userID, kind: kind, cursor: input.query.cursor, limit: input.query.limit)
        var items: [Components.Schemas.LikeEntry] = []
        switch kind {
        case .track:
            let bodies = try await trackBodies(page.items.map(\.id), viewer: identity)
            items = page.items.compactMap { like in bodies[like.id].map { .init(likedAt: like.likedAt, track: $0) } }
        case .release:
            let found = try await services.releases.releases(ids: page.items.map(\.id))
            let artists = try await accounts.users(ids: found.values.map(\.artistId))
            items = page.items.compactMap { like in
                guard let release = found[like.id], release.visibility != .private || release.artistId == identity.userID,
                      let artist = artists[release.artistId] else { return nil }
                return .init(likedAt: like.likedAt, release: Self.releaseSummary(release, artist: artist))
            }
        case .playlist:
            let summaries = try await playlistSummaries(page.items.map(\.id), viewer: identity.userID)
            items = page.items.compactMap { like in summaries[like.id].map { .init(likedAt: like.likedAt, playlist: $0) } }
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func like(_ input: Operations.Like.Input) async throws -> Operations.Like.Output {
        let identity = try RequestScope.requireIdentity()
        let kind = Self.likeKind(input.path.kind)
        let state = try await library.setLike(identity, kind: kind, target: try Self.uuid(input.path.targetId, "\(kind.rawValue)Id"), liked: true)
        return .ok(.init(body: .json(.init(liked: state.liked, likeCount: state.likeCount))))
    }

    func unlike(_ input: Operations.Unlike.Input) async throws -> Operations.Unlike.Output {
        let identity = try RequestScope.requireIdentity()
        let kind = Self.likeKind(input.path.kind)
        let state = try await library.setLike(identity, kind: kind, target: try Self.uuid(input.path.targetId, "\(kind.rawValue)Id"), liked: false)
        return .ok(.init(body: .json(.init(liked: state.liked, likeCount: state.likeCount))))
    }

    func listMyHistory(_ input: Operations.ListMyHistory.Input) async throws -> Operations.ListMyHistory.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await services.plays.history(of: identity.userID, device: input.query.device, cursor: input.query.cursor, limit: input.query.limit)
        let bodies = try await trackBodies(page.listens.map(\.trackID), viewer: identity)
        let items: [Components.Schemas.Listen] = page.listens.compactMap { listen in
            bodies[listen.trackID].map { track in
                .init(
                    track: track, playedAt: listen.startedAt, positionSeconds: listen.positionSeconds, completed: listen.completed,
                    device: listen.device, source: listen.source.flatMap { .init(rawValue: $0.rawValue) }
                )
            }
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func getResumePositions(_ input: Operations.GetResumePositions.Input) async throws -> Operations.GetResumePositions.Output {
        let identity = try RequestScope.requireIdentity()
        let ids = try Self.trackIDs(input.query.trackIds.split(separator: ","), field: "trackIds", count: 0...Int.max)
        let positions = try await library.resumePositions(of: identity.userID, tracks: ids)
        return .ok(.init(body: .json(.init(items: positions.map(Self.resumeBody)))))
    }

    func setResumePosition(_ input: Operations.SetResumePosition.Input) async throws -> Operations.SetResumePosition.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let position = try await library.setResume(identity, track: try Self.uuid(input.path.trackId, "trackId"), position: body.positionSeconds)
        return .ok(.init(body: .json(Self.resumeBody(position))))
    }

    func getMyQueue(_ input: Operations.GetMyQueue.Input) async throws -> Operations.GetMyQueue.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(Self.queueBody(try await library.queue(of: identity.userID)))))
    }

    func saveMyQueue(_ input: Operations.SaveMyQueue.Input) async throws -> Operations.SaveMyQueue.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let ids = try Self.trackIDs(body.trackIds, field: "trackIds", count: 0...Int.max)
        let queue = try await library.saveQueue(
            identity, trackIDs: ids, index: body.index, positionSeconds: body.positionSeconds, device: body.device, expectedVersion: body.version
        )
        return .ok(.init(body: .json(Self.queueBody(queue))))
    }

    func handOffPlayback(_ input: Operations.HandOffPlayback.Input) async throws -> Operations.HandOffPlayback.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let queue = try await library.handOff(identity, to: body.device, positionSeconds: body.positionSeconds)
        return .ok(.init(body: .json(Self.queueBody(queue))))
    }

    // MARK: Conversions

    /// The bodies of the tracks the viewer may see, by id, with their artists and counts in one query each.
    func trackBodies(_ ids: [UUID], viewer: Identity?) async throws -> [UUID: Components.Schemas.Track] {
        let found = try await services.tracks.tracks(ids: ids).values.filter { $0.isVisible(to: viewer?.userID) }
        return try await trackBodies(of: Array(found), viewer: viewer)
    }

    /// The API bodies of these tracks, keyed by id, with their artists and counts read at once.
    func trackBodies(of found: [Track], viewer: Identity?) async throws -> [UUID: Components.Schemas.Track] {
        let artists = try await accounts.users(ids: found.map(\.artistId))
        let counts = try await services.plays.counts(tracks: found.map(\.id))
        var bodies: [UUID: Components.Schemas.Track] = [:]
        for track in found {
            guard let artist = artists[track.artistId] else { continue }
            bodies[track.id] = Self.trackBody(track, viewer: viewer, artist: artist, counts: counts[track.id] ?? (0, 0))
        }
        return bodies
    }

    static func resumeBody(_ position: ResumePosition) -> Components.Schemas.ResumePosition {
        .init(trackId: position.trackID.text, positionSeconds: position.positionSeconds, updatedAt: position.updatedAt)
    }

    static func queueBody(_ queue: PlayQueue) -> Components.Schemas.PlayQueue {
        .init(
            trackIds: queue.trackIDs.map(\.text), index: queue.index, positionSeconds: queue.positionSeconds, device: queue.device,
            version: queue.version, updatedAt: queue.version == 0 ? nil : queue.updatedAt
        )
    }
}
