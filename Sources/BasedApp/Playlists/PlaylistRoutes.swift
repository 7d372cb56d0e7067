import BasedAPI
import BasedCRDT
import Foundation

/// Playlist handlers.
extension APIHandler {
    var playlists: PlaylistService { services.playlists }

    func createPlaylist(_ input: Operations.CreatePlaylist.Input) async throws -> Operations.CreatePlaylist.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let playlist = try await playlists.create(identity, Self.playlistInput(body))
        return .created(.init(body: .json(try await playlistDetail(try await playlists.playlist(playlist.id, viewer: identity.userID), viewer: identity))))
    }

    func getPlaylist(_ input: Operations.GetPlaylist.Input) async throws -> Operations.GetPlaylist.Output {
        let viewer = try RequestScope.get().identity
        let view = try await playlists.playlist(try Self.uuid(input.path.playlistId, "playlistId"), viewer: viewer?.userID)
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: viewer))))
    }

    func updatePlaylist(_ input: Operations.UpdatePlaylist.Input) async throws -> Operations.UpdatePlaylist.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let view = try await playlists.update(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), Self.playlistInput(body))
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func deletePlaylist(_ input: Operations.DeletePlaylist.Input) async throws -> Operations.DeletePlaylist.Output {
        let identity = try RequestScope.requireIdentity()
        try await playlists.delete(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"))
        return .noContent(.init())
    }

    func listPlaylistItems(_ input: Operations.ListPlaylistItems.Input) async throws -> Operations.ListPlaylistItems.Output {
        let viewer = try RequestScope.get().identity
        let view = try await playlists.playlist(try Self.uuid(input.path.playlistId, "playlistId"), viewer: viewer?.userID)
        let offset = input.query.offset ?? 0
        guard offset >= 0 else { throw AppError.validation("offset", "must be 0 or more") }
        let size = try LibraryService.pageSize(input.query.limit)
        let slice = Array(view.entries.dropFirst(offset).prefix(size))
        let items = try await playlistItems(slice, viewer: viewer)
        let next = offset + slice.count < view.entries.count ? offset + slice.count : nil
        return .ok(.init(body: .json(.init(version: view.playlist.version, items: items, nextOffset: next))))
    }

    func listPlaylistEntries(_ input: Operations.ListPlaylistEntries.Input) async throws -> Operations.ListPlaylistEntries.Output {
        let viewer = try RequestScope.get().identity
        let view = try await playlists.playlist(try Self.uuid(input.path.playlistId, "playlistId"), viewer: viewer?.userID)
        return .ok(.init(body: .json(.init(
            version: view.playlist.version,
            entries: view.entries.map { .init(id: $0.id.description, trackId: $0.track, slot: $0.slot.description) }
        ))))
    }

    func addPlaylistTracks(_ input: Operations.AddPlaylistTracks.Input) async throws -> Operations.AddPlaylistTracks.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let ids = try Self.trackIDs(body.trackIds, field: "trackIds", count: 0...Int.max)
        if let index = body.index, index < 0 { throw AppError.validation("index", "must be 0 or more") }
        let view = try await playlists.insert(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), trackIDs: ids, at: body.index)
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func removePlaylistEntry(_ input: Operations.RemovePlaylistEntry.Input) async throws -> Operations.RemovePlaylistEntry.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await playlists.remove(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), entry: input.path.entryId)
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func movePlaylistEntry(_ input: Operations.MovePlaylistEntry.Input) async throws -> Operations.MovePlaylistEntry.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let view = try await playlists.move(
            identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), entry: input.path.entryId, to: body.index
        )
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func applyPlaylistOps(_ input: Operations.ApplyPlaylistOps.Input) async throws -> Operations.ApplyPlaylistOps.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let operations = try body.ops.enumerated().map { index, op in try Self.operation(op, field: "ops[\(index)]") }
        let result = try await playlists.apply(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), operations: operations)
        return .ok(.init(body: .json(.init(
            applied: result.applied, duplicates: result.duplicates, waiting: result.waiting,
            playlist: try await playlistDetail(result.view, viewer: identity)
        ))))
    }

    func listPlaylistOps(_ input: Operations.ListPlaylistOps.Input) async throws -> Operations.ListPlaylistOps.Output {
        let viewer = try RequestScope.get().identity
        let after = input.query.after ?? 0
        guard after >= 0 else { throw AppError.validation("after", "must be 0 or more") }
        let operations = try await playlists.operations(
            try Self.uuid(input.path.playlistId, "playlistId"), viewer: viewer?.userID, after: after, limit: input.query.limit
        )
        return .ok(.init(body: .json(.init(items: operations.map { .init(seq: $0.seq, op: Self.operationBody($0.operation)) }))))
    }

    func addPlaylistCollaborator(_ input: Operations.AddPlaylistCollaborator.Input) async throws -> Operations.AddPlaylistCollaborator.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await playlists.setCollaborator(
            identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), username: input.path.username, on: true
        )
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func removePlaylistCollaborator(_ input: Operations.RemovePlaylistCollaborator.Input) async throws -> Operations.RemovePlaylistCollaborator.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await playlists.setCollaborator(
            identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), username: input.path.username, on: false
        )
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func followPlaylist(_ input: Operations.FollowPlaylist.Input) async throws -> Operations.FollowPlaylist.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await playlists.setFollowing(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), on: true)
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func unfollowPlaylist(_ input: Operations.UnfollowPlaylist.Input) async throws -> Operations.UnfollowPlaylist.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await playlists.setFollowing(identity, playlistID: try Self.uuid(input.path.playlistId, "playlistId"), on: false)
        return .ok(.init(body: .json(try await playlistDetail(view, viewer: identity))))
    }

    func listMyPlaylists(_ input: Operations.ListMyPlaylists.Input) async throws -> Operations.ListMyPlaylists.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await playlists.playlists(of: identity.userID, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try await summaryBodies(page.items), nextCursor: page.nextCursor))))
    }

    func listUserPlaylists(_ input: Operations.ListUserPlaylists.Input) async throws -> Operations.ListUserPlaylists.Output {
        let owner = try await user(named: input.path.username)
        let page = try await playlists.publicPlaylists(of: owner.id, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try await summaryBodies(page.items), nextCursor: page.nextCursor))))
    }

    // MARK: Conversions

    static func playlistInput(_ body: Components.Schemas.PlaylistInput) -> PlaylistService.Input {
        .init(
            title: body.title, description: body.description,
            visibility: body.visibility.flatMap { Visibility(rawValue: $0.rawValue) }, collaborative: body.collaborative
        )
    }

    static func opID(_ body: Components.Schemas.OpId, field: String) throws -> OpID {
        guard body.counter >= 1, body.counter <= OpID.maximumCounter else { throw AppError.validation("\(field).counter", "must be 1 or more") }
        guard OpID.isValidReplica(body.replica) else {
            throw AppError.validation("\(field).replica", "must be 1 to 64 letters, digits and . _ : -")
        }
        return OpID(counter: body.counter, replica: body.replica)
    }

    static func operation(_ body: Components.Schemas.PlaylistOperation, field: String) throws -> PlaylistOperation {
        let id = try opID(body.id, field: "\(field).id")
        var after: OpID?
        if let anchor = body.after { after = try opID(anchor, field: "\(field).after") }
        switch body.kind {
        case .insert:
            guard let track = body.track else { throw AppError.validation("\(field).track", "is required for an insert") }
            return .insert(id: id, track: track.lowercased(), after: after)
        case .remove:
            guard let element = body.element else { throw AppError.validation("\(field).element", "is required for a remove") }
            return .remove(id: id, element: try opID(element, field: "\(field).element"))
        case .move:
            guard let element = body.element else { throw AppError.validation("\(field).element", "is required for a move") }
            return .move(id: id, element: try opID(element, field: "\(field).element"), after: after)
        }
    }

    static func operationBody(_ operation: PlaylistOperation) -> Components.Schemas.PlaylistOperation {
        let id = { (id: OpID) in Components.Schemas.OpId(counter: id.counter, replica: id.replica) }
        let after = operation.after.map(id)
        switch operation {
        case .insert(let opID, let track, _):
            return .init(kind: .insert, id: id(opID), track: track, after: after)
        case .remove(let opID, let element):
            return .init(kind: .remove, id: id(opID), element: id(element))
        case .move(let opID, let element, _):
            return .init(kind: .move, id: id(opID), element: id(element), after: after)
        }
    }

    func playlistItems(_ entries: [PlaylistElement], viewer: Identity?) async throws -> [Components.Schemas.PlaylistItem] {
        let bodies = try await trackBodies(entries.compactMap { UUID(uuidString: $0.track) }, viewer: viewer)
        return entries.compactMap { entry in
            UUID(uuidString: entry.track).flatMap { bodies[$0] }.map { .init(entryId: entry.id.description, slot: entry.slot.description, track: $0) }
        }
    }

    func playlistDetail(_ view: PlaylistService.View, viewer: Identity?) async throws -> Components.Schemas.PlaylistDetail {
        let playlist = view.playlist
        let people = try await accounts.users(ids: view.collaborators + [playlist.ownerId])
        guard let owner = people[playlist.ownerId] else { throw AppError.notFound("The playlist's owner") }
        return .init(
            id: playlist.id.text, title: playlist.title, description: playlist.description, owner: Self.summary(owner),
            visibility: .init(rawValue: playlist.visibility.rawValue)!, collaborative: playlist.collaborative,
            trackCount: playlist.trackCount, version: playlist.version,
            collaborators: view.collaborators.compactMap { people[$0].map(Self.summary) }, following: view.following,
            items: try await playlistItems(Array(view.entries.prefix(100)), viewer: viewer),
            createdAt: playlist.createdAt, updatedAt: playlist.updatedAt
        )
    }

    func summaryBodies(_ items: [Playlist]) async throws -> [Components.Schemas.PlaylistSummary] {
        let owners = try await accounts.users(ids: items.map(\.ownerId))
        return items.compactMap { playlist in owners[playlist.ownerId].map { Self.playlistSummary(playlist, owner: $0) } }
    }

    /// Summaries of the playlists the viewer may see, by id.
    func playlistSummaries(_ ids: [UUID], viewer: UUID?) async throws -> [UUID: Components.Schemas.PlaylistSummary] {
        let found = try await playlists.summaries(ids: ids, viewer: viewer)
        let owners = try await accounts.users(ids: found.values.map(\.ownerId))
        var bodies: [UUID: Components.Schemas.PlaylistSummary] = [:]
        for (id, playlist) in found {
            if let owner = owners[playlist.ownerId] { bodies[id] = Self.playlistSummary(playlist, owner: owner) }
        }
        return bodies
    }

    static func playlistSummary(_ playlist: Playlist, owner: User) -> Components.Schemas.PlaylistSummary {
        .init(
            id: playlist.id.text, title: playlist.title, description: playlist.description, owner: summary(owner),
            visibility: .init(rawValue: playlist.visibility.rawValue)!, collaborative: playlist.collaborative,
            trackCount: playlist.trackCount, createdAt: playlist.createdAt, updatedAt: playlist.updatedAt
        )
    }
}
