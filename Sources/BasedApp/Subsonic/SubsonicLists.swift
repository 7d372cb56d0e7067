import BasedSearch
import Foundation
import HTTPTypes

/// Album and song lists, starred things, what friends play, and search.
extension SubsonicAPI {
    static let albumListTypes = [
        "newest", "recent", "frequent", "random", "alphabeticalByName", "alphabeticalByArtist", "starred", "byYear", "byGenre", "highest",
    ]

    func albumList(_ call: Call, element: String) async throws -> SubsonicNode {
        let parameters = call.parameters
        let type = try parameters.required("type")
        let size = try parameters.size("size", default: 10, max: 500)
        let offset = try parameters.offset("offset")
        try checkFolder(call)
        let releases: [Release]
        switch type {
        case "newest": releases = try await services.releases.albums(.newest, offset: offset, limit: size)
        case "random": releases = try await services.releases.albums(.random, offset: 0, limit: size)
        case "alphabeticalByName": releases = try await services.releases.albums(.alphabeticalByName, offset: offset, limit: size)
        case "byYear":
            guard let from = try parameters.int("fromYear", in: 0...9999) else { throw SubsonicError.missing("fromYear") }
            guard let to = try parameters.int("toYear", in: 0...9999) else { throw SubsonicError.missing("toYear") }
            releases = try await services.releases.albums(.byYear(from: from, to: to), offset: offset, limit: size)
        case "byGenre":
            let genre = try parameters.required("genre")
            releases = try await services.releases.albums(.byGenre(genre), offset: offset, limit: size)
        case "alphabeticalByArtist":
            // Artist names live with accounts, so this order is made here: every listed album, sorted, then paged.
            let all = try await services.releases.albums(.alphabeticalByName, offset: 0, limit: 100_000)
            let names = try await services.accounts.users(ids: Set(all.map(\.artistId))).mapValues { Self.sortKey(Self.artistName($0)) }
            let sorted = all.enumerated().sorted { a, b in
                (names[a.element.artistId] ?? "", a.offset) < (names[b.element.artistId] ?? "", b.offset)
            }.map(\.element)
            releases = Array(sorted.dropFirst(offset).prefix(size))
        case "starred":
            let liked = try await services.library.likes(of: call.viewer, kind: .release, cursor: nil, limit: 100).items.map { $0.id }
            releases = try await ordered(Array(liked.dropFirst(offset).prefix(size)), from: services.releases.releases(ids: liked))
        case "recent":
            releases = try await releasesOf(try await services.plays.recentlyPlayed(by: call.viewer, limit: 1000), offset: offset, size: size)
        case "frequent":
            releases = try await releasesOf(try await services.plays.mostPlayed(by: call.viewer, limit: 1000), offset: offset, size: size)
        case "highest":
            let rated = try await services.library.highestRated(by: call.viewer, kind: .release, offset: offset, limit: size)
            releases = try await ordered(rated, from: services.releases.releases(ids: rated))
        default:
            throw SubsonicError.invalid("type", "must be one of \(Self.albumListTypes.joined(separator: ", "))")
        }
        let hidden = try await services.blocks.blockedEitherWay(call.viewer)
        let visible = releases.filter { !hidden.contains($0.artistId) && ($0.visibility == .public || $0.artistId == call.viewer) }
        var node = SubsonicNode(element)
        node.add("album", list: try await albumNodes(visible, viewer: call.viewer, folder: element == "albumList"))
        return node
    }

    /// The releases of the tracks, each once, in the tracks' order, paged.
    private func releasesOf(_ trackIDs: [UUID], offset: Int, size: Int) async throws -> [Release] {
        let tracks = try await services.tracks.tracks(ids: trackIDs)
        var seen = Set<UUID>(), releaseIDs: [UUID] = []
        for id in trackIDs {
            guard let release = tracks[id]?.releaseId, seen.insert(release).inserted else { continue }
            releaseIDs.append(release)
        }
        let page = Array(releaseIDs.dropFirst(offset).prefix(size))
        return ordered(page, from: try await services.releases.releases(ids: page))
    }

