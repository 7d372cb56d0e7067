import BasedApp
import Foundation
import HummingbirdTesting
import Testing

/// What one feature offers the others through its service (docs/decisions.md,
/// "Feature boundaries"): batched look-ups and the rules they carry.
@Suite("Feature services: what features offer each other")
struct FeatureServiceTests {
    @Test("users(ids:) answers every asked user in one call, keyed by id; unknown and repeated ids are harmless")
    func usersByID() async throws {
        try await withApp { client, services in
            var ids: [UUID] = []
            for name in ["ana", "ben", "cem"] {
                ids.append(try #require(UUID(uuidString: try await client.register(name).user.id)))
            }
            let unknown = UUID()
            let users = try await services.accounts.users(ids: ids + [ids[0], unknown])
            #expect(Set(users.keys) == Set(ids))
            #expect(users[ids[1]]?.username == "ben")
            #expect(users[unknown] == nil)
            #expect(try await services.accounts.users(ids: []).isEmpty)
            #expect(try await services.accounts.user(username: "CEM")?.id == ids[2])
            #expect(try await services.accounts.user(id: ids[0])?.username == "ana")
        }
    }

    @Test("a block is seen from both sides, and unblocking ends it for both")
    func blocksBothWays() async throws {
        try await withApp { client, services in
            let ana = try #require(UUID(uuidString: try await client.register("ana").user.id))
            let ben = try #require(UUID(uuidString: try await client.register("ben").user.id))
            let cem = try #require(UUID(uuidString: try await client.register("cem").user.id))
            let blocks = services.blocks
            try await blocks.block(ana, ben)
            #expect(try await blocks.isBlocked(between: ana, and: ben))
            #expect(try await blocks.isBlocked(between: ben, and: ana))
            #expect(try await !blocks.isBlocked(between: ana, and: cem))
            #expect(try await blocks.blockedEitherWay(ana) == [ben])
            #expect(try await blocks.blockedEitherWay(ben) == [ana])
            try await blocks.block(cem, ana)
            #expect(try await blocks.blockedEitherWay(ana) == [ben, cem])
            try await blocks.unblock(ana, ben)
            #expect(try await !blocks.isBlocked(between: ben, and: ana))
            #expect(try await blocks.blockedEitherWay(ben).isEmpty)
        }
    }

    @Test("the block list names whom one blocked, with their accounts, newest first")
    func blockList() async throws {
        try await withApp { client, services in
            let ana = try #require(UUID(uuidString: try await client.register("ana").user.id))
            let ben = try #require(UUID(uuidString: try await client.register("ben").user.id))
            let cem = try #require(UUID(uuidString: try await client.register("cem").user.id))
            try await services.blocks.block(ana, ben)
            try await Task.sleep(for: .milliseconds(5))
            try await services.blocks.block(ana, cem)
            try await services.blocks.block(ben, ana)
            #expect(try await services.blocks.blocks(of: ana).map(\.user.username) == ["cem", "ben"])
        }
    }

    @Test("a mute is one-way")
    func muteOneWay() async throws {
        try await withApp { client, services in
            let ana = try #require(UUID(uuidString: try await client.register("ana").user.id))
            let ben = try #require(UUID(uuidString: try await client.register("ben").user.id))
            try await services.blocks.mute(ana, ben, muted: true)
            #expect(try await services.blocks.isMuted(ana, muted: ben))
            #expect(try await !services.blocks.isMuted(ben, muted: ana))
            #expect(try await !services.blocks.isBlocked(between: ana, and: ben))
            try await services.blocks.mute(ana, ben, muted: false)
            #expect(try await !services.blocks.isMuted(ana, muted: ben))
        }
    }

    @Test("a block refuses a send into an existing direct conversation by its id, from either side")
    func blockedDirectByID() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let first = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"a1","text":"hi"}"#, token: ana.accessToken)
            struct Sent: Decodable { var conversationId: String }
            let conversation = try first.decode(Sent.self).conversationId
            #expect(try await client.request(.put, "/api/v1/users/ben/block", token: ana.accessToken).status == .noContent)
            for (token, id) in [(ana.accessToken, "a2"), (ben.accessToken, "b1")] {
                let refused = try await client.request(
                    .post, "/api/v1/messages", json: #"{"conversationId":"\#(conversation)","clientMessageId":"\#(id)","text":"hello?"}"#, token: token
                )
                #expect(refused.status == .forbidden)
                #expect(try refused.problem().code == "blocked")
            }
        }
    }

    @Test("follower and followee ids, for features that fan out to followers")
    func followIDs() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let star = try await client.register("star", role: "artist")
            for fan in [ana, ben] {
                #expect(try await client.request(.put, "/api/v1/users/star/follow", token: fan.accessToken).status == .ok)
            }
            let starID = try #require(UUID(uuidString: star.user.id))
            let anaID = try #require(UUID(uuidString: ana.user.id))
            #expect(Set(try await services.follows.followerIDs(of: starID).map(\.uuidString)) == Set([ana.user.id, ben.user.id].map { $0.uppercased() }))
            #expect(try await services.follows.followeeIDs(of: anaID) == [starID])
            #expect(try await services.follows.followerIDs(of: anaID).isEmpty)
        }
    }

    @Test("conversation partners: direct and group partners count, room members do not")
    func partners() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let cem = try await client.register("cem")
            let dan = try await client.register("dan")
            #expect(try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"a1","text":"hi"}"#, token: ana.accessToken).status == .created)
            #expect(try await client.request(.post, "/api/v1/conversations", json: #"{"title":"G","memberIds":["\#(cem.user.id)"]}"#, token: ana.accessToken).status == .created)
            let room = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"R"}"#, token: ana.accessToken)
            struct Room: Decodable { var id: String }
            let roomID = try room.decode(Room.self).id
            #expect(try await client.request(.put, "/api/v1/rooms/\(roomID)/membership", token: dan.accessToken).status == .ok)
            let partners = try await services.messaging.partnerIDs(of: try #require(UUID(uuidString: ana.user.id)))
            #expect(Set(partners.map { $0.uuidString.lowercased() }) == [ben.user.id, cem.user.id])
            let benPartners = try await services.messaging.partnerIDs(of: try #require(UUID(uuidString: ben.user.id)))
            #expect(benPartners.map { $0.uuidString.lowercased() } == [ana.user.id])
        }
    }

    @Test("message look-ups for gap fills: one by seq, a range ascending and inclusive of its end")
    func messageLookups() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            var conversation = ""
            for index in 1...5 {
                let target = conversation.isEmpty ? #""to":"\#(ben.user.id)""# : #""conversationId":"\#(conversation)""#
                let sent = try await client.request(.post, "/api/v1/messages", json: #"{\#(target),"clientMessageId":"m\#(index)","text":"t\#(index)"}"#, token: ana.accessToken)
                struct Sent: Decodable { var conversationId: String }
                conversation = try sent.decode(Sent.self).conversationId
            }
            let id = try #require(UUID(uuidString: conversation))
            #expect(try await services.messaging.message(conversation: id, seq: 3)?.body == "t3")
            #expect(try await services.messaging.message(conversation: id, seq: 9) == nil)
            #expect(try await services.messaging.messages(id, after: 1, through: 4).map(\.seq) == [2, 3, 4])
            #expect(try await services.messaging.messages(id, after: 4, through: 4).isEmpty)
            #expect(try await services.messaging.conversation(id: id)?.lastSeq == 5)
            let members = try await services.messaging.members(of: id)
            #expect(Set(members.map { $0.userId.uuidString.lowercased() }) == [ana.user.id, ben.user.id])
            #expect(members.allSatisfy { !$0.muted })
        }
    }
}
