import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Follows", .serialized)
struct FollowTests {
    @Test("following twice is one follow, counted on both profiles")
    func followIsIdempotent() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            _ = try await client.register("venue1", role: "venue")
            for _ in 0..<2 {
                let response = try await client.request(.put, "/api/v1/users/VENUE1/follow", token: ana.accessToken)
                #expect(response.status == .ok)
                let state = try response.decode(Schemas.FollowState.self)
                #expect(state.following && state.followerCount == 1)
            }
            let venue = try await client.request(.get, "/api/v1/users/venue1").decode(Schemas.PublicProfile.self)
            #expect(venue.followerCount == 1)
            let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(me.followingCount == 1)
        }
    }

    @Test("unfollowing undoes a follow, and twice is harmless")
    func unfollow() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            _ = try await client.register("venue1", role: "venue")
            #expect(try await client.request(.put, "/api/v1/users/venue1/follow", token: ana.accessToken).status == .ok)
            for _ in 0..<2 {
                let state = try await client.request(.delete, "/api/v1/users/venue1/follow", token: ana.accessToken).decode(Schemas.FollowState.self)
                #expect(!state.following && state.followerCount == 0)
            }
            let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self)
            #expect(me.followingCount == 0)
        }
    }

    @Test("following yourself is refused")
    func followSelf() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let myself = try await client.request(.put, "/api/v1/users/ana/follow", token: ana.accessToken)
            #expect(myself.status == .unprocessableContent)
            #expect(try await follows(services) == 0)
        }
    }

    @Test("following a missing user is a 404 problem")
    func followMissing() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let missing = try await client.request(.put, "/api/v1/users/ghost/follow", token: ana.accessToken)
            #expect(missing.status == .notFound)
            _ = try missing.problem()
            #expect(try await follows(services) == 0)
        }
    }

    @Test("following needs a session")
    func followAnonymously() async throws {
        try await withApp { client, services in
            _ = try await client.register("ana")
            let anonymous = try await client.request(.put, "/api/v1/users/ana/follow")
            #expect(anonymous.status == .unauthorized)
            #expect(try await follows(services) == 0)
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
            let following = try await client.request(.get, "/api/v1/users/ana/following").decode(Schemas.FollowPage.self)
            #expect(following.items.map(\.user.username) == ["carol"])
        }
    }

    @Test("follower lists page by cursor, newest first, stable while new follows arrive")
    func pagination() async throws {
        try await withApp { client, _ in
            _ = try await client.register("star", role: "artist")
            for index in 0..<7 {
                let fan = try await client.register("fan\(index)")
                _ = try await client.request(.put, "/api/v1/users/star/follow", token: fan.accessToken)
            }
            let first = try await client.request(.get, "/api/v1/users/star/followers?limit=3").decode(Schemas.FollowPage.self)
            #expect(first.items.map(\.user.username) == ["fan6", "fan5", "fan4"])
            let cursor = try #require(first.nextCursor)

            // A new follower arrives between pages: it belongs before page one, so page two does not shift.
            let late = try await client.register("late")
            _ = try await client.request(.put, "/api/v1/users/star/follow", token: late.accessToken)

            let second = try await client.request(.get, "/api/v1/users/star/followers?limit=3&cursor=\(cursor)").decode(Schemas.FollowPage.self)
            #expect(second.items.map(\.user.username) == ["fan3", "fan2", "fan1"])
            let third = try await client.request(.get, "/api/v1/users/star/followers?limit=3&cursor=\(try #require(second.nextCursor))").decode(Schemas.FollowPage.self)
            #expect(third.items.map(\.user.username) == ["fan0"])
            #expect(third.nextCursor == nil)
        }
    }

    @Test("a following list names whom the user follows")
    func followingList() async throws {
        try await withApp { client, _ in
            _ = try await client.register("star", role: "artist")
            _ = try await client.register("other", role: "artist")
            let fan = try await client.register("fan0")
            _ = try await client.request(.put, "/api/v1/users/star/follow", token: fan.accessToken)
            let following = try await client.request(.get, "/api/v1/users/fan0/following").decode(Schemas.FollowPage.self)
            #expect(following.items.map(\.user.username) == ["star"])
        }
    }

    @Test("a cursor that is not one is a 400 problem")
    func badPaging() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            for query in ["cursor=%27%3B--", "cursor=bm90LWEtdXVpZA"] {
                let response = try await client.request(.get, "/api/v1/users/ana/followers?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try response.problem().code == "invalid_cursor")
            }
        }
    }

    @Test("a limit that is not a number is a 400 problem")
    func limitNotANumber() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            let notANumber = try await client.request(.get, "/api/v1/users/ana/followers?limit=abc")
            #expect(notANumber.status == .badRequest)
            #expect(try notANumber.problem().code == "invalid_parameter")
        }
    }

    @Test("a limit out of range is a 422 problem naming it")
    func limitOutOfRange() async throws {
        try await withApp { client, _ in
            _ = try await client.register("ana")
            for query in ["limit=0", "limit=101"] {
                let response = try await client.request(.get, "/api/v1/users/ana/followers?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(try response.problem().fields?.first?.field == "limit")
            }
        }
    }

    @Test("a missing user's followers are not found")
    func missingUsersFollowers() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/users/ghost/followers")
            #expect(response.status == .notFound)
        }
    }

    private func follows(_ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM follows").first(decodingColumn: "n", as: Int.self) ?? -1
    }
}
