import BasedCRDT
import Foundation
import HTTPTypes

/// Stars, ratings, scrobbles, playlists, the play queue and bookmarks: the
/// same likes, plays, playlists, queue and resume positions as the web app.
extension SubsonicAPI {
    // MARK: Annotation

    /// star/unstar: songs and albums are liked, artists followed. `id` may
    /// be any of the three (folder apps), `albumId` and `artistId` only their kind.
    func star(_ call: Call, on: Bool) async throws -> Answer {
        let p = call.parameters
        let ids = try p.ids("id"), albums = try p.ids("albumId"), artists = try p.ids("artistId")
        guard !(ids.isEmpty && albums.isEmpty && artists.isEmpty) else { throw SubsonicError.missing("id, albumId or artistId") }
        for id in ids {
            if (try? await playableTrack(id, call)) != nil {
                _ = try await services.library.setLike(call.identity, kind: .track, target: id, liked: on)
            } else if (try? await visibleRelease(id, call)) != nil {
                _ = try await services.library.setLike(call.identity, kind: .release, target: id, liked: on)
            } else {
                try await follow(id, call, on: on)
            }
        }
        for id in albums {
            _ = try await visibleRelease(id, call)
            _ = try await services.library.setLike(call.identity, kind: .release, target: id, liked: on)
        }
        for id in artists { try await follow(id, call, on: on) }
        return .node(nil)
    }

    private func follow(_ id: UUID, _ call: Call, on: Bool) async throws {
        let user = try await visibleArtist(id, viewer: call.viewer)
        guard user.id != call.viewer else { throw SubsonicError(code: 0, message: "You cannot star yourself.") }
        if on {
            _ = try await services.follows.follow(call.identity, username: user.username)
        } else {
            _ = try await services.follows.unfollow(call.identity, username: user.username)
        }
    }

    func setRating(_ call: Call) async throws -> Answer {
        let id = try call.parameters.requiredID("id")
        guard let rating = try call.parameters.int("rating", in: 0...5) else { throw SubsonicError.missing("rating") }
        if (try? await playableTrack(id, call)) != nil {
            try await services.library.setRating(call.identity, kind: .track, target: id, rating: rating)
        } else {
            _ = try await visibleRelease(id, call)
            try await services.library.setRating(call.identity, kind: .release, target: id, rating: rating)
        }
        return .node(nil)
    }

    /// submission=true (the default) records one play per id, with source
    /// "subsonic"; the same scrobble sent again (same id and time) counts
    /// once. submission=false only says what plays now.
    func scrobble(_ call: Call) async throws -> Answer {
        let p = call.parameters
        let ids = try p.ids("id")
        guard !ids.isEmpty else { throw SubsonicError.missing("id") }
        let times = try p.all("time").map { text throws(SubsonicError) -> Int in
            guard let ms = Int(text), ms >= 0 else { throw SubsonicError.invalid("time", "must be milliseconds since 1970") }
            return ms
        }
        guard times.isEmpty || times.count == ids.count else { throw SubsonicError.invalid("time", "must be given once for every id, or not at all") }
        let submission = try p.bool("submission") ?? true
        let device = try p.string("c").map { String($0.prefix(LibraryLimits.deviceCharacters)) }
        var tracks: [Track] = []
        for id in ids { tracks.append(try await playableTrack(id, call)) }
        if !submission {
            // Shared only when the listener shares what they play (Settings); a private track is never shared.
            if let last = tracks.last, last.visibility == .public {
                try await services.realtime.nowPlaying(by: call.viewer, track: last.id)
            }
            return .node(nil)
        }
        let now = Date()
        let events = tracks.enumerated().map { index, track in
            let at = times.isEmpty ? now : Date(timeIntervalSince1970: Double(times[index]) / 1000)
            let ms = Int((at.timeIntervalSince1970 * 1000).rounded())
            return PlayService.Event(
                playID: "subsonic-\(track.id.text.prefix(8))-\(ms)", trackID: track.id, kind: .complete,
                position: min(track.durationSeconds ?? 0, 4 * 3600), at: min(at, now), device: device, source: .subsonic
            )
        }
        _ = try await services.plays.report(call.identity, events)
        return .node(nil)
    }

    // MARK: Playlists

