import Foundation
import HTTPTypes

/// Turns tracks, releases and artists into Subsonic's elements. The names
/// and likes and counts a list shows are fetched for the whole list at once.
extension SubsonicAPI {
    /// What the elements of one answer need besides the rows themselves.
    struct Shelf: Sendable {
        var artists: [UUID: User] = [:]
        var releases: [UUID: Release] = [:]
        var starredTracks: [UUID: Date] = [:]
        var starredReleases: [UUID: Date] = [:]
        var trackRatings: [UUID: Int] = [:]
        var releaseRatings: [UUID: Int] = [:]
        var plays: [UUID: Int] = [:]
    }

    /// Everything the songs and albums of an answer show, in a handful of queries.
    func makeShelf(tracks: [Track], releases: [Release] = [], viewer: UUID) async throws -> Shelf {
        var shelf = Shelf()
        let releaseIDs = Set(tracks.compactMap(\.releaseId)).subtracting(releases.map(\.id))
        shelf.releases = try await services.releases.releases(ids: releaseIDs)
        for release in releases { shelf.releases[release.id] = release }
        let artistIDs = Set(tracks.map(\.artistId)).union(shelf.releases.values.map(\.artistId))
        shelf.artists = try await services.accounts.users(ids: artistIDs)
        let trackIDs = tracks.map(\.id), allReleases = Array(shelf.releases.keys)
        shelf.starredTracks = try await services.library.likedAt(viewer, kind: .track, targets: trackIDs)
        shelf.starredReleases = try await services.library.likedAt(viewer, kind: .release, targets: allReleases)
        shelf.trackRatings = try await services.library.ratings(of: viewer, kind: .track, targets: trackIDs)
        shelf.releaseRatings = try await services.library.ratings(of: viewer, kind: .release, targets: allReleases)
        shelf.plays = try await services.plays.counts(tracks: trackIDs).mapValues { $0.plays }
        return shelf
    }

    static func artistName(_ user: User?) -> String {
        guard let user else { return "Unknown artist" }
        return user.displayName.isEmpty ? user.username : user.displayName
    }

    /// Formats apps play everywhere are sent as they are; others (FLAC, WAV, AIFF) as MP3 unless the app asks for `raw`.
    static func sentAsIs(_ format: String) -> Bool {
        ["mp3", "aac", "m4a", "ogg", "opus"].contains(format)
    }

    func song(_ track: Track, _ shelf: Shelf, element: String = "song") -> SubsonicNode {
        var node = SubsonicNode(element)
        let release = track.releaseId.flatMap { shelf.releases[$0] }
        let artist = shelf.artists[track.artistId]
        let artistName = Self.artistName(artist)
        let featured = track.featuredList
        let credited = featured.isEmpty ? artistName : "\(artistName) feat. \(featured.joined(separator: ", "))"
        node.set("id", track.id.text)
        node.set("parent", (release?.id ?? track.artistId).text)
        node.set("isDir", false)
        node.set("title", track.title)
        node.set("album", release?.title)
        node.set("artist", credited)
        node.set("track", track.trackNumber)
        node.set("year", track.year ?? release?.releaseDate.flatMap { Int($0.prefix(4)) })
        node.set("genre", track.genre)
        node.set("coverArt", track.artworkHash != nil ? track.id.text : (release?.artworkHash != nil ? release?.id.text : nil))
        node.set("size", track.originalSize)
        node.set("contentType", StreamRoutes.originalMediaType(track.originalFormat))
        node.set("suffix", track.originalFormat)
        if !Self.sentAsIs(track.originalFormat) {
            node.set("transcodedContentType", "audio/mpeg")
            node.set("transcodedSuffix", "mp3")
        }
        let duration = track.durationSeconds ?? 0
        node.set("duration", Int(duration.rounded()))
        if duration > 0 { node.set("bitRate", Int((Double(track.originalSize) * 8 / duration / 1000).rounded())) }
        let number = track.trackNumber.map { String(format: "%02d - ", $0) } ?? ""
        node.set("path", "\(Self.pathPart(artistName))/\(Self.pathPart(release?.title ?? "Singles"))/\(number)\(Self.pathPart(track.title)).\(track.originalFormat)")
        node.set("playCount", shelf.plays[track.id] ?? 0)
        node.set("discNumber", track.discNumber)
        node.set("created", track.createdAt)
        node.set("starred", shelf.starredTracks[track.id])
        node.set("albumId", release?.id.text)
        node.set("artistId", track.artistId.text)
        node.set("type", "music")
        node.set("isVideo", false)
        node.set("userRating", shelf.trackRatings[track.id])
        // OpenSubsonic
        node.set("mediaType", "song")
        node.set("sortName", track.title)
        node.set("musicBrainzId", "")
        node.set("channelCount", track.channels)
        node.set("samplingRate", track.sampleRate)
        node.set("displayArtist", credited)
        node.set("displayAlbumArtist", release.map { Self.artistName(shelf.artists[$0.artistId]) })
        node.set("explicitStatus", track.explicit ? "explicit" : "")
        node.add("genres", list: track.genre.map { [Self.named("genres", $0)] } ?? [])
        node.add("artists", list: [Self.artistReference(track.artistId, artist)])
        if let release {
            node.add("albumArtists", list: [Self.artistReference(release.artistId, shelf.artists[release.artistId], element: "albumArtists")])
        }
        if track.replayGainDb != nil || track.truePeakDbtp != nil {
            var gain = SubsonicNode("replayGain")
            gain.set("trackGain", track.replayGainDb)
            gain.set("trackPeak", track.truePeakDbtp.map { pow(10, $0 / 20) })
            node.add(gain)
        }
        return node
    }

