import BasedAPI
import Foundation

/// The feed handler.
extension APIHandler {
    func getFeed(_ input: Operations.GetFeed.Input) async throws -> Operations.GetFeed.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await services.feed.feed(of: identity.userID, cursor: input.query.cursor, limit: input.query.limit)
        var owners: [UUID] = []
        for item in page.items {
            switch item {
            case .release(let release): owners.append(release.artistId)
            case .playlist(let playlist): owners.append(playlist.ownerId)
            case .event(let view): owners.append(view.event.venueId)
            }
        }
        let people = try await accounts.users(ids: owners)
        let items: [Components.Schemas.FeedItem] = page.items.compactMap { item in
            switch item {
            case .release(let release):
                people[release.artistId].map { .init(kind: .release, at: release.createdAt, release: Self.releaseSummary(release, artist: $0)) }
            case .playlist(let playlist):
                people[playlist.ownerId].map { .init(kind: .playlist, at: playlist.createdAt, playlist: Self.playlistSummary(playlist, owner: $0)) }
            case .event(let view):
                people[view.event.venueId].map { .init(kind: .event, at: view.event.createdAt, event: Self.eventBody(view, venue: $0)) }
            }
        }
        return .ok(.init(body: .json(.init(items: items, suggested: page.suggested, nextCursor: page.nextCursor))))
    }
}