    func playlistNode(_ playlist: Playlist, owner: User?, entries: [Track], shelf: Shelf?, element: String = "playlist") -> SubsonicNode {
        var node = SubsonicNode(element)
        node.set("id", playlist.id.text)
        node.set("name", playlist.title)
        node.set("comment", playlist.description)
        node.set("owner", owner?.username)
        node.set("public", playlist.visibility == .public)
        node.set("songCount", entries.count)
        node.set("duration", Int(entries.reduce(0) { $0 + ($1.durationSeconds ?? 0) }.rounded()))
        node.set("created", playlist.createdAt)
        node.set("changed", playlist.updatedAt)
        node.set("coverArt", entries.first { $0.artworkHash != nil }?.id.text)
        if let shelf { node.add("entry", list: entries.map { song($0, shelf, element: "entry") }) }
        return node
    }

    /// The playlist's tracks the viewer may play, in its order.
    func playlistTracks(_ view: PlaylistService.View, viewer: UUID) async throws -> [Track] {
        let ids = view.entries.compactMap { UUID(uuidString: $0.track) }
        let found = try await services.tracks.tracks(ids: ids)
        return ids.compactMap { found[$0] }.filter { $0.isVisible(to: viewer) && $0.state == .ready }
    }

    func playlists(_ call: Call) async throws -> SubsonicNode {
        if let username = try call.parameters.string("username"), User.key(username) != User.key(call.identity.username) {
            throw SubsonicError.notAuthorized
        }
        var rows: [Playlist] = []
        var cursor: String?
        repeat {
            let page = try await services.playlists.playlists(of: call.viewer, cursor: cursor, limit: 100)
            rows += page.items
            cursor = page.nextCursor
        } while cursor != nil && rows.count < 1000
        let owners = try await services.accounts.users(ids: rows.map(\.ownerId))
        var node = SubsonicNode("playlists")
        var list: [SubsonicNode] = []
        for playlist in rows {
            let view = try await services.playlists.playlist(playlist.id, viewer: call.viewer)
            list.append(playlistNode(playlist, owner: owners[playlist.ownerId], entries: try await playlistTracks(view, viewer: call.viewer), shelf: nil))
        }
        node.add("playlist", list: list)
        return node
    }

    func playlist(_ call: Call) async throws -> SubsonicNode {
        try await playlistAnswer(try call.parameters.requiredID("id"), call)
    }

    private func playlistAnswer(_ id: UUID, _ call: Call) async throws -> SubsonicNode {
        let view = try await services.playlists.playlist(id, viewer: call.viewer)
        let tracks = try await playlistTracks(view, viewer: call.viewer)
        let owner = try await services.accounts.user(id: view.playlist.ownerId)
        let shelf = try await makeShelf(tracks: tracks, viewer: call.viewer)
        return playlistNode(view.playlist, owner: owner, entries: tracks, shelf: shelf)
    }

    /// With `name`: a new playlist of the songs. With `playlistId`: that playlist's songs replaced.
    func createPlaylist(_ call: Call) async throws -> SubsonicNode {
        let p = call.parameters
        let songs = try p.ids("songId")
        for id in songs { _ = try await playableTrack(id, call) }
        let id: UUID
        if let existing = try p.id("playlistId") {
            let view = try await services.playlists.playlist(existing, viewer: call.viewer)
            if let name = try p.string("name") {
                _ = try await services.playlists.update(call.identity, playlistID: existing, .init(title: name))
            }
            for entry in view.entries {
                _ = try await services.playlists.remove(call.identity, playlistID: existing, entry: entry.id.description)
            }
            id = existing
        } else {
            let name = try p.required("name")
            id = try await services.playlists.create(call.identity, .init(title: name, visibility: .private)).id
        }
        if !songs.isEmpty { _ = try await services.playlists.insert(call.identity, playlistID: id, trackIDs: songs, at: nil) }
        return try await playlistAnswer(id, call)
    }

    func updatePlaylist(_ call: Call) async throws -> Answer {
        let p = call.parameters
        let id = try p.requiredID("playlistId")
        let view = try await services.playlists.playlist(id, viewer: call.viewer)
        let adds = try p.ids("songIdToAdd")
        for song in adds { _ = try await playableTrack(song, call) }
        let removals = try p.all("songIndexToRemove").map { text throws(SubsonicError) -> Int in
            guard let index = Int(text), view.entries.indices.contains(index) else {
                throw SubsonicError.invalid("songIndexToRemove", "must be an index into the playlist's \(view.entries.count) songs")
            }
            return index
        }
        let name = try p.string("name"), comment = try p.string("comment"), isPublic = try p.bool("public")
        if name != nil || comment != nil || isPublic != nil {
            let visibility: Visibility? = isPublic.map { $0 ? .public : .private }
            _ = try await services.playlists.update(call.identity, playlistID: id, .init(title: name, description: comment, visibility: visibility))
        }
        // Entries are named before any removal, so indexes mean the order the app saw.
        for entry in Set(removals).map({ view.entries[$0].id.description }) {
            _ = try await services.playlists.remove(call.identity, playlistID: id, entry: entry)
        }
        if !adds.isEmpty { _ = try await services.playlists.insert(call.identity, playlistID: id, trackIDs: adds, at: nil) }
        return .node(nil)
    }

