import BasedMedia
import Foundation
import HTTPTypes
import Hummingbird

/// stream, download, getCoverArt and hls: through the same renditions,
/// live transcodes, byte ranges and sendfile as the REST stream.
extension SubsonicAPI {
    static let formats = ["raw", "mp3", "opus", "aac"]

    /// The track's audio. `stream` never counts a play; apps scrobble.
    func stream(_ call: Call) async throws -> Response {
        let p = call.parameters
        let id = try p.requiredID("id")
        let track: PlayableTrack
        do {
            track = try await services.tracks.playable(id, viewer: call.identity)
        } catch let error as AppError where error.status == .notFound {
            throw SubsonicError.notFound("The song \(id.text)")
        }
        guard track.state == .ready else { throw SubsonicError(code: 0, message: "The song is still being processed.") }
        guard try await !services.blocks.isBlocked(between: call.viewer, and: track.artistId) else { throw SubsonicError.notFound("The song \(id.text)") }
        // A format Based does not make (flac, ogg…) is a preference it cannot meet: the server chooses, as Navidrome does.
        let format = try p.string("format").flatMap { Self.formats.contains($0) ? $0 : nil }
        let maxBitRate = try p.int("maxBitRate", in: 0...10_000) ?? 0
        let offset = try p.int("timeOffset", in: 0...(24 * 3600)) ?? 0
        if offset > 0, let duration = track.durationSeconds, Double(offset) >= duration {
            throw SubsonicError.invalid("timeOffset", "must be less than the song's \(Int(duration)) s")
        }
        return try await media.deliver(track, rendition: Self.rendition(for: track, format: format, maxBitRate: maxBitRate, offset: offset),
                                       offset: offset, call.request, call.context)
    }

    /// What to send: the original when asked (`raw`) or when it is a format
    /// every app plays and fits the bit rate; otherwise a rendition, MP3
    /// unless another codec is asked. Seeking (`timeOffset`) always transcodes.
    static func rendition(for track: PlayableTrack, format: String?, maxBitRate: Int, offset: Int) -> Rendition? {
        let limit = maxBitRate > 0 ? maxBitRate : nil
        switch format {
        case "raw":
            return offset > 0 ? Rendition.choose(.mp3, maxBitRate: limit) : nil
        case let codec? where Rendition.Codec(rawValue: codec) != nil:
            return Rendition.choose(Rendition.Codec(rawValue: codec)!, maxBitRate: limit)
        default:
            guard offset == 0, sentAsIs(track.originalFormat) else { return Rendition.choose(.mp3, maxBitRate: limit) }
            return limit == nil ? nil : Rendition.choose(.mp3, maxBitRate: limit)
        }
    }

    /// The original file, byte for byte.
    func download(_ call: Call) async throws -> Response {
        let id = try call.parameters.requiredID("id")
        let track: Track
        do {
            track = try await playableTrack(id, call)
        } catch let error as SubsonicError where error.code == 70 {
            // Folder apps download whole albums by id; Based sends one file per call.
            if (try? await visibleRelease(id, call)) != nil { throw SubsonicError(code: 0, message: "Download songs one at a time; albums are not zipped.") }
            throw error
        }
        guard try await !services.blocks.isBlocked(between: call.viewer, and: track.artistId) else { throw SubsonicError.notFound("The song \(id.text)") }
        var response = try await media.serveFile(
            services.blobs.original(hash: track.originalHash).path, mediaType: StreamRoutes.originalMediaType(track.originalFormat),
            call.request, call.context
        )
        let name = "\(Self.pathPart(track.title)).\(track.originalFormat)".replacingOccurrences(of: "\"", with: "'")
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "_" })
        response.headers[.contentDisposition] = "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii)"
        return response
    }

    /// The picture of a song, album or artist (an artist's avatar), 128 or 512 pixels.
    func coverArt(_ call: Call) async throws -> Response {
        let id = try call.parameters.requiredID("id")
        let size = try call.parameters.int("size", in: 1...4096) ?? 512
        let small = size <= 128
        let path: String
        if let track = try? await playableTrack(id, call), let hash = track.artworkHash {
            path = services.blobs.artwork(hash: hash, size: small ? 128 : 512).path
        } else if let found = try? await visibleRelease(id, call), let hash = found.0.artworkHash {
            path = services.blobs.artwork(hash: hash, size: small ? 128 : 512).path
        } else if let user = try? await visibleArtist(id, viewer: call.viewer), let hash = user.avatarHash {
            path = services.profiles.avatarFile(hash: hash, size: small ? .small : .large).path
        } else {
            throw SubsonicError.notFound("Cover art for \(id.text)")
        }
        do {
            var response = try await media.serveFile(path, mediaType: "image/jpeg", call.request, call.context)
            response.headers[.cacheControl] = "private, max-age=86400"
            return response
        } catch let error as AppError where error.status == .conflict {
            throw SubsonicError.notFound("Cover art for \(id.text)")
        }
    }

    /// An HLS master playlist whose variants are signed links to the REST
    /// HLS files (the app needs no credentials for them; they expire in 6 h).
    func hls(_ call: Call) async throws -> Response {
        let id = try call.parameters.requiredID("id")
        let track = try await playableTrack(id, call)
        let wanted = try call.parameters.all("bitRate").map { text throws(SubsonicError) -> Int in
            guard let rate = Int(text), rate > 0, rate <= 10_000 else { throw SubsonicError.invalid("bitRate", "must be kbps between 1 and 10000") }
            return rate
        }
        let ladder = wanted.isEmpty ? Rendition.hlsLadder : Rendition.hlsLadder.filter { rate in wanted.contains { rate <= $0 } }
        let rates = ladder.isEmpty ? [Rendition.hlsLadder[0]] : ladder
        let (expires, signature) = services.signer.sign(track: track.id, lifetime: .seconds(6 * 3600))
        var playlist = "#EXTM3U\n#EXT-X-VERSION:7\n"
        for rate in rates {
            playlist += "#EXT-X-STREAM-INF:BANDWIDTH=\(rate * 1000),CODECS=\"mp4a.40.2\"\n"
            playlist += "/api/v1/tracks/\(track.id.text)/hls/\(rate)k/index.m3u8?exp=\(expires)&sig=\(signature)\n"
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(string: playlist))
        )
    }
}
