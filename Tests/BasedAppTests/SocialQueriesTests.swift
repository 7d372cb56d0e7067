@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `BlockQueries` and `FollowQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Social queries", .serialized)
struct SocialQueriesTests {
    @Test("a block is seen from both sides, and blocking twice is one block")
    func blocksBothWays() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let bob = try await makeUser("bob", services)
            let cy = try await makeUser("cyra", services)
            try await BlockQueries.block(ana, bob, now: wholeSecond(), on: sql)
            try await BlockQueries.block(ana, bob, now: wholeSecond(), on: sql)
            #expect(try await BlockQueries.isBlocked(between: bob, and: ana, on: sql))
            #expect(try await !BlockQueries.isBlocked(between: ana, and: cy, on: sql))
            #expect(try await BlockQueries.blockedEitherWay(bob, on: sql) == [ana])
            #expect(try await BlockQueries.blocks(of: ana, limit: 10, on: sql).map(\.user) == [bob])
            try await BlockQueries.unblock(ana, bob, on: sql)
            #expect(try await BlockQueries.blockedEitherWay(ana, on: sql).isEmpty)
        }
    }

    @Test("a mute is one-way and undone by unmuting")
    func mutes() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let bob = try await makeUser("bob", services)
            try await BlockQueries.mute(ana, bob, now: wholeSecond(), on: sql)
            #expect(try await BlockQueries.isMuted(ana, muted: bob, on: sql))
            #expect(try await !BlockQueries.isMuted(bob, muted: ana, on: sql))
            try await BlockQueries.unmute(ana, bob, on: sql)
            #expect(try await !BlockQueries.isMuted(ana, muted: bob, on: sql))
        }
    }

    @Test("follower and followee ids and counts agree, and an unfollow takes the follow away")
    func follows() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let bob = try await makeUser("bob", role: .artist, services)
            let cy = try await makeUser("cyra", services)
            try await FollowQueries.follow(id: .v7(), follower: ana, followee: bob, now: wholeSecond(), on: sql)
            try await FollowQueries.follow(id: .v7(), follower: cy, followee: bob, now: wholeSecond(), on: sql)
            #expect(try await Set(FollowQueries.followerIDs(of: bob, on: sql)) == [ana, cy])
            #expect(try await FollowQueries.followeeIDs(of: ana, on: sql) == [bob])
            #expect(try await FollowQueries.isFollowing(follower: ana, followee: bob, on: sql))
            #expect(try await FollowQueries.followerCounts(on: sql) == [bob: 2])
            try await FollowQueries.unfollow(follower: ana, followee: bob, on: sql)
            #expect(try await !FollowQueries.isFollowing(follower: ana, followee: bob, on: sql))
            #expect(try await FollowQueries.followerCounts(on: sql) == [bob: 1])
        }
    }
}
