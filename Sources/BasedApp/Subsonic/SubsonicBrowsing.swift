import BasedSearch
import Foundation
import HTTPTypes

/// Browsing by tags (artists → albums → songs) and by folders, for older apps.
extension SubsonicAPI {
    static let ignoredArticles = ["The", "El", "La", "Los", "Las", "Le", "Les"]

    /// Only folder 1 exists; another id names nothing.
    func checkFolder(_ call: Call) throws {
        if let folder = try call.parameters.string("musicFolderId"), folder != "1" { throw SubsonicError.notFound("The music folder \(folder)") }
    }

    /// Every artist with something to play, by letter (getArtists, and getIndexes for folder apps).
    func artists(_ call: Call, element: String) async throws -> SubsonicNode {
        try checkFolder(call)
        let artists = try await listedArtists(viewer: call.viewer)
        var node = SubsonicNode(element)
        node.set("ignoredArticles", Self.ignoredArticles.joined(separator: " "))
        if element == "indexes" { node.set("lastModified", Int(Date().timeIntervalSince1970 * 1000)) }
        var letters: [String: [SubsonicNode]] = [:]
        for (user, albums, starred) in artists {
            letters[Self.indexLetter(Self.artistName(user)), default: []].append(artist(user, albumCount: albums, starred: starred))
        }
        node.add("index", list: letters.keys.sorted { ($0 == "#" ? 1 : 0, $0) < ($1 == "#" ? 1 : 0, $1) }.map { letter in
            var index = SubsonicNode("index")
            index.set("name", letter)
            index.add("artist", list: letters[letter] ?? [])
            return index
        })
        return node
    }

    /// Artists with a public, ready track, by name, without those the viewer blocked or who blocked them.
    func listedArtists(viewer: UUID) async throws -> [(User, albums: Int, starred: Date?)] {
        let counts = try await services.releases.artistAlbumCounts()
        let hidden = try await services.blocks.blockedEitherWay(viewer)
        let users = try await services.accounts.users(ids: counts.keys.filter { !hidden.contains($0) })
        let starred = try await services.follows.followedSince(by: viewer)
        return users.values
            .map { ($0, counts[$0.id] ?? 0, starred[$0.id]) }
            .sorted { (Self.sortKey(Self.artistName($0.0)), $0.0.id.text) < (Self.sortKey(Self.artistName($1.0)), $1.0.id.text) }
    }

    /// The name folded for sorting, without a leading article ("The Cure" sorts under C).
    static func sortKey(_ name: String) -> String {
        var key = TextKey.normalize(name)
        for article in ignoredArticles.map({ TextKey.normalize($0) + " " }) where key.hasPrefix(article) {
            key.removeFirst(article.count)
            break
        }
        return key
    }

    static func indexLetter(_ name: String) -> String {
        guard let first = sortKey(name).first, first.isLetter, first.isASCII else { return "#" }
        return first.uppercased()
    }

    /// An artist the viewer may see: an account with public music, not blocked either way.
    func visibleArtist(_ id: UUID, viewer: UUID) async throws -> User {
        guard let user = try await services.accounts.user(id: id),
              try await !services.blocks.isBlocked(between: viewer, and: id)
        else { throw SubsonicError.notFound("The artist \(id.text)") }
        return user
    }

    func artist(_ call: Call) async throws -> SubsonicNode {
        let id = try call.parameters.requiredID("id")
        let user = try await visibleArtist(id, viewer: call.viewer)
        let releases = try await services.releases.albums(.newest, artist: id, offset: 0, limit: 500)
        let albums = try await albumNodes(releases, viewer: call.viewer)
        guard !albums.isEmpty || user.role == .artist else { throw SubsonicError.notFound("The artist \(id.text)") }
        let starred = try await services.follows.followedSince(by: call.viewer)[id]
        var node = artist(user, albumCount: albums.count, starred: starred)
        node.add("album", list: albums)
        return node
    }

    /// A release the viewer may see, with the tracks of it they may play.
    func visibleRelease(_ id: UUID, _ call: Call) async throws -> (Release, [Track]) {
        let found: (Release, [Track])
        do {
            found = try await services.releases.release(id, viewer: call.identity)
        } catch let error as AppError where error.status == .notFound {
            throw SubsonicError.notFound("The album \(id.text)")
        }
        guard try await !services.blocks.isBlocked(between: call.viewer, and: found.0.artistId) else {
            throw SubsonicError.notFound("The album \(id.text)")
        }
        return (found.0, found.1.filter { $0.state == .ready })
    }

    func album(_ call: Call) async throws -> SubsonicNode {
        let (release, tracks) = try await visibleRelease(try call.parameters.requiredID("id"), call)
        let shelf = try await makeShelf(tracks: tracks, releases: [release], viewer: call.viewer)
        let summary = AlbumSummary(
            release: release, songCount: tracks.count, durationSeconds: tracks.reduce(0) { $0 + ($1.durationSeconds ?? 0) },
            genre: Self.mostCommon(tracks.compactMap(\.genre)),
            year: release.releaseDate.flatMap { Int($0.prefix(4)) } ?? tracks.compactMap(\.year).max()
        )
        var node = album(summary, shelf)
        node.add("song", list: tracks.map { song($0, shelf) })
        return node
    }