    func deletePlaylist(_ call: Call) async throws -> Answer {
        try await services.playlists.delete(call.identity, playlistID: try call.parameters.requiredID("id"))
        return .node(nil)
    }

    // MARK: Play queue and bookmarks

    func playQueue(_ call: Call) async throws -> SubsonicNode? {
        let queue = try await services.library.queue(of: call.viewer)
        guard !queue.trackIDs.isEmpty else { return nil }
        let found = try await services.tracks.tracks(ids: queue.trackIDs)
        let tracks = queue.trackIDs.compactMap { found[$0] }.filter { $0.isVisible(to: call.viewer) && $0.state == .ready }
        let shelf = try await makeShelf(tracks: tracks, viewer: call.viewer)
        var node = SubsonicNode("playQueue")
        node.set("current", queue.trackIDs.indices.contains(queue.index) ? queue.trackIDs[queue.index].text : nil)
        node.set("position", Int((queue.positionSeconds * 1000).rounded()))
        node.set("username", call.identity.username)
        node.set("changed", queue.updatedAt)
        node.set("changedBy", queue.device ?? "")
        node.add("entry", list: tracks.map { song($0, shelf, element: "entry") })
        return node
    }

    /// The same queue the web app hands between devices; Subsonic apps know
    /// no versions, so the last save wins (re-read once if another device saved meanwhile).
    func savePlayQueue(_ call: Call) async throws -> Answer {
        let p = call.parameters
        let ids = try p.ids("id")
        let current = try p.id("current")
        let position = try p.int("position", in: 0...(4 * 3600 * 1000)) ?? 0
        if let current, !ids.contains(current) { throw SubsonicError.invalid("current", "must be one of the ids") }
        let index = current.flatMap { ids.firstIndex(of: $0) } ?? 0
        let device = try p.string("c").map { String($0.prefix(LibraryLimits.deviceCharacters)) }
        for attempt in 0..<2 {
            let version = try await services.library.queue(of: call.viewer).version
            do {
                _ = try await services.library.saveQueue(
                    call.identity, trackIDs: ids, index: index, positionSeconds: Double(position) / 1000, device: device, expectedVersion: version
                )
                break
            } catch let error as AppError where error.status == .conflict && attempt == 0 {
                continue
            }
        }
        return .node(nil)
    }

    func bookmarks(_ call: Call) async throws -> SubsonicNode {
        let positions = try await services.library.resumePositions(of: call.viewer, limit: 500)
        let found = try await services.tracks.tracks(ids: positions.map(\.trackID))
        let tracks = positions.compactMap { found[$0.trackID] }.filter { $0.isVisible(to: call.viewer) && $0.state == .ready }
        let shelf = try await makeShelf(tracks: tracks, viewer: call.viewer)
        var node = SubsonicNode("bookmarks")
        node.add("bookmark", list: positions.compactMap { position in
            guard let track = found[position.trackID], tracks.contains(where: { $0.id == track.id }) else { return nil }
            var bookmark = SubsonicNode("bookmark")
            bookmark.set("position", Int((position.positionSeconds * 1000).rounded()))
            bookmark.set("username", call.identity.username)
            bookmark.set("comment", "")
            bookmark.set("created", position.updatedAt)
            bookmark.set("changed", position.updatedAt)
            bookmark.add(song(track, shelf, element: "entry"))
            return bookmark
        })
        return node
    }

    func createBookmark(_ call: Call) async throws -> Answer {
        let id = try call.parameters.requiredID("id")
        guard let position = try call.parameters.int("position", in: 0...(4 * 3600 * 1000)) else { throw SubsonicError.missing("position") }
        _ = try await playableTrack(id, call)
        _ = try await services.library.setResume(call.identity, track: id, position: Double(position) / 1000)
        return .node(nil)
    }

    func deleteBookmark(_ call: Call) async throws -> Answer {
        let id = try call.parameters.requiredID("id")
        _ = try await playableTrack(id, call)
        _ = try await services.library.setResume(call.identity, track: id, position: 0)
        return .node(nil)
    }
}
