import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Library import")
struct ImportTests {
    @Test("imports a folder recursively, reports and skips bad files, and skips what is in already on a second run")
    func importFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("based-import-\(UUID().uuidString)")
        let nested = folder.appendingPathComponent("Album Eins/CD 1", isDirectory: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(try await makeAudio(seconds: 2, format: "mp3", frequency: 330)).write(to: folder.appendingPathComponent("one.mp3"))
        try Data(try await makeAudio(seconds: 2, format: "flac", frequency: 550)).write(to: nested.appendingPathComponent("Zwei – 東京.flac"))
        try Data("not music".utf8).write(to: nested.appendingPathComponent("liner notes.mp3"))
        try Data("cover".utf8).write(to: nested.appendingPathComponent("cover.jpg"))
        try Data(try await makeAudio(seconds: 2)).write(to: folder.appendingPathComponent(".hidden.mp3"))

        try await withApp({ $0.workers = 0 }) { client, services in
            let ana = try await client.register("ana", role: "artist")
            let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(ProfileBody.self)
            let identity = Identity(userID: UUID(uuidString: me.id)!, sessionID: UUID(), username: "ana", role: .artist)
            let files = try LibraryImport.audioFiles(in: folder)
            #expect(files.map(\.lastPathComponent).sorted() == ["Zwei – 東京.flac", "liner notes.mp3", "one.mp3"])

            let first = await LibraryImport(services: services).run(files, artist: identity, concurrency: 2)
            #expect(first.imported == 2)
            #expect(first.alreadyImported == 0)
            #expect(first.failed.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["liner notes.mp3"])

            let second = await LibraryImport(services: services).run(files, artist: identity, concurrency: 2)
            #expect(second.imported == 0)
            #expect(second.alreadyImported == 2)
            #expect(second.failed.count == 1)
            let count = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(count == 2)
            let jobs = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM jobs").first(decodingColumn: "n", as: Int.self)
            #expect(jobs == 2)
        }
    }
}
