import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The OpenSubsonic API at `/rest`, so every Subsonic app is a Based app.
/// Routed by hand: Subsonic answers every call with HTTP 200 and its own
/// envelope (XML by default, JSON with `f=json`), takes parameters from the
/// query or a form body, and authenticates each request itself. It reaches
/// the rest of Based only through the features' services.
struct SubsonicAPI: Sendable {
    let services: AppServices
    let media: StreamRoutes

    /// One authenticated call.
    struct Call: Sendable {
        var parameters: SubsonicParameters
        var identity: Identity
        var request: Request
        var context: BasedRequestContext
        var format: SubsonicFormat
        var viewer: UUID { identity.userID }
    }

    enum Answer: Sendable {
        /// An envelope with this element (or none, for `ping` and the like).
        case node(SubsonicNode?)
        /// A payload that is itself a list of elements of one name.
        case list(String, [SubsonicNode])
        /// Media: a stream, a file, a picture.
        case response(Response)
    }

    typealias Endpoint = @Sendable (SubsonicAPI, Call) async throws -> Answer

    /// Every endpoint by name; anything else is "not implemented" (code 0), never an HTTP 404.
    static let endpoints: [String: Endpoint] = [
        "ping": { _, _ in .node(nil) },
        "getLicense": { api, call in .node(api.license()) },
        "getOpenSubsonicExtensions": { _, _ in .list("openSubsonicExtensions", SubsonicAPI.extensions()) },
        "getUser": { api, call in try await .node(api.user(call)) },
        // Browsing by tags
        "getMusicFolders": { _, _ in .node(SubsonicAPI.musicFolders()) },
        "getArtists": { api, call in try await .node(api.artists(call, element: "artists")) },
        "getArtist": { api, call in try await .node(api.artist(call)) },
        "getAlbum": { api, call in try await .node(api.album(call)) },
        "getSong": { api, call in try await .node(api.song(call)) },
        "getGenres": { api, call in try await .node(api.genres(call)) },
        "getArtistInfo": { api, call in try await .node(api.artistInfo(call, element: "artistInfo")) },
        "getArtistInfo2": { api, call in try await .node(api.artistInfo(call, element: "artistInfo2")) },
        "getAlbumInfo": { api, call in try await .node(api.albumInfo(call)) },
        "getAlbumInfo2": { api, call in try await .node(api.albumInfo(call)) },
        "getTopSongs": { api, call in try await .node(api.topSongs(call)) },
        "getSimilarSongs": { api, call in try await .node(api.similarSongs(call, element: "similarSongs")) },
        "getSimilarSongs2": { api, call in try await .node(api.similarSongs(call, element: "similarSongs2")) },
        // Browsing by folders, for older apps
        "getIndexes": { api, call in try await .node(api.artists(call, element: "indexes")) },
        "getMusicDirectory": { api, call in try await .node(api.musicDirectory(call)) },
        // Lists
        "getAlbumList": { api, call in try await .node(api.albumList(call, element: "albumList")) },
        "getAlbumList2": { api, call in try await .node(api.albumList(call, element: "albumList2")) },
        "getRandomSongs": { api, call in try await .node(api.randomSongs(call)) },
        "getSongsByGenre": { api, call in try await .node(api.songsByGenre(call)) },
        "getStarred": { api, call in try await .node(api.starred(call, element: "starred")) },
        "getStarred2": { api, call in try await .node(api.starred(call, element: "starred2")) },
        "getNowPlaying": { api, call in try await .node(api.nowPlaying(call)) },
        "search2": { api, call in try await .node(api.search(call, element: "searchResult2")) },
        "search3": { api, call in try await .node(api.search(call, element: "searchResult3")) },
        // Annotation
        "star": { api, call in try await api.star(call, on: true) },
        "unstar": { api, call in try await api.star(call, on: false) },
        "setRating": { api, call in try await api.setRating(call) },
        "scrobble": { api, call in try await api.scrobble(call) },
        // Playlists
        "getPlaylists": { api, call in try await .node(api.playlists(call)) },
        "getPlaylist": { api, call in try await .node(api.playlist(call)) },
        "createPlaylist": { api, call in try await .node(api.createPlaylist(call)) },
        "updatePlaylist": { api, call in try await api.updatePlaylist(call) },
        "deletePlaylist": { api, call in try await api.deletePlaylist(call) },
        // Play queue and bookmarks
        "getPlayQueue": { api, call in try await .node(api.playQueue(call)) },
        "savePlayQueue": { api, call in try await api.savePlayQueue(call) },
        "getBookmarks": { api, call in try await .node(api.bookmarks(call)) },
        "createBookmark": { api, call in try await api.createBookmark(call) },
        "deleteBookmark": { api, call in try await api.deleteBookmark(call) },
        // Media
        "stream": { api, call in try await .response(api.stream(call)) },
        "download": { api, call in try await .response(api.download(call)) },
        "getCoverArt": { api, call in try await .response(api.coverArt(call)) },
        "hls": { api, call in try await .response(api.hls(call)) },
    ]

