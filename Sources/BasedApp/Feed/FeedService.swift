import Foundation

/// What the people and artists a user follows did, newest first: new
/// releases, new public playlists and shows announced. Someone who follows
/// nobody yet (or whose people did nothing) is never shown an empty feed:
/// releases of artists of their city and shows there, else the newest of all.
public struct FeedService: Sendable {
    let accounts: AccountService
    let follows: FollowService
    let releases: ReleaseService
    let playlists: PlaylistService
    let events: EventService

    public enum Item: Sendable {
        case release(Release)
        case playlist(Playlist)
        case event(EventService.View)

        /// Ids are UUID version 7, so they order items by when they were made.
        var id: UUID {
            switch self {
            case .release(let release): release.id
            case .playlist(let playlist): playlist.id
            case .event(let view): view.event.id
            }
        }
    }

    public struct Page: Sendable {
        public var items: [Item]
        public var nextCursor: String?
        /// True when the items are suggestions near the user, not what their people did.
        public var suggested: Bool
    }

    public func feed(of user: UUID, cursor: String?, limit: Int?) async throws -> Page {
        let size = try LibraryService.pageSize(limit)
        let (suggested, before) = try FeedCursor.decode(cursor)
        let people = suggested ? [] : try await follows.followeeIDs(of: user)
        if !suggested, !people.isEmpty {
            let page = try await merge(size: size, before: before) { before, limit in
                async let released = releases.newest(artists: people, before: before, limit: limit)
                async let listed = playlists.newestPublic(owners: people, before: before, limit: limit)
                async let announced = events.announced(venues: people, city: nil, before: before, limit: limit, viewer: user)
                return try await released.map(Item.release) + listed.map(Item.playlist) + announced.map(Item.event)
            }
            if !page.items.isEmpty || before != nil {
                return Page(items: page.items, nextCursor: page.next.map { FeedCursor.encode(suggested: false, before: $0) }, suggested: false)
            }
        }
        // Nothing from their people: what is near them, else the newest of all.
        let city = try await accounts.user(id: user)?.city
        var localArtists: [UUID] = []
        if let city { localArtists = try await accounts.artistIDs(city: city, verified: nil, limit: BrowseService.artistFilterLimit) }
        let local = localArtists.isEmpty ? nil : localArtists
        let page = try await merge(size: size, before: suggested ? before : nil) { before, limit in
            async let released = releases.newest(artists: local, before: before, limit: limit)
            async let announced = events.announced(venues: nil, city: city, before: before, limit: limit, viewer: user)
            return try await released.map(Item.release) + announced.map(Item.event)
        }
        return Page(items: page.items, nextCursor: page.next.map { FeedCursor.encode(suggested: true, before: $0) }, suggested: true)
    }

    /// The newest `size` items of all sources before `before`, and the cursor past them when there are more.
    private func merge(size: Int, before: UUID?, _ read: (UUID?, Int) async throws -> [Item]) async throws -> (items: [Item], next: UUID?) {
        let all = try await read(before, size + 1).sorted { $0.id.uuidString > $1.id.uuidString }
        let shown = Array(all.prefix(size))
        return (shown, all.count > size ? shown.last?.id : nil)
    }
}

/// The feed's cursor: base64url of `f|<id>` (followed) or `s|<id>` (suggested), the last item shown.
enum FeedCursor {
    static func encode(suggested: Bool, before: UUID) -> String {
        Data("\(suggested ? "s" : "f")|\(before.text)".utf8).base64URLEncodedString()
    }

    static func decode(_ cursor: String?) throws -> (suggested: Bool, before: UUID?) {
        guard let cursor else { return (false, nil) }
        guard cursor.count <= 128, let data = Data(base64URLEncoded: cursor) else { throw BrowseCursor.invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, parts[0] == "f" || parts[0] == "s", let id = UUID(uuidString: String(parts[1])) else { throw BrowseCursor.invalid }
        return (parts[0] == "s", id)
    }
}