    /// An album as ID3 lists show it (`folder`: as a directory child, for getAlbumList and getMusicDirectory).
    func album(_ summary: AlbumSummary, _ shelf: Shelf, element: String = "album", folder: Bool = false) -> SubsonicNode {
        var node = SubsonicNode(element)
        let release = summary.release
        let artist = shelf.artists[release.artistId]
        node.set("id", release.id.text)
        if folder {
            node.set("parent", release.artistId.text)
            node.set("isDir", true)
            node.set("title", release.title)
            node.set("album", release.title)
        } else {
            node.set("name", release.title)
        }
        node.set("artist", Self.artistName(artist))
        node.set("artistId", release.artistId.text)
        node.set("coverArt", release.artworkHash != nil ? release.id.text : nil)
        node.set("songCount", summary.songCount)
        node.set("duration", Int(summary.durationSeconds.rounded()))
        node.set("created", release.createdAt)
        node.set("starred", shelf.starredReleases[release.id])
        node.set("year", summary.year)
        node.set("genre", summary.genre)
        node.set("userRating", shelf.releaseRatings[release.id])
        // OpenSubsonic
        node.set("sortName", release.title)
        node.set("musicBrainzId", "")
        node.set("displayArtist", Self.artistName(artist))
        node.set("isCompilation", false)
        node.add("genres", list: summary.genre.map { [Self.named("genres", $0)] } ?? [])
        node.add("artists", list: [Self.artistReference(release.artistId, artist)])
        node.add("releaseTypes", strings: [release.kind == .ep ? "EP" : release.kind.rawValue.capitalized])
        if let date = release.releaseDate {
            let parts = date.split(separator: "-").compactMap { Int($0) }
            if parts.count == 3 {
                var original = SubsonicNode("originalReleaseDate")
                original.set("year", parts[0])
                original.set("month", parts[1])
                original.set("day", parts[2])
                node.add(original)
            }
        }
        return node
    }

    func artist(_ user: User, albumCount: Int, starred: Date?, element: String = "artist") -> SubsonicNode {
        var node = SubsonicNode(element)
        node.set("id", user.id.text)
        node.set("name", Self.artistName(user))
        node.set("coverArt", user.avatarHash != nil ? user.id.text : nil)
        node.set("albumCount", albumCount)
        node.set("starred", starred)
        node.set("musicBrainzId", "")
        node.set("sortName", Self.artistName(user).lowercased())
        node.add("roles", strings: ["artist"])
        return node
    }

    /// `element` is the list's name: XML repeats it per item (`<artists>`, `<albumArtists>`).
    static func artistReference(_ id: UUID, _ user: User?, element: String = "artists") -> SubsonicNode {
        var node = SubsonicNode(element)
        node.set("id", id.text)
        node.set("name", artistName(user))
        return node
    }

    static func named(_ element: String, _ name: String) -> SubsonicNode {
        var node = SubsonicNode(element)
        node.set("name", name)
        return node
    }

    /// A name as one part of a path: no slashes.
    static func pathPart(_ name: String) -> String {
        name.replacingOccurrences(of: "/", with: "-")
    }

    /// Songs with their shelf, in the order given.
    func songNodes(_ tracks: [Track], viewer: UUID, element: String = "song") async throws -> [SubsonicNode] {
        let shelf = try await makeShelf(tracks: tracks, viewer: viewer)
        return tracks.map { song($0, shelf, element: element) }
    }

    /// Albums with their shelf, in the order given; releases with nothing playable are left out.
    func albumNodes(_ releases: [Release], viewer: UUID, element: String = "album", folder: Bool = false) async throws -> [SubsonicNode] {
        let summaries = try await services.releases.summaries(releases, viewer: viewer)
        let shelf = try await makeShelf(tracks: [], releases: releases, viewer: viewer)
        return releases.compactMap { release in summaries[release.id].map { album($0, shelf, element: element, folder: folder) } }
    }

    /// The track if the caller may play it; anything else is "not found", so a private track's existence does not leak.
    func playableTrack(_ id: UUID, _ call: Call) async throws -> Track {
        do {
            let track = try await services.tracks.track(id, viewer: call.identity)
            guard track.state == .ready else { throw SubsonicError.notFound("The song \(id.text)") }
            return track
        } catch let error as AppError where error.status == .notFound {
            throw SubsonicError.notFound("The song \(id.text)")
        }
    }
}
