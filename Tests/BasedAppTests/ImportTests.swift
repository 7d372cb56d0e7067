import BasedAPI
import BasedApp
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Library import", .serialized)
struct ImportTests {
    @Test("the audio files of a folder are found recursively, hidden ones left out")
    func findsFiles() async throws {
        try await withLibrary { folder in
            let files = try LibraryImport.audioFiles(in: folder)
            #expect(files.map(\.lastPathComponent).sorted() == ["Zwei – 東京.flac", "liner notes.mp3", "one.mp3"])
        }
    }

    @Test("an import takes in the audio and reports the files it could not")
    func importFolder() async throws {
        try await withLibrary { folder in
            try await withApp({ $0.workers = 0 }) { client, services in
                let identity = try await artist(client)
                let files = try LibraryImport.audioFiles(in: folder)
                let first = await LibraryImport(services: services).run(files, artist: identity, concurrency: 2)
                #expect(first.imported == 2)
                #expect(first.alreadyImported == 0)
                #expect(first.failed.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["liner notes.mp3"])
                #expect(try await rowCount("tracks", services) == 2)
                #expect(try await rowCount("jobs", services) == 2)
            }
        }
    }

    @Test("a second import of the same folder skips what is in already")
    func importAgain() async throws {
        try await withLibrary { folder in
            try await withApp({ $0.workers = 0 }) { client, services in
                let identity = try await artist(client)
                let files = try LibraryImport.audioFiles(in: folder)
                _ = await LibraryImport(services: services).run(files, artist: identity, concurrency: 2)
                let second = await LibraryImport(services: services).run(files, artist: identity, concurrency: 2)
                #expect(second.imported == 0)
                #expect(second.alreadyImported == 2)
                #expect(second.failed.count == 1)
                #expect(try await rowCount("tracks", services) == 2)
                #expect(try await rowCount("jobs", services) == 2)
            }
        }
    }

    /// A folder with two tunes (one nested, with a Unicode name), a file that is not music, a cover and a hidden file.
    private func withLibrary(_ body: (URL) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("based-import-\(UUID().uuidString)")
        let nested = folder.appendingPathComponent("Album Eins/CD 1", isDirectory: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(try await makeAudio(seconds: 2, format: "mp3", frequency: 330)).write(to: folder.appendingPathComponent("one.mp3"))
        try Data(try await makeAudio(seconds: 2, format: "flac", frequency: 550)).write(to: nested.appendingPathComponent("Zwei – 東京.flac"))
        try Data("not music".utf8).write(to: nested.appendingPathComponent("liner notes.mp3"))
        try Data("cover".utf8).write(to: nested.appendingPathComponent("cover.jpg"))
        try Data(try await makeAudio(seconds: 2)).write(to: folder.appendingPathComponent(".hidden.mp3"))
        try await body(folder)
    }

    /// Ana, an artist, as the import acts for her.
    private func artist(_ client: any TestClientProtocol) async throws -> Identity {
        let ana = try await client.register("ana", role: "artist")
        let me = try await client.request(.get, "/api/v1/me", token: ana.accessToken).decode(Schemas.PrivateProfile.self)
        return Identity(userID: try #require(UUID(uuidString: me.id)), sessionID: UUID(), username: "ana", role: .artist)
    }
}