    /// The id of the anonymous caller of the calls that need no credentials.
    static let nobody = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    /// Calls answered without credentials.
    static let open: Set<String> = ["getOpenSubsonicExtensions"]

    func register(on router: Router<BasedRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .head] {
            router.on("/rest/:call", method: method) { request, context in
                await handle(request, context)
            }
        }
    }

    /// The largest form body taken (the `formPost` extension); parameters, not uploads.
    static let maxFormBytes = 256 * 1024

    func handle(_ request: Request, _ context: BasedRequestContext) async -> Response {
        var name = context.parameters.get("call") ?? ""
        if name.hasSuffix(".view") { name.removeLast(5) }
        if name == "hls.m3u8" { name = "hls" }
        var form: String?
        var format = SubsonicFormat(request.uri.queryParameters.get("f").map { String($0) })
        do {
            if request.method == .post, request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                let body = try await request.body.collect(upTo: Self.maxFormBytes)
                form = String(buffer: body)
            }
            let parameters = SubsonicParameters(query: request.uri.query, form: form)
            format = SubsonicFormat(try parameters.string("f"))
            guard let endpoint = Self.endpoints[name] else {
                throw SubsonicError(code: 0, message: "Not implemented: \(name). docs/subsonic.md lists what Based supports.")
            }
            let identity: Identity
            if Self.open.contains(name) {
                identity = Identity(userID: SubsonicAPI.nobody, sessionID: SubsonicAPI.nobody, username: "", role: .listener)
            } else {
                identity = try await authenticate(parameters, context)
            }
            let call = Call(parameters: parameters, identity: identity, request: request, context: context, format: format)
            switch try await endpoint(self, call) {
            case .node(let node): return format.response(node)
            case .list(let name, let nodes): return format.response(list: name, nodes)
            case .response(let response): return response
            }
        } catch let error as SubsonicError {
            return format.response(error)
        } catch let error as AppError {
            return format.response(Self.translate(error))
        } catch {
            services.logger.error("subsonic call failed", metadata: ["call": "\(name)", "error": "\(error)"])
            return format.response(SubsonicError(code: 0, message: "The server could not answer this call."))
        }
    }

    // MARK: Authentication

    /// Exactly one mechanism: `apiKey` alone, or `u` with `p` (clear or
    /// `enc:` hex) or with `t` and `s`.
    func authenticate(_ parameters: SubsonicParameters, _ context: BasedRequestContext) async throws -> Identity {
        let user = try parameters.string("u"), password = try parameters.string("p")
        let token = try parameters.string("t"), salt = try parameters.string("s"), key = try parameters.string("apiKey")
        if parameters.has("jwt") {
            throw SubsonicError(code: 42, message: "Authentication by jwt is not supported; use an app password or an API key.")
        }
        let credentials: AppPasswordService.Credentials
        if let key {
            guard user == nil, password == nil, token == nil else {
                throw SubsonicError(code: 43, message: "Multiple conflicting authentication mechanisms provided: apiKey goes without u, p or t.")
            }
            credentials = .apiKey(key)
        } else {
            guard let user else { throw SubsonicError.missing("u") }
            if let password {
                guard token == nil, salt == nil else {
                    throw SubsonicError(code: 43, message: "Multiple conflicting authentication mechanisms provided: p, or t and s, not both.")
                }
                credentials = .password(login: user, password: try Self.decodePassword(password))
            } else if let token {
                guard let salt else { throw SubsonicError.missing("s") }
                credentials = .token(login: user, token: token, salt: salt)
            } else {
                throw SubsonicError.missing("p or t and s")
            }
        }
        do {
            return try await services.appPasswords.authenticate(credentials, clientAddress: context.clientAddress)
        } catch let refusal as AppPasswordService.Refusal {
            switch refusal {
            case .wrong:
                throw SubsonicError.wrongCredentials
            case .tokenNeedsAppPassword:
                throw SubsonicError(code: 41, message: "Token authentication is not supported for the account password; create an app password in Settings, or send p.")
            case .invalidAPIKey:
                throw SubsonicError(code: 44, message: "Invalid API key.")
            case .tooManyAttempts(let wait):
                throw SubsonicError(code: 40, message: "Too many failed sign-ins; try again in \(wait) s.")
            }
        }
    }

    /// `enc:` passwords are hex of the UTF-8 bytes.
    static func decodePassword(_ value: String) throws -> String {
        guard value.hasPrefix("enc:") else { return value }
        let hex = Array(value.dropFirst(4).utf8)
        guard hex.count % 2 == 0 else { throw SubsonicError.wrongCredentials }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else { throw SubsonicError.wrongCredentials }
            bytes.append(byte)
            index += 2
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A service's refusal in Subsonic's terms.
    static func translate(_ error: AppError) -> SubsonicError {
        let detail = error.fields.isEmpty ? error.detail : error.fields.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        switch error.status {
        case .notFound: return SubsonicError(code: 70, message: error.detail)
        case .forbidden: return SubsonicError(code: 50, message: error.detail)
        case .unauthorized: return SubsonicError(code: 40, message: error.detail)
        case .badRequest, .unprocessableContent: return SubsonicError(code: 10, message: detail)
        default: return SubsonicError(code: 0, message: error.detail)
        }
    }

    // MARK: System

    func license() -> SubsonicNode {
        var node = SubsonicNode("license")
        node.set("valid", true)
        return node
    }

    static func extensions() -> [SubsonicNode] {
        [("formPost", 1), ("apiKeyAuthentication", 1), ("transcodeOffset", 1)].map { name, version in
            var element = SubsonicNode("openSubsonicExtensions")
            element.set("name", name)
            element.add("versions", list: [SubsonicNode.integer("versions", version)])
            return element
        }
    }

    static func musicFolders() -> SubsonicNode {
        var folder = SubsonicNode("musicFolder")
        folder.set("id", 1)
        folder.set("name", "Based")
        var node = SubsonicNode("musicFolders")
        node.add("musicFolder", list: [folder])
        return node
    }

    func user(_ call: Call) async throws -> SubsonicNode {
        let username = try call.parameters.string("username") ?? call.identity.username
        // Only one's own account: Subsonic's admin view of other users is not offered.
        guard User.key(username) == User.key(call.identity.username) else { throw SubsonicError.notAuthorized }
        guard let user = try await services.accounts.user(id: call.viewer) else { throw SubsonicError.notFound("The user") }
        var node = SubsonicNode("user")
        node.set("username", user.username)
        node.set("email", user.email)
        node.set("scrobblingEnabled", true)
        node.set("adminRole", user.role == .admin)
        node.set("settingsRole", true)
        node.set("downloadRole", true)
        node.set("uploadRole", user.role == .artist)
        node.set("playlistRole", true)
        node.set("coverArtRole", user.role == .artist)
        node.set("commentRole", true)
        node.set("podcastRole", false)
        node.set("streamRole", true)
        node.set("jukeboxRole", false)
        node.set("shareRole", false)
        node.set("videoConversionRole", false)
        node.add("folder", list: [SubsonicNode.integer("folder", 1)])
        return node
    }
}

extension SubsonicNode {
    /// A bare number as a list item (`<versions>1</versions>`; `"versions": [1]`).
    static func integer(_ name: String, _ value: Int) -> SubsonicNode {
        SubsonicNode(name, number: value)
    }
}
