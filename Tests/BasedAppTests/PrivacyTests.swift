import BasedAPI
@testable import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Privacy: data exports", .serialized)
struct PrivacyTests {
    @Test("an export is built by a job, announced, and downloaded by its owner alone: every row naming them as JSON with a README, their uploads, no credentials, nobody else's rows")
    func export() async throws {
        try await withApp { client, services in
            let (artist, track) = try await client.readyTrack("nova")
            let ana = try await client.register("ana")
            _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ana.user.id)","clientMessageId":"m1","text":"thanks for listening"}"#, token: artist.accessToken)
            _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(artist.user.id)","clientMessageId":"m2","text":"ana's own words"}"#, token: ana.accessToken)
            // Ana blocks nova: who blocked you is not yours to see.
            _ = try await client.request(.put, "/api/v1/users/nova/block", token: ana.accessToken)

            let asked = try await client.request(.post, "/api/v1/me/exports", token: artist.accessToken)
            #expect(asked.status == .accepted)
            let pending = try asked.decode(Schemas.DataExport.self)
            #expect(pending.status == .pending)
            #expect(pending.downloadUrl == nil)
            let twice = try await client.request(.post, "/api/v1/me/exports", token: artist.accessToken)
            #expect(twice.status == .conflict)
            #expect(try twice.problem().code == "export_pending")

            let ready = try await waitUntilReady(client, token: artist.accessToken)
            #expect(ready.id == pending.id)
            let url = try #require(ready.downloadUrl)
            let inbox = try await client.request(.get, "/api/v1/notifications", token: artist.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.contains { $0.kind == .exportReady })

            // Someone else, a forged signature, an expired link.
            #expect(try await client.request(.get, url, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.get, url).status == .unauthorized)
            let forged = url.replacingOccurrences(of: "sig=", with: "sig=x")
            #expect(try await client.request(.get, forged, token: artist.accessToken).status == .forbidden)
            let expired = "/api/v1/me/exports/\(ready.id)/download?expires=\(Int(Date().timeIntervalSince1970) - 1)&sig=abc"
            let gone = try await client.request(.get, expired, token: artist.accessToken)
            #expect(gone.status == .gone)
            #expect(try gone.problem().code == "export_expired")

            let download = try await client.request(.get, url, token: artist.accessToken)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/zip")
            #expect(download.body.readableBytes == ready.byteCount)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)", isDirectory: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(buffer: download.body).write(to: folder.appendingPathComponent("export.zip"))
            let unzipped = try await Subprocess.run("unzip", ["-q", folder.appendingPathComponent("export.zip").path, "-d", folder.appendingPathComponent("x").path])
            #expect(unzipped.succeeded)
            let root = folder.appendingPathComponent("x")
            let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
            #expect(readme.contains("data/tracks.json"))

            let users = try rows(root, "users")
            #expect(users.count == 1)
            #expect(users.first?["username"] as? String == "nova")
            #expect(users.first?["password_hash"] as? String == "(redacted)")
            let tracks = try rows(root, "tracks")
            #expect(tracks.map { $0["id"] as? String } == [track.id], "\(tracks.first?["id"] ?? "none")")
            let said = try rows(root, "messages").compactMap { $0["body"] as? String }
            #expect(said == ["thanks for listening"])
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("data/blocks.json").path))
            let originals = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("files/tracks").path)
            #expect(originals.count == 1 && originals.first?.hasPrefix(track.id) == true)
        }
    }

    private func waitUntilReady(_ client: some TestClientProtocol, token: String) async throws -> Schemas.DataExport {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let list = try await client.request(.get, "/api/v1/me/exports", token: token).decode(Schemas.DataExportList.self)
            if let first = list.items.first, first.status != .pending { return first }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the export was not built in five minutes")
        throw CancellationError()
    }

    private func rows(_ root: URL, _ table: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: root.appendingPathComponent("data/\(table).json"))
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }
}
