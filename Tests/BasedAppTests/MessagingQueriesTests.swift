@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `MessagingQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Messaging queries", .serialized)
struct MessagingQueriesTests {
    // MARK: Conversations and members

    @Test("a conversation reads back as it was written, and a direct one is found by its key")
    func conversationRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let group = try await insertConversation(.group, title: "Band", createdBy: ana, services)
            let direct = try await insertConversation(.direct, directKey: "a:b", services)
            #expect(try await MessagingQueries.conversation(group.id, on: sql) == group)
            #expect(try await MessagingQueries.direct(key: "a:b", on: sql) == direct)
            #expect(try await MessagingQueries.directID(key: "a:b", on: sql) == direct.id)
            #expect(try await MessagingQueries.directID(key: "b:a", on: sql) == nil)
            #expect(try await MessagingQueries.conversation(UUID(), on: sql) == nil)
        }
    }

    @Test("the two members of a new direct conversation start at the beginning, the sender having read message 1")
    func directMembers() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let direct = try await insertConversation(.direct, directKey: "k", services)
            try await MessagingQueries.addDirectMembers(direct.id, sender: ana, other: ben, now: now, on: sql)
            let sender = try #require(try await MessagingQueries.member(direct.id, user: ana, on: sql))
            let other = try #require(try await MessagingQueries.member(direct.id, user: ben, on: sql))
            #expect(sender == ConversationMember(conversationId: direct.id, userId: ana, role: .member, joinedSeq: 0, readSeq: 1, deliveredSeq: 1, muted: false, joinedAt: now))
            #expect(other == ConversationMember(conversationId: direct.id, userId: ben, role: .member, joinedSeq: 0, readSeq: 0, deliveredSeq: 0, muted: false, joinedAt: now))
        }
    }

    @Test("a send learns the kind for a member, the other member only in a direct conversation, and nothing for an outsider")
    func memberForSend() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let eve = try await makeUser("eve", services)
            let direct = try await insertConversation(.direct, directKey: "k", services)
            try await MessagingQueries.addDirectMembers(direct.id, sender: ana, other: ben, now: wholeSecond(), on: sql)
            let group = try await insertConversation(.group, services)
            for user in [ana, ben] { try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql) }

            let inDirect = try await MessagingQueries.memberForSend(direct.id, user: ana, on: sql)
            #expect(inDirect.kind == .direct && inDirect.other == ben)
            let inGroup = try await MessagingQueries.memberForSend(group.id, user: ana, on: sql)
            #expect(inGroup.kind == .group && inGroup.other == nil)
            let outsider = try await MessagingQueries.memberForSend(direct.id, user: eve, on: sql)
            #expect(outsider.kind == nil && outsider.other == nil)
        }
    }

    @Test("adding a member twice keeps the first membership")
    func addMemberTwice() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let now = wholeSecond()
            let group = try await insertConversation(.group, services)
            try await MessagingQueries.addMember(group.id, user: ana, role: .admin, joinedSeq: 3, now: now, on: sql)
            try await MessagingQueries.addMember(group.id, user: ana, role: .member, joinedSeq: 9, now: now.addingTimeInterval(60), on: sql)
            let member = try await MessagingQueries.member(group.id, user: ana, on: sql)
            #expect(member == ConversationMember(conversationId: group.id, userId: ana, role: .admin, joinedSeq: 3, readSeq: 3, deliveredSeq: 3, muted: false, joinedAt: now))
            #expect(try await MessagingQueries.memberIDs(group.id, on: sql) == [ana])
        }
    }

    @Test("members come in the order they joined, and removing one takes only them")
    func membersInOrder() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let cyd = try await makeUser("cyd", services)
            let start = wholeSecond()
            let group = try await insertConversation(.group, services)
            let other = try await insertConversation(.group, services)
            for (offset, user) in [(2, ana), (0, cyd), (1, ben)] {
                try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: start.addingTimeInterval(TimeInterval(offset)), on: sql)
            }
            try await MessagingQueries.addMember(other.id, user: ben, role: .member, joinedSeq: 0, now: start, on: sql)
            #expect(try await MessagingQueries.members(group.id, on: sql).map(\.userId) == [cyd, ben, ana])
            try await MessagingQueries.removeMember(group.id, user: ben, on: sql)
            #expect(try await MessagingQueries.members(group.id, on: sql).map(\.userId) == [cyd, ana])
            #expect(try await Set(MessagingQueries.memberIDs(group.id, on: sql)) == [cyd, ana])
            #expect(try await MessagingQueries.memberIDs(other.id, on: sql) == [ben])
        }
    }

    @Test("a read or delivered position only moves forward")
    func positionsMoveForward() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let group = try await insertConversation(.group, services)
            try await MessagingQueries.addMember(group.id, user: ana, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql)
            try await MessagingQueries.setMemberSeq("read_seq", group.id, user: ana, seq: 5, on: sql)
            try await MessagingQueries.setMemberSeq("read_seq", group.id, user: ana, seq: 3, on: sql)
            try await MessagingQueries.setMemberSeq("delivered_seq", group.id, user: ana, seq: 7, on: sql)
            try await MessagingQueries.setMemberSeq("delivered_seq", group.id, user: ana, seq: 7, on: sql)
            let member = try #require(try await MessagingQueries.member(group.id, user: ana, on: sql))
            #expect(member.readSeq == 5)
            #expect(member.deliveredSeq == 7)
        }
    }

    @Test("the sender's own send marks it read and delivered for them and for no one else")
    func markOwn() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let group = try await insertConversation(.group, services)
            for user in [ana, ben] { try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql) }
            try await MessagingQueries.markOwn(group.id, user: ana, seq: 4, on: sql)
            let sender = try #require(try await MessagingQueries.member(group.id, user: ana, on: sql))
            #expect(sender.readSeq == 4 && sender.deliveredSeq == 4)
            let other = try #require(try await MessagingQueries.member(group.id, user: ben, on: sql))
            #expect(other.readSeq == 0 && other.deliveredSeq == 0)
        }
    }

    @Test("a title, a role and a mute change only that conversation and member")
    func titleRoleMute() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let group = try await insertConversation(.group, title: "Old", at: now, services)
            let other = try await insertConversation(.group, title: "Other", at: now, services)
            for user in [ana, ben] { try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: now, on: sql) }
            try await MessagingQueries.setTitle(group.id, title: "New", now: now.addingTimeInterval(60), on: sql)
            try await MessagingQueries.setRole(group.id, user: ben, role: .admin, on: sql)
            try await MessagingQueries.setConversationMuted(group.id, user: ana, muted: true, on: sql)
            let renamed = try #require(try await MessagingQueries.conversation(group.id, on: sql))
            #expect(renamed.title == "New" && renamed.updatedAt == now.addingTimeInterval(60))
            #expect(try await MessagingQueries.conversation(other.id, on: sql) == other)
            let anas = try #require(try await MessagingQueries.member(group.id, user: ana, on: sql))
            #expect(anas.role == .member && anas.muted)
            let bens = try #require(try await MessagingQueries.member(group.id, user: ben, on: sql))
            #expect(bens.role == .admin && !bens.muted)
        }
    }

    // MARK: Sequence numbers

    @Test("sequence numbers count up from the last and mark the activity; a missing conversation is not found")
    func nextSeq() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let now = wholeSecond()
            let group = try await insertConversation(.group, lastSeq: 7, at: now, services)
            #expect(try await MessagingQueries.nextSeq(group.id, now: now.addingTimeInterval(1), on: sql) == 8)
            #expect(try await MessagingQueries.nextSeq(group.id, now: now.addingTimeInterval(2), on: sql) == 9)
            let after = try #require(try await MessagingQueries.conversation(group.id, on: sql))
            #expect(after.lastSeq == 9 && after.updatedAt == now.addingTimeInterval(2))
            await #expect(throws: AppError.notFound("The conversation")) {
                try await MessagingQueries.nextSeq(UUID(), now: now, on: sql)
            }
        }
    }

    @Test("senders in concurrent transactions each take their own sequence number, none skipped")
    func nextSeqConcurrent() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let group = try await insertConversation(.group, services)
            let now = wholeSecond()
            let taken = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for _ in 0..<20 {
                    tasks.addTask {
                        try await services.database.transaction { sql in try await MessagingQueries.nextSeq(group.id, now: now, on: sql) }
                    }
                }
                return try await tasks.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(taken.sorted() == Array(1...20))
        }
    }

    // MARK: Messages

    @Test("a message is found by its seq and by its sender's client id")
    func messageLookups() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let group = try await insertConversation(.group, services)
            let message = try await insertMessage(group.id, seq: 1, sender: ana, services)
            #expect(try await MessagingQueries.message(group.id, seq: 1, on: sql) == message)
            #expect(try await MessagingQueries.message(sender: ana, clientMessageId: message.clientMessageId, on: sql) == message)
            #expect(try await MessagingQueries.message(group.id, seq: 2, on: sql) == nil)
            #expect(try await MessagingQueries.message(sender: UUID(), clientMessageId: message.clientMessageId, on: sql) == nil)
        }
    }

    @Test("a page of messages between two positions comes from either end, always in ascending order")
    func messagePages() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let group = try await insertConversation(.group, services)
            let other = try await insertConversation(.group, services)
            for seq in 1...10 { _ = try await insertMessage(group.id, seq: seq, sender: ana, services) }
            _ = try await insertMessage(other.id, seq: 1, sender: ana, services)
            func seqs(after: Int, before: Int?, limit: Int, ascending: Bool) async throws -> [Int] {
                try await MessagingQueries.messages(group.id, after: after, before: before, limit: limit, ascending: ascending, on: sql).map(\.seq)
            }
            #expect(try await seqs(after: 0, before: nil, limit: 3, ascending: false) == [8, 9, 10])
            #expect(try await seqs(after: 0, before: 8, limit: 3, ascending: false) == [5, 6, 7])
            #expect(try await seqs(after: 3, before: nil, limit: 3, ascending: true) == [4, 5, 6])
            #expect(try await seqs(after: 3, before: 6, limit: 10, ascending: true) == [4, 5])
            #expect(try await seqs(after: 10, before: nil, limit: 3, ascending: true) == [])
        }
    }

    @Test("an update rewrites that message's text, reactions, marks and attachment, and no other")
    func updateMessage() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let group = try await insertConversation(.group, services)
            var message = try await insertMessage(group.id, seq: 1, sender: ana, services)
            let untouched = try await insertMessage(group.id, seq: 2, sender: ana, services)
            let attachment = try await insertAttachment(owner: ana, services)
            message.body = nil
            message.reactions = ["🔥": [ben, ana], "👍": [ben]]
            message.editedAt = wholeSecond().addingTimeInterval(10)
            message.deletedAt = wholeSecond().addingTimeInterval(20)
            message.attachmentId = attachment.id
            try await MessagingQueries.update(message, on: sql)
            #expect(try await MessagingQueries.message(group.id, seq: 1, on: sql) == message)
            #expect(try await MessagingQueries.message(group.id, seq: 2, on: sql) == untouched)
        }
    }

    // MARK: A user's conversations

    @Test("a user's conversations page by last activity, newest first, with their own read position and mute")
    func conversationsOfUser() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let start = wholeSecond()
            // Ids in this order; the last activity (updatedAt) orders them otherwise, with a tie.
            let first = try await insertConversation(.group, at: start, updatedAt: start.addingTimeInterval(50), services)
            let second = try await insertConversation(.group, at: start.addingTimeInterval(1), updatedAt: start.addingTimeInterval(30), services)
            let third = try await insertConversation(.direct, directKey: "k", at: start.addingTimeInterval(2), updatedAt: start.addingTimeInterval(30), services)
            let bens = try await insertConversation(.group, at: start.addingTimeInterval(3), updatedAt: start.addingTimeInterval(90), services)
            for conversation in [first, second, third] {
                try await MessagingQueries.addMember(conversation.id, user: ana, role: .member, joinedSeq: 0, now: start, on: sql)
            }
            try await MessagingQueries.addMember(bens.id, user: ben, role: .member, joinedSeq: 0, now: start, on: sql)
            try await MessagingQueries.setMemberSeq("read_seq", second.id, user: ana, seq: 4, on: sql)
            try await MessagingQueries.setConversationMuted(third.id, user: ana, muted: true, on: sql)

            let page = try await MessagingQueries.conversations(of: ana, before: nil, limit: 2, on: sql)
            #expect(page.map(\.id) == [first.id, third.id])
            #expect(page.map(\.conversation) == [first, third])
            #expect(page.map(\.muted) == [false, true])
            let last = try #require(page.last)
            let rest = try await MessagingQueries.conversations(of: ana, before: (last.updatedAt, last.id), limit: 2, on: sql)
            #expect(rest.map(\.id) == [second.id])
            #expect(rest.map(\.readSeq) == [4])
        }
    }

    @Test("positions name each conversation of the user with its last seq and kind")
    func positions() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let group = try await insertConversation(.group, lastSeq: 4, services)
            let room = try await insertConversation(.room, lastSeq: 9, services)
            let bens = try await insertConversation(.group, lastSeq: 2, services)
            for conversation in [group, room] {
                try await MessagingQueries.addMember(conversation.id, user: ana, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql)
            }
            try await MessagingQueries.addMember(bens.id, user: ben, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql)
            let positions = try await MessagingQueries.positions(of: ana, on: sql)
            let byID = Dictionary(uniqueKeysWithValues: positions.map { ($0.id, "\($0.kind.rawValue) \($0.lastSeq)") })
            #expect(byID == [group.id: "group 4", room.id: "room 9"])
        }
    }

    @Test("partners are the other people of one's direct and group conversations, not of rooms")
    func partners() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let cyd = try await makeUser("cyd", services)
            let dan = try await makeUser("dan", services)
            let direct = try await insertConversation(.direct, directKey: "k", services)
            try await MessagingQueries.addDirectMembers(direct.id, sender: ana, other: ben, now: wholeSecond(), on: sql)
            let group = try await insertConversation(.group, services)
            let room = try await insertConversation(.room, services)
            for user in [ana, ben, cyd] { try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql) }
            for user in [ana, dan] { try await MessagingQueries.addMember(room.id, user: user, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql) }
            #expect(try await MessagingQueries.partnerIDs(of: ana, on: sql) == [ben, cyd])
            #expect(try await MessagingQueries.partnerIDs(of: dan, on: sql).isEmpty)
        }
    }

    // MARK: Attachments

    @Test("an attachment reads back as it was written")
    func attachmentRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let attachment = try await insertAttachment(owner: ana, services)
            #expect(try await MessagingQueries.attachment(attachment.id, on: sql) == attachment)
            #expect(try await MessagingQueries.attachment(UUID(), on: sql) == nil)
        }
    }

    @Test("an attachment is seen by the members of a conversation it was sent in, and by no one else")
    func attachmentVisibility() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let eve = try await makeUser("eve", services)
            let sent = try await insertAttachment(owner: ana, services)
            let unsent = try await insertAttachment(owner: ana, services)
            let group = try await insertConversation(.group, services)
            for user in [ana, ben] { try await MessagingQueries.addMember(group.id, user: user, role: .member, joinedSeq: 0, now: wholeSecond(), on: sql) }
            _ = try await insertMessage(group.id, seq: 1, sender: ana, attachment: sent.id, services)
            #expect(try await MessagingQueries.canSee(attachment: sent.id, user: ben, on: sql))
            #expect(try await !MessagingQueries.canSee(attachment: sent.id, user: eve, on: sql))
            #expect(try await !MessagingQueries.canSee(attachment: unsent.id, user: ana, on: sql))
        }
    }

    // MARK: Rows

    /// A conversation written straight to `conversations`, made at `at` (which orders ids), with whole-second times.
    private func insertConversation(
        _ kind: Conversation.Kind, title: String? = nil, directKey: String? = nil, createdBy: UUID? = nil, lastSeq: Int = 0,
        at: Date = wholeSecond(), updatedAt: Date? = nil, _ services: AppServices
    ) async throws -> Conversation {
        let conversation = Conversation(
            id: .v7(now: at), kind: kind, title: title, subject: kind == .room ? "event:1" : nil, createdBy: createdBy, lastSeq: lastSeq,
            createdAt: wholeSecond(at), updatedAt: wholeSecond(updatedAt ?? at)
        )
        try await MessagingQueries.insert(conversation, directKey: directKey, on: services.database.sql)
        return conversation
    }

    /// Message `seq` of `conversation`, written straight to `messages`.
    private func insertMessage(_ conversation: UUID, seq: Int, sender: UUID, attachment: UUID? = nil, _ services: AppServices) async throws -> Message {
        let now = wholeSecond()
        let message = Message(
            id: .v7(now: now), conversationId: conversation, seq: seq, senderId: sender, clientMessageId: "\(conversation.text)-\(seq)",
            body: "message \(seq)", attachmentId: attachment, replyToSeq: seq > 1 ? seq - 1 : nil, reactions: [:], editedAt: nil, deletedAt: nil,
            createdAt: now
        )
        try await MessagingQueries.insert(message, on: services.database.sql)
        return message
    }

    /// A two-second audio clip of `owner`, written straight to `attachments`.
    private func insertAttachment(owner: UUID, _ services: AppServices) async throws -> BasedApp.Attachment {
        let attachment = BasedApp.Attachment(
            id: .v7(), ownerId: owner, kind: .audio, contentType: "audio/mpeg", blobHash: "hash", byteCount: 32_000, durationSeconds: 2.5,
            createdAt: wholeSecond()
        )
        try await MessagingQueries.insert(attachment, on: services.database.sql)
        return attachment
    }
}
