@testable import BasedApp
import Foundation
import HummingbirdTesting
import Testing

@Suite("Realtime sockets")
struct RealtimeTests {
    @Test("two users chat over sockets: idempotent sends, sequence numbers, receipts, typing and presence")
    func chat() async throws {
        try await withLiveApp({ $0.typingInterval = .seconds(3600) }) { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let anaSocket = try await TestSocket.connect(port: port, token: ana.accessToken)
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken, query: false)
            let hello = try await anaSocket.next("hello")
            #expect(hello.string("userId") == ana.user.id)
            #expect(hello.int("v") == 1)
            _ = try await benSocket.next("hello")

            let sent = try await anaSocket.call(#"{"type":"send","id":"f1","to":"\#(ben.user.id)","clientMessageId":"m-1","text":"hi ben"}"#, id: "f1")
            #expect(sent.type == "ack")
            #expect(sent.int("seq") == 1)
            #expect(sent["duplicate"] as? Bool == false)
            let conversation = try #require(sent.string("conversationId"))

            let arrived = try await benSocket.next("message")
            #expect(arrived.string("conversationId") == conversation)
            #expect(arrived.int("seq") == 1)
            let body = try #require(arrived["message"] as? [String: Any])
            #expect(body["text"] as? String == "hi ben")
            #expect(body["senderId"] as? String == ana.user.id)
            #expect(body["clientMessageId"] == nil, "the sender's client id is the sender's business")

            // A retried send (same clientMessageId) is answered from the first and stores nothing.
            let retry = try await anaSocket.call(#"{"type":"send","id":"f2","conversationId":"\#(conversation)","clientMessageId":"m-1","text":"hi ben"}"#, id: "f2")
            #expect(retry["duplicate"] as? Bool == true)
            #expect(retry.int("seq") == 1)
            // Another user may use the same client id: it is scoped to its sender.
            let reply = try await benSocket.call(#"{"type":"send","id":"g1","conversationId":"\#(conversation)","clientMessageId":"m-1","text":"hey ana","replyToSeq":1}"#, id: "g1")
            #expect(reply.int("seq") == 2)
            #expect(reply["duplicate"] as? Bool == false)
            let second = try await anaSocket.next("message") { $0.int("seq") == 2 }
            #expect((second["message"] as? [String: Any])?["replyToSeq"] as? Int == 1)

            // Read receipts reach the other member.
            _ = try await benSocket.call(#"{"type":"read","id":"g2","conversationId":"\#(conversation)","seq":1}"#, id: "g2")
            let receipt = try await anaSocket.next("receipt")
            #expect(receipt.string("userId") == ben.user.id)
            #expect(receipt.int("seq") == 1)

            // Typing is forwarded once, then throttled (the throttle is lengthened
            // to an hour here: a loaded machine can spend its default two seconds between two frames).
            let typed = try await anaSocket.call(#"{"type":"typing","id":"f3","conversationId":"\#(conversation)"}"#, id: "f3")
            #expect(typed["throttled"] as? Bool == false)
            let again = try await anaSocket.call(#"{"type":"typing","id":"f4","conversationId":"\#(conversation)"}"#, id: "f4")
            #expect(again["throttled"] as? Bool == true)
            let typing = try await benSocket.next("typing")
            #expect(typing.string("userId") == ana.user.id)
            #expect(typing.int("expiresInMs") == 5000)

            // Presence: Ben goes away, then leaves; Ana, his conversation partner, sees both.
            _ = try await benSocket.call(#"{"type":"presence","id":"g3","state":"away"}"#, id: "g3")
            _ = try await anaSocket.next("presence") { $0.string("userId") == ben.user.id && $0.string("state") == "away" }
            await benSocket.close()
            let offline = try await anaSocket.next("presence") { $0.string("userId") == ben.user.id && $0.string("state") == "offline" }
            #expect(offline.string("lastSeenAt") != nil)

            // History over REST matches what the sockets saw.
            let history = try await client.request(.get, "/api/v1/conversations/\(conversation)/messages", token: ana.accessToken)
            #expect(history.status == .ok)
            await anaSocket.close()
        }
    }

    @Test("a missing, forged or expired token is refused with close code 4401 before any data")
    func refusedWithoutToken() async throws {
        // Tokens live 8 s here: long enough to connect on a loaded machine, short enough to watch one expire.
        try await withLiveApp({ $0.accessTokenLifetime = .seconds(8) }) { client, port, _ in
            // Read as raw bytes: after the 101 the server's first and only frame is the close.
            for (token, reason) in [(nil, "token_missing"), ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "invalid_token")] {
                let refused = try await StuckClient.connect(port: port, token: token, reading: true).framesAfterUpgrade()
                #expect(refused.opcodes == [0x8], "one close frame and nothing before it")
                #expect(refused.closeCode == 4401)
                #expect(refused.reason == reason)
            }

            // A token that expires during the connection closes it with 4401 token_expired.
            let ana = try await client.register("ana")
            let live = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await live.next("hello")
            try await live.waitClosed()
            #expect(await live.closeCode == 4401)
            #expect(await live.closeReason == "token_expired")

            let expired = try await StuckClient.connect(port: port, token: ana.accessToken, reading: true).framesAfterUpgrade()
            #expect(expired.opcodes == [0x8])
            #expect(expired.closeCode == 4401)
            #expect(expired.reason == "token_expired")
        }
    }

    @Test("bad frames get error frames with codes and the connection keeps serving")
    func badFrames() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let eve = try await client.register("eve")
            let socket = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await socket.next("hello")

            try await socket.send("not json")
            #expect(try await socket.next("error").string("code") == "bad_frame")
            try await socket.send("[1,2]")
            #expect(try await socket.next("error").string("code") == "bad_frame")
            try await socket.sendBinary([1, 2, 3])
            #expect(try await socket.next("error").string("code") == "binary_not_supported")
            #expect(try await socket.call(#"{"type":"dance","id":"x1"}"#, id: "x1").string("code") == "unknown_type")
            #expect(try await socket.call(#"{"type":"ping","id":"x2","v":2}"#, id: "x2").string("code") == "unsupported_version")
            let wrongType = try await socket.call(#"{"type":"read","id":"x3","conversationId":"nope","seq":1}"#, id: "x3")
            #expect(wrongType.string("code") == "invalid_field")
            #expect(wrongType.string("field") == "conversationId")
            let noText = try await socket.call(#"{"type":"send","id":"x4","to":"\#(ben.user.id)","clientMessageId":"c"}"#, id: "x4")
            #expect(noText.string("code") == "invalid_field")
            #expect(noText.string("field") == "text")

            // Someone else's conversation: refused, and nothing about it is revealed.
            let benSocket = try await TestSocket.connect(port: port, token: ben.accessToken)
            let theirs = try await benSocket.call(#"{"type":"send","id":"b1","to":"\#(eve.user.id)","clientMessageId":"c1","text":"secret"}"#, id: "b1")
            let conversation = try #require(theirs.string("conversationId"))
            for frame in [
                #"{"type":"send","id":"y1","conversationId":"\#(conversation)","clientMessageId":"c2","text":"let me in"}"#,
                #"{"type":"read","id":"y1","conversationId":"\#(conversation)","seq":1}"#,
                #"{"type":"typing","id":"y1","conversationId":"\#(conversation)"}"#,
                #"{"type":"resume","id":"y1","positions":{"\#(conversation)":0}}"#,
            ] {
                let answer = try await socket.call(frame, id: "y1")
                #expect(answer.string("code") == "not_a_member", "\(frame)")
            }
            let peek = try await client.request(.get, "/api/v1/conversations/\(conversation)/messages", token: ana.accessToken)
            #expect(peek.status == .forbidden)
            #expect(await socket.all("message").isEmpty)

            // A position from the future.
            let future = try await benSocket.call(#"{"type":"resume","id":"b2","positions":{"\#(conversation)":99}}"#, id: "b2")
            #expect(future.string("code") == "invalid_position")

            // Still serving.
            #expect(try await socket.call(#"{"type":"ping","id":"z"}"#, id: "z").type == "ack")
            await socket.close()
            await benSocket.close()
        }
    }

    @Test("a frame over 64 KiB closes with 1009; a flood is limited, then closed with 4429")
    func limits() async throws {
        try await withLiveApp { client, port, _ in
            let ana = try await client.register("ana")
            let big = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await big.next("hello")
            try await big.send(#"{"type":"ping","id":"p","pad":""# + String(repeating: "x", count: 70_000) + #""}"#)
            try await big.waitClosed()
            #expect(await big.closeCode == 1009)

            let flood = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await flood.next("hello")
            for index in 0..<400 {
                try? await flood.send(#"{"type":"ping","id":"p\#(index)"}"#)
            }
            try await flood.waitClosed()
            #expect(await flood.closeCode == 4429)
            let limited = await flood.all("error").filter { $0.string("code") == "rate_limited" }
            #expect(!limited.isEmpty)
            #expect(limited.first?.int("retryAfterMs") != nil)

            // The server keeps serving everyone else.
            let other = try await TestSocket.connect(port: port, token: ana.accessToken)
            _ = try await other.next("hello")
            #expect(try await other.call(#"{"type":"ping","id":"ok"}"#, id: "ok").type == "ack")
            await other.close()
        }
    }
}
