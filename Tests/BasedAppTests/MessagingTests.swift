import BasedAPI
import BasedApp
import Foundation
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Messaging: delivery, groups, blocks")
struct MessagingTests {
    @Test("a device that reconnects resumes exactly what it missed, in order; every device of a user gets everything")
    func resume() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let anaPhone = try await TestSocket.connect(port: port, token: ana.accessToken)
            let anaLaptop = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaPhone.next("hello")
            _ = try await anaLaptop.next("hello")
            let first = try await anaPhone.call(#"{"type":"send","id":"s0","to":"\#(ben.user.id)","clientMessageId":"c0","text":"one"}"#, id: "s0")
            let conversation = try #require(first.string("conversationId"))
            // The other device of the sender sees the message too, with its client id.
            let echoed = try await anaLaptop.next("message")
            #expect((echoed["message"] as? [String: Any])?["clientMessageId"] as? String == "c0")

            // Ben is offline while Ana sends four more.
            for index in 1...4 {
                _ = try await anaPhone.call(#"{"type":"send","id":"s\#(index)","conversationId":"\#(conversation)","clientMessageId":"c\#(index)","text":"m\#(index)"}"#, id: "s\(index)")
            }
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            // He had seen message 1 on another device; he resumes from it.
            let resumed = try await benSocket.call(#"{"type":"resume","id":"r","positions":{"\#(conversation)":1}}"#, id: "r")
            #expect(resumed.int("replayed") == 4)
            let replayed = await benSocket.all("message")
            #expect(replayed.map { $0.int("seq") } == [2, 3, 4, 5])
            #expect(replayed.map { ($0["message"] as? [String: Any])?["text"] as? String } == ["m1", "m2", "m3", "m4"])

            // A second resume with the new position replays nothing, and live messages keep coming once each.
            let again = try await benSocket.call(#"{"type":"resume","id":"r2","positions":{"\#(conversation)":5}}"#, id: "r2")
            #expect(again.int("replayed") == 0)
            _ = try await anaPhone.call(#"{"type":"send","id":"s6","conversationId":"\#(conversation)","clientMessageId":"c6","text":"live"}"#, id: "s6")
            _ = try await benSocket.next("message") { $0.int("seq") == 6 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await benSocket.all("message").filter { $0.int("seq") == 6 }.count == 4 - 4, "seq 6 arrived exactly once")

            // A resume that names nothing still lists the conversations with news.
            let fresh = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await fresh.next("hello")
            let listing = try await fresh.call(#"{"type":"resume","id":"r3","positions":{}}"#, id: "r3")
            let newer = try #require(listing["conversations"] as? [[String: Any]])
            #expect(newer.first?["id"] as? String == conversation)
            #expect(newer.first?["lastSeq"] as? Int == 6)
            for socket in [anaPhone, anaLaptop, benSocket, fresh] { await socket.close() }
        }
    }

    @Test("sends that arrive together are stored together: dense sequences, retries stored once, a refused send undoes no other")
    func concurrentSends() async throws {
        // Through the router, not a socket: the live test client has one connection and would queue the burst.
        try await withApp { client, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let eve = try await client.register("eve")
            let group = try await client.request(.post, "/api/v1/conversations", json: #"{"title":"Burst","memberIds":["\#(ben.user.id)"]}"#, token: ana.accessToken).decode(Schemas.ConversationDetail.self)
            // 40 distinct sends, each also retried at once, and Eve (not a member) trying in between.
            let results = try await withThrowingTaskGroup(of: (String, Int, Schemas.SentMessage?).self) { tasks in
                for index in 0..<40 {
                    for _ in 0..<2 {
                        tasks.addTask {
                            let token = index % 2 == 0 ? ana.accessToken : ben.accessToken
                            let response = try await client.request(.post, "/api/v1/messages", json: #"{"conversationId":"\#(group.id)","clientMessageId":"burst-\#(index)","text":"n\#(index)"}"#, token: token)
                            return ("burst-\(index)", response.status.code, try? response.decode(Schemas.SentMessage.self))
                        }
                    }
                    tasks.addTask {
                        let response = try await client.request(.post, "/api/v1/messages", json: #"{"conversationId":"\#(group.id)","clientMessageId":"eve-\#(index)","text":"let me in"}"#, token: eve.accessToken)
                        return ("eve", response.status.code, nil)
                    }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0.0 == "eve" }.allSatisfy { $0.1 == 403 })
            let sends = results.filter { $0.0 != "eve" }
            #expect(sends.allSatisfy { $0.1 == 201 || $0.1 == 200 })
            // Each pair got one sequence; one of the two says duplicate.
            let byID = Dictionary(grouping: sends, by: \.0)
            for (id, pair) in byID {
                #expect(Set(pair.compactMap { $0.2?.seq }).count == 1, "\(id)")
                #expect(pair.filter { $0.2?.duplicate == true }.count == 1, "\(id)")
            }
            let seqs = Set(sends.compactMap { $0.2?.seq })
            #expect(seqs == Set(1...40))
            let history = try await client.request(.get, "/api/v1/conversations/\(group.id)/messages?limit=100", token: ben.accessToken).decode(Schemas.MessagePage.self)
            #expect(history.items.map(\.seq) == Array(1...40))
        }
    }

    @Test("a client that stops reading is closed when its queue overflows; others are not held up and nothing is lost")
    func backpressure() async throws {
        try await withLiveApp({ $0.realtimeOutboundQueue = 16 }) { client, port, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let cleo = try await client.register("cleo")
            let stuck = try await StuckClient.connect(port: port, token: ben.accessToken)
            let cleoSocket = try await TestSocket.connect(port: port, token: cleo.accessToken)
            _ = try await cleoSocket.next("hello")
            let benID = try #require(UUID(uuidString: ben.user.id))
            for _ in 0..<200 where services.realtime.socketCount(of: benID) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(services.realtime.socketCount(of: benID) == 1)

            let text = jsonString(String(repeating: "x", count: 4000))
            var sentToBen = 0
            var sentToCleo = 0
            for index in 0..<3000 where services.realtime.socketCount(of: benID) > 0 {
                let response = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"b\#(index)","text":\#(text)}"#, token: ana.accessToken)
                #expect(response.status == .created)
                sentToBen += 1
                if index % 10 == 0 {
                    _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(cleo.user.id)","clientMessageId":"c\#(index)","text":"hi"}"#, token: ana.accessToken)
                    sentToCleo += 1
                }
            }
            #expect(services.realtime.socketCount(of: benID) == 0, "the stuck socket was dropped after \(sentToBen) messages")
            #expect(sentToBen < 3000)
            // The stuck client's connection ends (after the close frame, if it could still be written).
            let ended = try await stuck.readToEnd()
            #expect(ended, "the server closed the stuck connection")

            // Cleo, reading normally, got every message meant for her.
            for seq in 1...sentToCleo { _ = try await cleoSocket.next("message") { $0.int("seq") == seq } }

            // Ben reconnects and finds everything.
            let history = try await client.request(.get, "/api/v1/conversations?limit=5", token: ben.accessToken)
            #expect(history.status == .ok)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let listing = try await benSocket.call(#"{"type":"resume","id":"r","positions":{}}"#, id: "r")
            let newer = try #require(listing["conversations"] as? [[String: Any]])
            #expect(newer.first?["lastSeq"] as? Int == sentToBen)
            await benSocket.close()
            await cleoSocket.close()
        }
    }

    @Test("a connection that stops answering pings is dropped, and its user's partners see them go offline")
    func pingTimeout() async throws {
        // Pings every 5 s: Ana's client must answer within that while the whole suite shares two cores.
        try await withLiveApp({ $0.realtimePing = .seconds(5) }) { client, port, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"a","text":"hi"}"#, token: ana.accessToken)
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaSocket.next("hello")
            // Ben's connection goes dead: it never reads, so it never answers a ping.
            let dead = try await StuckClient.connect(port: port, token: ben.accessToken)
            _ = try await anaSocket.next("presence") { $0.string("userId") == ben.user.id && $0.string("state") == "online" }
            let benID = try #require(UUID(uuidString: ben.user.id))
            let offline = try await anaSocket.next("presence", timeout: .seconds(60)) { $0.string("userId") == ben.user.id && $0.string("state") == "offline" }
            #expect(offline.string("lastSeenAt") != nil)
            #expect(services.realtime.socketCount(of: benID) == 0)
            // Ana, who answers pings (the client does it for her), is still connected.
            #expect(try await anaSocket.call(#"{"type":"ping","id":"p"}"#, id: "p").type == "ack")
            _ = try await dead.readToEnd(timeout: .seconds(2))
            await anaSocket.close()
        }
    }

    @Test("groups: members, admins, rename, leave; edits, deletes, reactions; history both ways; outsiders refused")
    func groups() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let cleo = try await client.register("cleo")
            let dan = try await client.register("dan")
            let created = try await client.request(.post, "/api/v1/conversations", json: #"{"title":"Band","memberIds":["\#(ben.user.id)"]}"#, token: ana.accessToken)
            #expect(created.status == .created)
            let group = try created.decode(Schemas.ConversationDetail.self)
            #expect(group.kind == .group)
            #expect(group.members.count == 2)
            #expect(group.members.first { $0.user.id == ana.user.id }?.role == .admin)

            // Only admins add, rename and remove.
            let benAdds = try await client.request(.post, "/api/v1/conversations/\(group.id)/members", json: #"{"userIds":["\#(cleo.user.id)"]}"#, token: ben.accessToken)
            #expect(benAdds.status == .forbidden)
            #expect(try benAdds.problem().code == "admin_only")
            let added = try await client.request(.post, "/api/v1/conversations/\(group.id)/members", json: #"{"userIds":["\#(cleo.user.id)"]}"#, token: ana.accessToken)
            #expect(try added.decode(Schemas.ConversationDetail.self).members.count == 3)
            let renamed = try await client.request(.patch, "/api/v1/conversations/\(group.id)", json: #"{"title":"The Band"}"#, token: ana.accessToken)
            #expect(try renamed.decode(Schemas.ConversationDetail.self).title == "The Band")
            #expect(try await client.request(.patch, "/api/v1/conversations/\(group.id)", json: #"{"title":"Mine"}"#, token: ben.accessToken).status == .forbidden)

            // Everyone in it gets the messages live; Dan, outside, can do nothing with it.
            let cleoSocket = try await TestSocket.connect(port: port, token: cleo.accessToken)
            _ = try await cleoSocket.next("hello")
            for index in 1...30 {
                let sent = try await client.request(.post, "/api/v1/messages", json: #"{"conversationId":"\#(group.id)","clientMessageId":"g\#(index)","text":"n\#(index)"}"#, token: index % 2 == 0 ? ben.accessToken : ana.accessToken)
                #expect(sent.status == .created)
            }
            _ = try await cleoSocket.next("message") { $0.int("seq") == 30 }
            #expect(await cleoSocket.all("message").count == 29)
            for path in ["", "/messages", "/messages?after=0"] {
                #expect(try await client.request(.get, "/api/v1/conversations/\(group.id)\(path)", token: dan.accessToken).status == .forbidden)
            }
            #expect(try await client.request(.post, "/api/v1/messages", json: #"{"conversationId":"\#(group.id)","clientMessageId":"x","text":"hi"}"#, token: dan.accessToken).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/conversations/\(group.id)/read", json: #"{"seq":1}"#, token: dan.accessToken).status == .forbidden)

            // History: the newest page, then back, then forward from any point.
            let newest = try await client.request(.get, "/api/v1/conversations/\(group.id)/messages?limit=10", token: cleo.accessToken).decode(Schemas.MessagePage.self)
            #expect(newest.items.map(\.seq) == Array(21...30))
            #expect(newest.lastSeq == 30)
            let back = try await client.request(.get, "/api/v1/conversations/\(group.id)/messages?limit=10&before=21", token: cleo.accessToken).decode(Schemas.MessagePage.self)
            #expect(back.items.map(\.seq) == Array(11...20))
            let forward = try await client.request(.get, "/api/v1/conversations/\(group.id)/messages?limit=5&after=7", token: cleo.accessToken).decode(Schemas.MessagePage.self)
            #expect(forward.items.map(\.seq) == Array(8...12))
            #expect(try await client.request(.get, "/api/v1/conversations/\(group.id)/messages?limit=500", token: cleo.accessToken).status == .unprocessableContent)

            // Edit (sender only), react, delete (tombstone).
            #expect(try await client.request(.patch, "/api/v1/conversations/\(group.id)/messages/1", json: #"{"text":"edited"}"#, token: ben.accessToken).status == .forbidden)
            let edited = try await client.request(.patch, "/api/v1/conversations/\(group.id)/messages/1", json: #"{"text":"edited"}"#, token: ana.accessToken).decode(Schemas.ChatMessage.self)
            #expect(edited.text == "edited")
            #expect(edited.editedAt != nil)
            let update = try await cleoSocket.next("message_updated") { $0.int("seq") == 1 }
            #expect((update["message"] as? [String: Any])?["text"] as? String == "edited")
            let reacted = try await client.request(.put, "/api/v1/conversations/\(group.id)/messages/1/reactions/%F0%9F%94%A5", token: cleo.accessToken).decode(Schemas.ChatMessage.self)
            #expect(reacted.reactions.first?.emoji == "🔥")
            #expect(reacted.reactions.first?.count == 1)
            let deleted = try await client.request(.delete, "/api/v1/conversations/\(group.id)/messages/1", token: ana.accessToken).decode(Schemas.ChatMessage.self)
            #expect(deleted.deleted)
            #expect(deleted.text == nil)
            #expect(deleted.reactions.isEmpty)
            #expect(try await client.request(.patch, "/api/v1/conversations/\(group.id)/messages/1", json: #"{"text":"again"}"#, token: ana.accessToken).status == .conflict)
            #expect(try await client.request(.patch, "/api/v1/conversations/\(group.id)/messages/99", json: #"{"text":"x"}"#, token: ana.accessToken).status == .notFound)

            // The list shows unread counts: Cleo has read nothing yet, Ben sent the last one.
            let cleoList = try await client.request(.get, "/api/v1/conversations", token: cleo.accessToken).decode(Schemas.ConversationPage.self)
            #expect(cleoList.items.first?.id == group.id)
            #expect(cleoList.items.first?.unreadCount == 30)
            let benList = try await client.request(.get, "/api/v1/conversations", token: ben.accessToken).decode(Schemas.ConversationPage.self)
            #expect(benList.items.first?.unreadCount == 0)

            // Receipts over REST reach sockets; a position from the future is refused.
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaSocket.next("hello")
            #expect(try await client.request(.post, "/api/v1/conversations/\(group.id)/read", json: #"{"seq":30}"#, token: cleo.accessToken).status == .noContent)
            let receipt = try await anaSocket.next("receipt") { $0.string("userId") == cleo.user.id }
            #expect(receipt.int("seq") == 30)
            let future = try await client.request(.post, "/api/v1/conversations/\(group.id)/read", json: #"{"seq":31}"#, token: cleo.accessToken)
            #expect(try future.problem().code == "invalid_position")


            // Leaving: Ana (the only admin) leaves; Ben, longest there, becomes admin.
            #expect(try await client.request(.delete, "/api/v1/conversations/\(group.id)/members/\(ana.user.id)", token: ana.accessToken).status == .noContent)
            let after = try await client.request(.get, "/api/v1/conversations/\(group.id)", token: ben.accessToken).decode(Schemas.ConversationDetail.self)
            #expect(after.members.map(\.user.id).contains(ana.user.id) == false)
            #expect(after.members.first { $0.user.id == ben.user.id }?.role == .admin)
            #expect(try await client.request(.get, "/api/v1/conversations/\(group.id)/messages", token: ana.accessToken).status == .forbidden)
            await cleoSocket.close()
            await anaSocket.close()
        }
    }

    @Test("a block stops direct messages both ways, group adds, presence and notifications")
    func blocks() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let first = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"a1","text":"hi"}"#, token: ana.accessToken)
            #expect(first.status == .created)
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await anaSocket.next("hello")

            #expect(try await client.request(.put, "/api/v1/users/ana/block", token: ben.accessToken).status == .noContent)
            let blocks = try await client.request(.get, "/api/v1/me/blocks", token: ben.accessToken)
            // The contract declares this page inline, so its type is the operation's own rather than a component schema.
            #expect(try blocks.decode(Operations.ListBlocks.Output.Ok.Body.JsonPayload.self).items.map(\.username) == ["ana"])
            for (token, to) in [(ana.accessToken, ben.user.id), (ben.accessToken, ana.user.id)] {
                let refused = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(to)","clientMessageId":"b-\#(to)","text":"hello?"}"#, token: token)
                #expect(refused.status == .forbidden)
                #expect(try refused.problem().code == "blocked")
            }
            let viaSocket = try await anaSocket.call(#"{"type":"send","id":"x","to":"\#(ben.user.id)","clientMessageId":"a2","text":"hi"}"#, id: "x")
            #expect(viaSocket.string("code") == "blocked")
            let group = try await client.request(.post, "/api/v1/conversations", json: #"{"title":"G","memberIds":["\#(ben.user.id)"]}"#, token: ana.accessToken)
            #expect(group.status == .forbidden)

            // Presence: Ben comes online; Ana, though once his conversation partner, hears nothing.
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            try await Task.sleep(for: .milliseconds(300))
            #expect(await anaSocket.all("presence").filter { $0.string("userId") == ben.user.id }.isEmpty)
            #expect(try await client.request(.get, "/api/v1/users/ben/presence", token: ana.accessToken).status == .notFound)

            // Notifications: Ana following Ben does not reach his inbox.
            #expect(try await client.request(.put, "/api/v1/users/ben/follow", token: ana.accessToken).status == .ok)
            let inbox = try await client.request(.get, "/api/v1/notifications", token: ben.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.isEmpty)

            // Unblocked, they talk again.
            #expect(try await client.request(.delete, "/api/v1/users/ana/block", token: ben.accessToken).status == .noContent)
            #expect(try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"a3","text":"hi again"}"#, token: ana.accessToken).status == .created)
            #expect(try await client.request(.put, "/api/v1/users/nobody/block", token: ben.accessToken).status == .notFound)
            #expect(try await client.request(.put, "/api/v1/users/ben/block", token: ben.accessToken).status == .unprocessableContent)
            await anaSocket.close()
            await benSocket.close()
        }
    }

    @Test("attachments: images and audio clips by content, sent by id, readable only by the conversation")
    func attachments() async throws {
        let image = try await makeImage(width: 64, height: 48, format: "png")
        let clip = try await makeAudio(seconds: 2, format: "mp3")
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let eve = try await client.register("eve")
            func upload(_ bytes: [UInt8], _ token: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/attachments", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"], body: ByteBuffer(bytes: bytes))
            }
            let picture = try await upload(image, ana.accessToken)
            #expect(picture.status == .created)
            let pictureInfo = try picture.decode(Schemas.AttachmentInfo.self)
            #expect(pictureInfo.kind == .image)
            #expect(pictureInfo.contentType == "image/png")
            let audio = try await upload(clip, ana.accessToken).decode(Schemas.AttachmentInfo.self)
            #expect(audio.kind == .audio)
            #expect(audio.contentType == "audio/mpeg")
            #expect(abs((audio.durationSeconds ?? 0) - 2) < 0.2)

            // Not an image nor audio; empty; someone else's id in a message.
            let text = try await upload(Array("just some text, honestly".utf8), ana.accessToken)
            #expect(text.status == .unsupportedMediaType)
            #expect(try await upload([], ana.accessToken).status == .unprocessableContent)
            let stolen = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ana.user.id)","clientMessageId":"s","attachmentId":"\#(pictureInfo.id)"}"#, token: eve.accessToken)
            #expect(stolen.status == .unprocessableContent)

            // Before it is sent, only Ana reads it; after, Ben too; Eve never.
            #expect(try await client.request(.get, pictureInfo.url, token: ben.accessToken).status == .notFound)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await benSocket.next("hello")
            let sent = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"p","attachmentId":"\#(pictureInfo.id)"}"#, token: ana.accessToken)
            #expect(sent.status == .created)
            let message = try await benSocket.next("message")
            let attachment = try #require((message["message"] as? [String: Any])?["attachment"] as? [String: Any])
            #expect(attachment["url"] as? String == pictureInfo.url)
            let fetched = try await client.request(.get, pictureInfo.url, token: ben.accessToken)
            #expect(fetched.status == .ok)
            #expect(fetched.headers[.contentType] == "image/png")
            #expect(Array(buffer: fetched.body) == image)
            #expect(try await client.request(.get, pictureInfo.url, token: eve.accessToken).status == .notFound)
            #expect(try await client.request(.get, pictureInfo.url).status == .notFound)
            let range = try await client.request(.get, audio.url, token: ana.accessToken, headers: [.range: "bytes=0-99"])
            #expect(range.status == .partialContent)
            #expect(range.body.readableBytes == 100)
            await benSocket.close()
        }
    }

    @Test("rooms: anyone joins, members get the room's messages, leavers stop getting them")
    func rooms() async throws {
        try await withLiveApp { client, port, _ in
            let host = try await client.register("venue", role: "venue")
            let room = try await client.request(.post, "/api/v1/rooms", json: #"{"title":"Friday show","subject":"event:42"}"#, token: host.accessToken)
            #expect(room.status == .created)
            let roomID = try room.decode(Schemas.Room.self).id
            var fans: [(SessionBody, TestSocket)] = []
            for index in 0..<20 {
                let fan = try await client.register("fan\(index)")
                let socket = try await TestSocket.connect(port: port, token: fan.accessToken)
                _ = try await socket.next("hello")
                #expect(try await socket.call(#"{"type":"join","id":"j","roomId":"\#(roomID)"}"#, id: "j").type == "ack")
                fans.append((fan, socket))
            }
            _ = try await client.request(.post, "/api/v1/messages", json: #"{"conversationId":"\#(roomID)","clientMessageId":"r1","text":"doors at 8"}"#, token: host.accessToken)
            for (_, socket) in fans { _ = try await socket.next("message") { $0.int("seq") == 1 } }
            let leaver = fans[0].1
            #expect(try await leaver.call(#"{"type":"leave","id":"l","roomId":"\#(roomID)"}"#, id: "l").type == "ack")
            let said = try await fans[1].1.call(#"{"type":"send","id":"s","conversationId":"\#(roomID)","clientMessageId":"f1","text":"see you there"}"#, id: "s")
            #expect(said.int("seq") == 2)
            for (_, socket) in fans.dropFirst() { _ = try await socket.next("message") { $0.int("seq") == 2 } }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await leaver.all("message").isEmpty)
            #expect(try await leaver.call(#"{"type":"join","id":"k","roomId":"\#(UUID().uuidString.lowercased())"}"#, id: "k").string("code") == "not_found")
            for (_, socket) in fans { await socket.close() }
        }
    }
}

// MARK: A client that never reads

/// Upgrades to a WebSocket over a raw socket with a tiny receive buffer and
/// never reads, as a phone in a tunnel would, until `readToEnd`.
final class StuckClient: Sendable {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = NIOLockedValueBox<[UInt8]>([])
        let closed = NIOLockedValueBox(false)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLockedValue { $0 += buffer.readableBytesView }
        }
        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
        }
    }

    let channel: any Channel
    let collector: Collector

    init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int, token: String?, reading: Bool = false) async throws -> StuckClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4096)
            .channelOption(ChannelOptions.autoRead, value: reading)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .connect(host: "127.0.0.1", port: port).get()
        let query = token.map { "?access_token=\($0)" } ?? ""
        let request = "GET /api/v1/realtime\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return StuckClient(channel: channel, collector: collector)
    }

    /// What the server sent after its `101` response, once the first whole
    /// frame is in: every frame's opcode, and the close code and reason if the first is a close.
    func framesAfterUpgrade(timeout: Duration = .seconds(30)) async throws -> (opcodes: [UInt8], closeCode: Int?, reason: String?) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let bytes = collector.bytes.withLockedValue { $0 }
            if let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, bytes.count >= end + 2 {
                var frames: [UInt8] = []
                var index = end
                var code: Int?
                var reason: String?
                // Server frames are unmasked; ours are short (length < 126).
                while index + 2 <= bytes.count, bytes[index + 1] < 126, index + 2 + Int(bytes[index + 1]) <= bytes.count {
                    let opcode = bytes[index] & 0x0F
                    let length = Int(bytes[index + 1])
                    if frames.isEmpty, opcode == 0x8, length >= 2 {
                        code = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                        reason = String(decoding: bytes[(index + 4)..<(index + 2 + length)], as: UTF8.self)
                    }
                    frames.append(opcode)
                    index += 2 + length
                }
                if !frames.isEmpty {
                    channel.close(promise: nil)
                    return (frames, code, reason)
                }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        channel.close(promise: nil)
        return ([], nil, nil)
    }

    /// Starts reading at last; true when the server then ends the connection.
    func readToEnd(timeout: Duration = .seconds(15)) async throws -> Bool {
        // The server may have closed it already, which is an answer too.
        if (try? await channel.setOption(ChannelOptions.autoRead, value: true).get()) != nil {
            channel.read()
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if collector.closed.withLockedValue({ $0 }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        channel.close(promise: nil)
        return false
    }
}
