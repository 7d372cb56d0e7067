import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

struct FollowStateBody: Decodable { var following: Bool; var followerCount: Int }
struct FollowPageBody: Decodable {
    struct Entry: Decodable {
        struct User: Decodable { var username: String }
        var user: User
        var followedAt: Date
    }
    var items: [Entry]
    var nextCursor: String?
}

@Suite("Follows")
struct FollowTests {
    @Test("following is idempotent, counted, and undone by unfollowing")
    func followAndUnfollow() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            _ = try await client.register("venue1", role: "venue")
            for _ in 0..<2 {
                let response = try await client.request(.put, "/api/v1/users/VENUE1/follow", token: ana.accessToken)
                #expect(response.status == .ok)
                let state = try response.decode(FollowStateBody.self)
                #expect(state.following && state.followerCount == 1)
            }
            let venue = try await client.request(.get, "/api/v1/users/venue1").decode(ProfileBody.self)
            #expect(venue.followerCount == 1)
            let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(ProfileBody.self)
            #expect(me.followingCount == 1)
            for _ in 0..<2 {
                let state = try await client.request(.delete, "/api/v1/users/venue1/follow", token: ana.accessToken).decode(FollowStateBody.self)
                #expect(!state.following && state.followerCount == 0)
            }
        }
    }

    @Test("following yourself, a missing user, or without a session is refused")
    func refusals() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let myself = try await client.request(.put, "/api/v1/users/ana/follow", token: ana.accessToken)
            #expect(myself.status == .unprocessableContent)
            let missing = try await client.request(.put, "/api/v1/users/ghost/follow", token: ana.accessToken)
            #expect(missing.status == .notFound)
            _ = try missing.problem()
            let anonymous = try await client.request(.put, "/api/v1/users/ana/follow")
            #expect(anonymous.status == .unauthorized)
            let follows = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM follows").first(decodingColumn: "n", as: Int.self)
            #expect(follows == 0)
        }
    }

    @Test("one user cannot change another's follow list")
    func othersList() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let bob = try await client.register("bob")
            _ = try await client.register("carol")
            _ = try await client.request(.put, "/api/v1/users/carol/follow", token: ana.accessToken)
            // Bob unfollowing Carol touches only Bob's list.
            _ = try await client.request(.delete, "/api/v1/users/carol/follow", token: bob.accessToken)
            let following = try await client.request(.get, "/api/v1/users/ana/following").decode(FollowPageBody.self)
            #expect(following.items.map(\.user.username) == ["carol"])
        }
    }

    @Test("follower lists page by cursor, newest first, stable while new follows arrive")
    func pagination() async throws {
        try await withApp { client, _ in
            _ = try await client.register("star", role: "artist")
            var fans: [String] = []
            for index in 0..<7 {
                let name = "fan\(index)"
                let fan = try await client.register(name)
                _ = try await client.request(.put, "/api/v1/users/star/follow", token: fan.accessToken)
                fans.append(name)
            }
            let first = try await client.request(.get, "/api/v1/users/star/followers?limit=3").decode(FollowPageBody.self)
            #expect(first.items.map(\.user.username) == ["fan6", "fan5", "fan4"])
            let cursor = try #require(first.nextCursor)

            // A new follower arrives between pages: it belongs before page one, so page two does not shift.
            let late = try await client.register("late")
            _ = try await client.request(.put, "/api/v1/users/star/follow", token: late.accessToken)

            let second = try await client.request(.get, "/api/v1/users/star/followers?limit=3&cursor=\(cursor)").decode(FollowPageBody.self)
            #expect(second.items.map(\.user.username) == ["fan3", "fan2", "fan1"])
            let third = try await client.request(.get, "/api/v1/users/star/followers?limit=3&cursor=\(try #require(second.nextCursor))").decode(FollowPageBody.self)
            #expect(third.items.map(\.user.username) == ["fan0"])
            #expect(third.nextCursor == nil)

            let following = try await client.request(.get, "/api/v1/users/fan0/following").decode(FollowPageBody.self)
            #expect(following.items.map(\.user.username) == ["star"])
        }
    }

    @Test("bad cursors and limits are 400 problems")
    func badPaging() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            for query in ["cursor=%27%3B--", "cursor=bm90LWEtdXVpZA"] {
                let response = try await client.request(.get, "/api/v1/users/ana/followers?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try response.problem().code == "invalid_cursor")
            }
            let notANumber = try await client.request(.get, "/api/v1/users/ana/followers?limit=abc")
            #expect(notANumber.status == .badRequest)
            #expect(try notANumber.problem().code == "invalid_parameter")
            for query in ["limit=0", "limit=101"] {
                let response = try await client.request(.get, "/api/v1/users/ana/followers?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(try response.problem().fields?.first?.field == "limit")
            }
            #expect(try await client.request(.get, "/api/v1/users/ghost/followers").status == .notFound)
        }
    }
}
