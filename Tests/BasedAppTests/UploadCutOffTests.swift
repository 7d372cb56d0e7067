import BasedApp
import BasedMedia
import Foundation
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@Suite("Interrupted uploads")
struct UploadCutOffTests {
    @Test("an upload cut off midway leaves no file and no track, and the server keeps serving")
    func cutOff() async throws {
        let configuration = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let audio = try await makeAudio(seconds: 30, format: "wav")
        let services = try await AppServices.start(configuration, logger: Logger(label: "test"))
        let app = try buildApplication(services: services, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let ana = try await client.register("ana", role: "artist")
            let port = client.port!
            // Promise the whole file, send a third of it, and hang up.
            let script = """
                import socket, sys
                s = socket.create_connection(("127.0.0.1", \(port)))
                body = open(sys.argv[1], "rb").read()
                head = ("POST /api/v1/tracks HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer \(ana.accessToken)\\r\\n"
                        "Content-Type: audio/wav\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body)).encode()
                s.sendall(head + body[: len(body) // 3])
                s.close()
                """
            let file = configuration.dataDirectory.appendingPathComponent("cut.wav")
            try Data(audio).write(to: file)
            let sent = try await Subprocess.run("python3", ["-c", script, file.path])
            #expect(sent.succeeded, "\(String(decoding: sent.standardError, as: UTF8.self))")
            var leftovers: [String] = ["?"]
            for _ in 0..<50 {
                leftovers = try regularFiles(under: services.blobs.root)
                if leftovers.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(leftovers.isEmpty, "\(leftovers)")
            let tracks = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(tracks == 0)
            // The same file, whole, still goes through.
            #expect(try await client.upload(audio, token: ana.accessToken).status == .created)
        }
    }
}
