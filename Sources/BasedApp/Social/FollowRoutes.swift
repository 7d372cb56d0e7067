import BasedAPI
import Foundation

/// Follow handlers.
extension APIHandler {
    func follow(_ input: Operations.Follow.Input) async throws -> Operations.Follow.Output {
        let identity = try RequestScope.requireIdentity()
        let state = try await follows.follow(identity, username: input.path.username)
        if state.created, let followee = state.userID {
            await services.realtime.notify(followee, kind: .follow, actor: identity.userID, subject: identity.userID.text, data: ["username": identity.username])
        }
        return .ok(.init(body: .json(.init(following: state.following, followerCount: state.followerCount))))
    }

    func unfollow(_ input: Operations.Unfollow.Input) async throws -> Operations.Unfollow.Output {
        let identity = try RequestScope.requireIdentity()
        let state = try await follows.unfollow(identity, username: input.path.username)
        return .ok(.init(body: .json(.init(following: state.following, followerCount: state.followerCount))))
    }

    func listFollowers(_ input: Operations.ListFollowers.Input) async throws -> Operations.ListFollowers.Output {
        let page = try await follows.followers(of: input.path.username, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(Self.followPage(page))))
    }

    func listFollowing(_ input: Operations.ListFollowing.Input) async throws -> Operations.ListFollowing.Output {
        let page = try await follows.following(of: input.path.username, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(Self.followPage(page))))
    }

    static func followPage(_ page: FollowService.Page) -> Components.Schemas.FollowPage {
        .init(
            items: page.entries.map { .init(user: summary($0.user), followedAt: $0.followedAt) },
            nextCursor: page.nextCursor
        )
    }
}
