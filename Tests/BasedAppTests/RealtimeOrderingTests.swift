import BasedAPI
@testable import BasedApp
import Foundation
import HummingbirdTesting
import Testing

/// The central promise: per conversation, every device gets every message
/// once and in order, however many people send at once and whenever a device
/// resumes.
@Suite("Realtime ordering under concurrent sends")
struct RealtimeOrderingTests {
    @Test("120 sends from 8 tasks into one group: two listening devices and one that resumes mid-burst each get every seq once, in order")
    func groupBurst() async throws {
        try await withLiveApp { client, port, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let cat = try await client.register("cat")
            let group = try await client.request(
                .post, "/api/v1/conversations", json: #"{"title":"Burst","memberIds":["\#(ben.user.id)","\#(cat.user.id)"]}"#, token: ana.accessToken
            ).decode(Schemas.ConversationDetail.self)
            let conversation = try #require(UUID(uuidString: group.id))
            let phone = try await TestSocket.connect(port: port, token: ben.accessToken)
            let laptop = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await phone.next("hello")
            _ = try await laptop.next("hello")
            // The phone says something first; the laptop never sends a frame.
            _ = try await phone.call(#"{"type":"ping","id":"p"}"#, id: "p")

            let senders = [try #require(UUID(uuidString: ana.user.id)), try #require(UUID(uuidString: cat.user.id))]
            let total = 120
            var tablet: TestSocket?
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for worker in 0..<8 {
                    tasks.addTask {
                        for index in stride(from: worker, to: total, by: 8) {
                            _ = try await services.realtime.send(
                                from: senders[index % 2], to: .conversation(conversation), clientMessageId: "burst-\(index)",
                                text: "n\(index)", attachmentId: nil, replyToSeq: nil
                            )
                        }
                    }
                }
                // Mid-burst, a third device connects and resumes from seq 20.
                try await waitForMessages(phone, in: group.id, atLeast: 30)
                let resuming = try await TestSocket.connect(port: port, token: ben.accessToken)
                _ = try await resuming.next("hello")
                try await resuming.send(#"{"type":"resume","id":"r","positions":{"\#(group.id)":20}}"#)
                tablet = resuming
                try await tasks.waitForAll()
            }
            let resumed = try #require(tablet)
            for (device, first) in [(phone, 1), (laptop, 1), (resumed, 21)] {
                try await waitForMessages(device, in: group.id, atLeast: total - first + 1)
                // A moment for anything sent twice to show.
                try await Task.sleep(for: .milliseconds(200))
                let got = await sequences(device, in: group.id)
                #expect(got == Array(first...total), "device starting at \(first): \(got)")
            }
            for socket in [phone, laptop, resumed] { await socket.close() }
        }
    }

    @Test("90 sends from three members into an event's room at once: two listening devices each get every seq once, in order")
    func roomBurst() async throws {
        try await withLiveApp { client, port, services in
            let club = try await client.register("club", role: "venue")
            let start = Date().addingTimeInterval(86_400).formatted(.iso8601)
            struct Created: Decodable { var roomId: String }
            let event = try await client.request(.post, "/api/v1/events", json: #"{"title":"Burst Night","startsAt":"\#(start)"}"#, token: club.accessToken)
                .decode(Created.self)
            let room = try #require(UUID(uuidString: event.roomId))
            var fans: [UUID] = []
            for name in ["fan1", "fan2", "fan3", "dot"] {
                let fan = try await client.register(name)
                #expect(try await client.request(.put, "/api/v1/rooms/\(event.roomId)/membership", token: fan.accessToken).status == .ok)
                fans.append(try #require(UUID(uuidString: fan.user.id)))
                if name == "dot" {
                    let listening = [try await TestSocket.connect(port: port, token: fan.accessToken), try await TestSocket.connect(port: port, token: fan.accessToken)]
                    for socket in listening {
                        _ = try await socket.next("hello")
                        _ = try await socket.call(#"{"type":"ping","id":"p"}"#, id: "p")
                    }
                    let total = 90
                    let senders = Array(fans.prefix(3))
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        for worker in 0..<6 {
                            tasks.addTask {
                                for index in stride(from: worker, to: total, by: 6) {
                                    _ = try await services.realtime.send(
                                        from: senders[index % 3], to: .conversation(room), clientMessageId: "room-\(index)",
                                        text: "r\(index)", attachmentId: nil, replyToSeq: nil
                                    )
                                }
                            }
                        }
                        try await tasks.waitForAll()
                    }
                    for socket in listening {
                        try await waitForMessages(socket, in: event.roomId, atLeast: total)
                        try await Task.sleep(for: .milliseconds(200))
                        let got = await sequences(socket, in: event.roomId)
                        #expect(got == Array(1...total), "\(got)")
                        await socket.close()
                    }
                }
            }
        }
    }
}

extension RealtimeOrderingTests {
    @Test("a conversation's first messages on this process, delivered newest first, still reach sockets oldest first")
    func overtakenAtFirstSight() async throws {
        try await withLiveApp { client, port, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let anaID = try #require(UUID(uuidString: ana.user.id))
            let benID = try #require(UUID(uuidString: ben.user.id))
            let socket = try await TestSocket.connect(port: port, token: ben.accessToken)
            _ = try await socket.next("hello")
            _ = try await socket.call(#"{"type":"ping","id":"p"}"#, id: "p")
            // Stored without live delivery, then delivered in the wrong order:
            // the race of two sends whose fan-outs swap places.
            let first = try await services.messaging.send(from: anaID, to: .user(benID), clientMessageId: "o1", text: "one", attachmentId: nil, replyToSeq: nil)
            let second = try await services.messaging.send(
                from: anaID, to: .conversation(first.message.conversationId), clientMessageId: "o2", text: "two", attachmentId: nil, replyToSeq: nil
            )
            let third = try await services.messaging.send(
                from: anaID, to: .conversation(first.message.conversationId), clientMessageId: "o3", text: "three", attachmentId: nil, replyToSeq: nil
            )
            await services.realtime.fanOut.deliver(third.message)
            await services.realtime.fanOut.deliver(second.message)
            let conversation = first.message.conversationId.text
            try await waitForMessages(socket, in: conversation, atLeast: 3)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await sequences(socket, in: conversation) == [1, 2, 3], "seq 1 was never delivered live: the gap fill read it")
            await socket.close()
        }
    }
}

/// The seqs of the message frames a socket received for one conversation, in arrival order.
private func sequences(_ socket: TestSocket, in conversation: String) async -> [Int] {
    await socket.all("message").filter { $0.string("conversationId") == conversation }.compactMap { $0.int("seq") }
}

/// Waits (at most two minutes: the whole suite shares two cores) until `count` messages arrived.
private func waitForMessages(_ socket: TestSocket, in conversation: String, atLeast count: Int) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    while await sequences(socket, in: conversation).count < count {
        guard ContinuousClock.now < deadline else {
            Issue.record("only \(await sequences(socket, in: conversation).count) of \(count) messages arrived")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