    private func ordered<Value>(_ ids: [UUID], from values: [UUID: Value]) -> [Value] {
        ids.compactMap { values[$0] }
    }

    func randomSongs(_ call: Call) async throws -> SubsonicNode {
        let size = try call.parameters.size("size", default: 10, max: 500)
        try checkFolder(call)
        let tracks = try await services.tracks.random(
            limit: size, genre: try call.parameters.string("genre"),
            fromYear: try call.parameters.int("fromYear", in: 0...9999), toYear: try call.parameters.int("toYear", in: 0...9999)
        )
        var node = SubsonicNode("randomSongs")
        node.add("song", list: try await songNodes(try await unblocked(tracks, viewer: call.viewer), viewer: call.viewer))
        return node
    }

    func songsByGenre(_ call: Call) async throws -> SubsonicNode {
        let genre = try call.parameters.required("genre")
        let count = try call.parameters.size("count", default: 10, max: 500)
        let offset = try call.parameters.offset("offset")
        try checkFolder(call)
        let tracks = try await services.tracks.tracks(genre: genre, offset: offset, limit: count)
        var node = SubsonicNode("songsByGenre")
        node.add("song", list: try await songNodes(try await unblocked(tracks, viewer: call.viewer), viewer: call.viewer))
        return node
    }

    func unblocked(_ tracks: [Track], viewer: UUID) async throws -> [Track] {
        let hidden = try await services.blocks.blockedEitherWay(viewer)
        return hidden.isEmpty ? tracks : tracks.filter { !hidden.contains($0.artistId) }
    }

    /// Followed artists, liked albums and liked songs (the newest 500 of each).
    func starred(_ call: Call, element: String) async throws -> SubsonicNode {
        let viewer = call.viewer
        var node = SubsonicNode(element)
        let followed = try await services.follows.followedSince(by: viewer)
        let counts = try await services.releases.artistAlbumCounts()
        let artists = try await services.accounts.users(ids: followed.keys.filter { counts[$0] != nil })
        node.add("artist", list: artists.values.sorted { followed[$0.id]! > followed[$1.id]! }.map {
            artist($0, albumCount: counts[$0.id] ?? 0, starred: followed[$0.id])
        })
        let likedReleases = try await likedIDs(.release, viewer: viewer)
        let releases = ordered(likedReleases, from: try await services.releases.releases(ids: likedReleases))
            .filter { $0.visibility != .private || $0.artistId == viewer }
        node.add("album", list: try await albumNodes(releases, viewer: viewer, folder: element == "starred"))
        let likedTracks = try await likedIDs(.track, viewer: viewer)
        let tracks = ordered(likedTracks, from: try await services.tracks.tracks(ids: likedTracks))
            .filter { $0.isVisible(to: viewer) && $0.state == .ready }
        node.add("song", list: try await songNodes(try await unblocked(tracks, viewer: viewer), viewer: viewer))
        return node
    }

    private func likedIDs(_ kind: LikeKind, viewer: UUID) async throws -> [UUID] {
        var ids: [UUID] = []
        var cursor: String?
        repeat {
            let page = try await services.library.likes(of: viewer, kind: kind, cursor: cursor, limit: 100)
            ids += page.items.map { $0.id }
            cursor = page.nextCursor
        } while cursor != nil && ids.count < 500
        return ids
    }

    /// What the people the caller follows play now, as they share it (and the caller's own).
    func nowPlaying(_ call: Call) async throws -> SubsonicNode {
        let entries = try await services.realtime.nowPlaying(visibleTo: call.viewer)
        let tracks = try await services.tracks.tracks(ids: entries.map { $0.track })
        let players = try await services.accounts.users(ids: entries.map { $0.user })
        let shown = entries.filter { tracks[$0.track].map { $0.visibility == .public && $0.state == .ready } ?? false }
        let shelf = try await makeShelf(tracks: shown.compactMap { tracks[$0.track] }, viewer: call.viewer)
        var node = SubsonicNode("nowPlaying")
        node.add("entry", list: shown.compactMap { entry in
            guard let track = tracks[entry.track], let player = players[entry.user] else { return nil }
            var element = song(track, shelf, element: "entry")
            element.set("username", player.username)
            element.set("minutesAgo", max(0, Int(Date().timeIntervalSince(entry.since) / 60)))
            element.set("playerId", 0)
            return element
        })
        return node
    }

