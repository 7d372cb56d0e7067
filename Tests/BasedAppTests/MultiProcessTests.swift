import BasedApp
import Foundation
import Testing

@Suite("Several server processes on one PostgreSQL")
struct MultiProcessTests {
    @Test(
        "users on two processes chat through LISTEN/NOTIFY; after kill -9 of one, its client resumes on the other and loses nothing",
        .enabled(if: TestDatabase.isPostgres, "LISTEN/NOTIFY is PostgreSQL's; on SQLite there is one process")
    )
    func twoProcesses() async throws {
        try #require(FileManager.default.fileExists(atPath: ServerProcess.binary.path), "build the based executable first (swift build)")
        let configuration = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let first = try await ServerProcess.start(configuration, log: configuration.dataDirectory.appendingPathComponent("one.log"))
        let second = try await ServerProcess.start(configuration, log: configuration.dataDirectory.appendingPathComponent("two.log"))
        defer { second.process.terminate() }
        #expect(first.port != second.port)

        func register(_ name: String, on server: ServerProcess) async throws -> SessionBody {
            let body = try await server.curl(["-X", "POST", "http://127.0.0.1:\(server.port)/api/v1/auth/register", "-H", "content-type: application/json",
                "-d", #"{"username":"\#(name)","email":"\#(name)@example.org","password":"correct horse battery","role":"listener"}"#])
            return try JSONDecoder().decode(SessionBody.self, from: Data(body.utf8))
        }
        let ana = try await register("ana", on: first)
        let ben = try await register("ben", on: second)

        let anaSocket = try await TestSocket.connect(port: first.port, token: ana.accessToken)
        _ = try await anaSocket.next("hello")
        let benSocket = try await TestSocket.connect(port: second.port, token: ben.accessToken)
        _ = try await benSocket.next("hello")

        // Ana (process one) writes to Ben (process two) and back.
        let sent = try await anaSocket.call(#"{"type":"send","id":"a1","to":"\#(ben.user.id)","clientMessageId":"a1","text":"hello from one"}"#, id: "a1")
        let conversation = try #require(sent.string("conversationId"))
        let arrived = try await benSocket.next("message")
        #expect((arrived["message"] as? [String: Any])?["text"] as? String == "hello from one")
        // Ben's coming online crossed over too: they are conversation partners now.
        _ = try await benSocket.call(#"{"type":"presence","id":"b0","state":"away"}"#, id: "b0")
        _ = try await anaSocket.next("presence") { $0.string("userId") == ben.user.id && $0.string("state") == "away" }
        _ = try await benSocket.call(#"{"type":"typing","id":"b1","conversationId":"\#(conversation)"}"#, id: "b1")
        _ = try await anaSocket.next("typing") { $0.string("userId") == ben.user.id }
        _ = try await benSocket.call(#"{"type":"send","id":"b2","conversationId":"\#(conversation)","clientMessageId":"b2","text":"hello from two"}"#, id: "b2")
        let reply = try await anaSocket.next("message") { $0.int("seq") == 2 }
        #expect((reply["message"] as? [String: Any])?["text"] as? String == "hello from two")
        _ = try await benSocket.call(#"{"type":"read","id":"b3","conversationId":"\#(conversation)","seq":1}"#, id: "b3")
        #expect(try await anaSocket.next("receipt").int("seq") == 1)

        // Process one dies without a word. Ben keeps writing meanwhile.
        first.killHard()
        try await anaSocket.waitClosed()
        for index in 3...7 {
            let answer = try await benSocket.call(#"{"type":"send","id":"b\#(index)x","conversationId":"\#(conversation)","clientMessageId":"b\#(index)","text":"m\#(index)"}"#, id: "b\(index)x")
            #expect(answer.int("seq") == index)
        }

        // Ana's client reconnects to process two and resumes from the last message it showed.
        let resumed = try await TestSocket.connect(port: second.port, token: ana.accessToken)
        _ = try await resumed.next("hello")
        let ack = try await resumed.call(#"{"type":"resume","id":"r","positions":{"\#(conversation)":2}}"#, id: "r")
        #expect(ack.int("replayed") == 5)
        #expect(await resumed.all("message").map { $0.int("seq") } == [3, 4, 5, 6, 7])
        // And it is live again on the new process.
        _ = try await benSocket.call(#"{"type":"send","id":"b8","conversationId":"\#(conversation)","clientMessageId":"b8","text":"welcome back"}"#, id: "b8")
        _ = try await resumed.next("message") { $0.int("seq") == 8 }
        await resumed.close()
        await benSocket.close()
    }
}