    static func mostCommon(_ names: [String]) -> String? {
        Dictionary(grouping: names, by: { $0 }).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }?.key
    }

    func song(_ call: Call) async throws -> SubsonicNode {
        let track = try await playableTrack(try call.parameters.requiredID("id"), call)
        guard try await !services.blocks.isBlocked(between: call.viewer, and: track.artistId) else {
            throw SubsonicError.notFound("The song \(track.id.text)")
        }
        return try await songNodes([track], viewer: call.viewer)[0]
    }

    func genres(_ call: Call) async throws -> SubsonicNode {
        var node = SubsonicNode("genres")
        node.add("genre", list: try await services.tracks.genreCounts(limit: 1000).map { genre in
            var element = SubsonicNode("genre", text: genre.name)
            element.set("songCount", genre.songs)
            element.set("albumCount", genre.albums)
            return element
        })
        return node
    }

    func artistInfo(_ call: Call, element: String) async throws -> SubsonicNode {
        let user = try await visibleArtist(try call.parameters.requiredID("id"), viewer: call.viewer)
        _ = try call.parameters.int("count", in: 0...500)
        var node = SubsonicNode(element)
        node.add(SubsonicNode("biography", text: user.bio))
        node.add(SubsonicNode("musicBrainzId", text: ""))
        // Similar artists come with the discovery feature; none are claimed until then.
        node.add("similarArtist", list: [])
        return node
    }

    func albumInfo(_ call: Call) async throws -> SubsonicNode {
        let (release, _) = try await visibleRelease(try call.parameters.requiredID("id"), call)
        var node = SubsonicNode("albumInfo")
        let credits = release.creditList.map { "\($0.role): \($0.name)" }.joined(separator: "\n")
        node.add(SubsonicNode("notes", text: credits))
        node.add(SubsonicNode("musicBrainzId", text: ""))
        return node
    }

    /// The artist named (display name or username), most played first.
    func topSongs(_ call: Call) async throws -> SubsonicNode {
        let name = try call.parameters.required("artist")
        let count = try call.parameters.size("count", default: 50, max: 500)
        var node = SubsonicNode("topSongs")
        guard let artist = try await findArtist(named: name, viewer: call.viewer) else {
            node.add("song", list: [])
            return node
        }
        let page = try await services.browse.artistPage(username: artist.username, viewer: call.viewer)
        node.add("song", list: try await songNodes(Array(page.topTracks.prefix(count)), viewer: call.viewer))
        return node
    }

    /// The artist whose username or display name is `name` (letter case, accents and punctuation aside).
    func findArtist(named name: String, viewer: UUID) async throws -> User? {
        if let user = try await services.accounts.user(username: name), user.role == .artist { return user }
        let hits = try await services.search.search(name, kinds: [.artist], viewer: viewer, offset: 0, limit: 10)[.artist]?.hits ?? []
        guard let hit = hits.first(where: { TextKey.normalize($0.title) == TextKey.normalize(name) }) else { return nil }
        return try await services.accounts.user(id: hit.id)
    }

    /// Until the discovery feature lands: the seed's genre by popularity,
    /// else the artist's own most played tracks; never the seed itself.
    func similarSongs(_ call: Call, element: String) async throws -> SubsonicNode {
        let id = try call.parameters.requiredID("id")
        let count = try call.parameters.size("count", default: 50, max: 500)
        var genre: String?, artistID: UUID, seed: UUID?
        if let track = try? await playableTrack(id, call) {
            (genre, artistID, seed) = (track.genre, track.artistId, track.id)
        } else if let found = try? await visibleRelease(id, call) {
            let (release, tracks) = found
            (genre, artistID) = (Self.mostCommon(tracks.compactMap(\.genre)), release.artistId)
        } else {
            artistID = try await visibleArtist(id, viewer: call.viewer).id
        }
        let hidden = try await services.blocks.blockedEitherWay(call.viewer)
        var candidates: [Track]
        if let genre {
            candidates = try await services.tracks.tracks(genre: genre, offset: 0, limit: 500)
        } else {
            candidates = try await services.tracks.newest(genre: nil, artists: [artistID], before: nil, limit: 200)
        }
        candidates.removeAll { $0.id == seed || hidden.contains($0.artistId) }
        let plays = try await services.plays.counts(tracks: candidates.map(\.id))
        candidates.sort { (plays[$0.id]?.plays ?? 0, $0.id.text) > (plays[$1.id]?.plays ?? 0, $1.id.text) }
        var node = SubsonicNode(element)
        node.add("song", list: try await songNodes(Array(candidates.prefix(count)), viewer: call.viewer))
        return node
    }

    /// The folder view: an artist holds its albums (and tracks on none); an album its songs.
    func musicDirectory(_ call: Call) async throws -> SubsonicNode {
        let id = try call.parameters.requiredID("id")
        var node = SubsonicNode("directory")
        node.set("id", id.text)
        if let found = try? await visibleRelease(id, call) {
            let (release, tracks) = found
            let shelf = try await makeShelf(tracks: tracks, releases: [release], viewer: call.viewer)
            node.set("parent", release.artistId.text)
            node.set("name", release.title)
            node.set("starred", shelf.starredReleases[release.id])
            node.set("playCount", tracks.reduce(0) { $0 + (shelf.plays[$1.id] ?? 0) })
            node.add("child", list: tracks.map { song($0, shelf, element: "child") })
            return node
        }
        let user = try await visibleArtist(id, viewer: call.viewer)
        let releases = try await services.releases.albums(.newest, artist: id, offset: 0, limit: 500)
        let loose = try await services.tracks.newest(genre: nil, artists: [id], before: nil, limit: 500).filter { $0.releaseId == nil }
        guard !releases.isEmpty || !loose.isEmpty || user.role == .artist else { throw SubsonicError.notFound("The directory \(id.text)") }
        node.set("parent", "1")
        node.set("name", Self.artistName(user))
        node.set("starred", try await services.follows.followedSince(by: call.viewer)[id])
        let albums = try await albumNodes(releases, viewer: call.viewer, element: "child", folder: true)
        node.add("child", list: albums + (try await songNodes(loose, viewer: call.viewer, element: "child")))
        return node
    }
}