    // MARK: Search

    /// search3 (and search2): artists, albums and songs, each paged. An empty
    /// query (or `""`, as some apps send) lists everything, for apps that sync.
    func search(_ call: Call, element: String) async throws -> SubsonicNode {
        let p = call.parameters
        var query = try p.string("query") ?? ""
        if query == "\"\"" || query == "''" { query = "" }
        query = query.trimmingCharacters(in: .whitespaces)
        guard query.count <= SearchService.maxQueryCharacters else {
            throw SubsonicError.invalid("query", "must be at most \(SearchService.maxQueryCharacters) characters")
        }
        let artistCount = try p.size("artistCount", default: 20, max: 500), artistOffset = try p.offset("artistOffset")
        let albumCount = try p.size("albumCount", default: 20, max: 500), albumOffset = try p.offset("albumOffset")
        let songCount = try p.size("songCount", default: 20, max: 500), songOffset = try p.offset("songOffset")
        try checkFolder(call)
        let viewer = call.viewer
        var node = SubsonicNode(element)
        if query.isEmpty {
            let artists = artistCount == 0 ? [] : Array(try await listedArtists(viewer: viewer).dropFirst(artistOffset).prefix(artistCount))
            node.add("artist", list: artists.map { artist($0.0, albumCount: $0.albums, starred: $0.starred) })
            let releases = albumCount == 0 ? [] : try await services.releases.albums(.alphabeticalByName, offset: albumOffset, limit: albumCount)
            let hidden = try await services.blocks.blockedEitherWay(viewer)
            node.add("album", list: try await albumNodes(releases.filter { !hidden.contains($0.artistId) }, viewer: viewer, folder: element == "searchResult2"))
            let tracks = songCount == 0 ? [] : try await services.tracks.page(offset: songOffset, limit: songCount)
            node.add("song", list: try await songNodes(tracks.filter { !hidden.contains($0.artistId) }, viewer: viewer))
            return node
        }
        let artistIDs = try await hits(query, .artist, viewer: viewer, offset: artistOffset, count: artistCount)
        let releaseIDs = try await hits(query, .release, viewer: viewer, offset: albumOffset, count: albumCount)
        let trackIDs = try await hits(query, .track, viewer: viewer, offset: songOffset, count: songCount)
        let counts = try await services.releases.artistAlbumCounts(artists: artistIDs)
        let followed = try await services.follows.followedSince(by: viewer)
        let users = try await services.accounts.users(ids: artistIDs)
        node.add("artist", list: ordered(artistIDs, from: users).map { artist($0, albumCount: counts[$0.id] ?? 0, starred: followed[$0.id]) })
        let releases = ordered(releaseIDs, from: try await services.releases.releases(ids: releaseIDs)).filter { $0.visibility == .public }
        node.add("album", list: try await albumNodes(releases, viewer: viewer, folder: element == "searchResult2"))
        let tracks = ordered(trackIDs, from: try await services.tracks.tracks(ids: trackIDs)).filter { $0.visibility == .public && $0.state == .ready }
        node.add("song", list: try await songNodes(tracks, viewer: viewer))
        return node
    }

    /// One kind's ids from the search index, best first, `count` after `offset` (the index pages by 50).
    private func hits(_ query: String, _ kind: SearchKind, viewer: UUID, offset: Int, count: Int) async throws -> [UUID] {
        var ids: [UUID] = []
        var next: Int? = offset
        while let start = next, ids.count < count {
            let group = try await services.search.search(query, kinds: [kind], viewer: viewer, offset: start, limit: min(50, count - ids.count))[kind]
            ids += group?.hits.map(\.id) ?? []
            next = group?.nextOffset
        }
        return ids
    }
}
