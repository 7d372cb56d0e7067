import BasedAPI
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Synchronization
import Testing

@Suite("Privacy: erasure", .serialized)
struct ErasureTests {
    @Test("erasure needs the password, waits out its grace period, can be cancelled, and is the caller's own")
    func requestAndCancel() async throws {
        try await withApp { client, services in
            let zed = try await client.register("zed")
            let ana = try await client.register("ana")

            let bare = try await client.request(.post, "/api/v1/me/erasure", json: "{}", token: zed.accessToken)
            #expect(bare.status == .unprocessableContent)
            let empty = try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":""}"#, token: zed.accessToken)
            #expect(empty.status == .unprocessableContent)
            let wrong = try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":"not my password"}"#, token: zed.accessToken)
            #expect(wrong.status == .forbidden)
            #expect(try wrong.problem().code == "reauthentication_failed")
            #expect(try await client.request(.get, "/api/v1/me/erasure", token: zed.accessToken).status == .noContent)
            #expect(try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":"correct horse battery"}"#).status == .unauthorized)

            let asked = try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":"correct horse battery"}"#, token: zed.accessToken)
            #expect(asked.status == .accepted)
            let erasure = try asked.decode(Schemas.Erasure.self)
            #expect(erasure.status == .scheduled)
            #expect(abs(erasure.eraseAt.timeIntervalSince(erasure.requestedAt) - 7 * 86_400) < 1)
            let job = try #require(try await services.jobs.jobs(kind: AccountErasureJob.kind).first)
            #expect(job.runAt >= erasure.eraseAt.addingTimeInterval(-1))

            let again = try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":"correct horse battery"}"#, token: zed.accessToken)
            #expect(again.status == .conflict)
            #expect(try again.problem().code == "erasure_scheduled")
            #expect(try await client.request(.get, "/api/v1/me/erasure", token: zed.accessToken).decode(Schemas.Erasure.self).id == erasure.id)
            // Another user neither sees nor cancels it.
            #expect(try await client.request(.get, "/api/v1/me/erasure", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/me/erasure", token: ana.accessToken).status == .notFound)

            // Before the grace period ends the job does nothing.
            let id = try #require(UUID(uuidString: erasure.id))
            try await services.erasures.erase(id)
            #expect(try await services.accounts.user(username: "zed") != nil)

            #expect(try await client.request(.delete, "/api/v1/me/erasure", token: zed.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me/erasure", token: zed.accessToken).status == .noContent)
            #expect(try await client.request(.delete, "/api/v1/me/erasure", token: zed.accessToken).status == .notFound)
            // A cancelled request stays cancelled when its time comes.
            try await services.erasures.erase(id, now: Date().addingTimeInterval(8 * 86_400))
            #expect(try await services.accounts.user(username: "zed") != nil)
            #expect(try await client.signIn("zed").user.username == "zed")
        }
    }

    @Test("an erased account leaves no trace: uploads, files, likes, follows, sessions go; messages become tombstones; plays stay counted; a crash mid-way resumes")
    func erase() async throws {
        try await withApp { client, services in
            let (zed, track) = try await client.readyTrack("zedvoxerasable")
            let (nova, novaTrack) = try await client.readyTrack("novaother", seconds: 3)
            let ana = try await client.register("ana")
            let zedID = try #require(UUID(uuidString: zed.user.id))
            let trackID = try #require(UUID(uuidString: track.id))
            let zedTrack = try #require(try await services.tracks.track(id: trackID))
            let original = services.blobs.original(hash: zedTrack.originalHash)
            #expect(FileManager.default.fileExists(atPath: original.path))

            // What zed does: follows, likes, plays nova's track, comments (ana replies), a playlist, messages with reactions.
            #expect(try await client.request(.put, "/api/v1/users/novaother/follow", token: zed.accessToken).status.code < 300)
            #expect(try await client.request(.put, "/api/v1/users/zedvoxerasable/follow", token: ana.accessToken).status.code < 300)
            #expect(try await client.request(.put, "/api/v1/me/likes/tracks/\(novaTrack.id)", token: zed.accessToken).status == .ok)
            #expect(try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: ana.accessToken).status == .ok)
            let plays = """
                {"events":[{"playId":"z1","trackId":"\(novaTrack.id)","event":"start","positionSeconds":0,"at":"\(iso(Date()))","device":"zed's phone"},
                {"playId":"z2","trackId":"\(novaTrack.id)","event":"start","positionSeconds":0,"at":"\(iso(Date()))","device":"zed's phone"}]}
                """
            #expect(try await client.request(.post, "/api/v1/plays", json: plays, token: zed.accessToken).status == .ok)
            let anaPlay = #"{"events":[{"playId":"a1","trackId":"\#(novaTrack.id)","event":"start","positionSeconds":0,"at":"\#(iso(Date()))"}]}"#
            #expect(try await client.request(.post, "/api/v1/plays", json: anaPlay, token: ana.accessToken).status == .ok)
            let novaTrackID = try #require(UUID(uuidString: novaTrack.id))
            let countsBefore = try await services.plays.counts(track: novaTrackID)
            #expect(countsBefore.plays == 3)

            let comment = try await client.request(.post, "/api/v1/tracks/\(novaTrack.id)/comments", json: #"{"text":"zed was here","atSeconds":1}"#, token: zed.accessToken)
                .decode(Schemas.Comment.self)
            let lonely = try await client.request(.post, "/api/v1/tracks/\(novaTrack.id)/comments", json: #"{"text":"nobody answers","atSeconds":1}"#, token: zed.accessToken)
                .decode(Schemas.Comment.self)
            _ = try await client.request(.post, "/api/v1/tracks/\(novaTrack.id)/comments", json: #"{"text":"ana replies","parentId":"\#(comment.id)"}"#, token: ana.accessToken)
            let playlist = try await client.request(.post, "/api/v1/playlists", json: #"{"title":"zed mix","visibility":"public","collaborative":false}"#, token: zed.accessToken)
            #expect(playlist.status == .created)

            let sent = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ana.user.id)","clientMessageId":"z-1","text":"hello from zed"}"#, token: zed.accessToken)
                .decode(Schemas.SentMessage.self)
            _ = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(zed.user.id)","clientMessageId":"a-1","text":"hi zed"}"#, token: ana.accessToken)
            _ = try await client.request(.put, "/api/v1/conversations/\(sent.conversationId)/messages/2/reactions/%F0%9F%94%A5", token: zed.accessToken)
            _ = try await client.request(.put, "/api/v1/conversations/\(sent.conversationId)/messages/1/reactions/%F0%9F%94%A5", token: ana.accessToken)

            let needles = [zedID.text, "zedvoxerasable@example.org", "zedvoxerasable"]
            #expect(try await traces(of: needles, in: services.database).count >= 20, "the scan finds zed before")
            let before = try await client.request(.get, "/api/v1/search?q=zedvoxerasable", token: ana.accessToken).decode(Schemas.SearchResults.self)
            #expect(before.artists?.items.map(\.username) == ["zedvoxerasable"])

            let asked = try await client.request(.post, "/api/v1/me/erasure", json: #"{"password":"correct horse battery"}"#, token: zed.accessToken)
                .decode(Schemas.Erasure.self)
            let id = try #require(UUID(uuidString: asked.id))
            let later = Date().addingTimeInterval(7 * 86_400 + 60)

            // A crash after the comments step: the next run starts at plays, and cancelling is too late.
            struct Crash: Error {}
            var crashing = services.erasures
            crashing.afterStep = { step in if step == .comments { throw Crash() } }
            await #expect(throws: Crash.self) { try await crashing.erase(id, now: later) }
            #expect(try await services.accounts.user(id: zedID) != nil)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/me/erasure", token: zed.accessToken).status == .unauthorized, "sessions ended first")
            let zedIdentity = Identity(userID: zedID, sessionID: UUID(), username: "zedvoxerasable", role: .artist)
            await #expect(throws: AppError.self) { try await services.erasures.cancel(zedIdentity) }
            let seen = Mutex<[ErasureService.Step]>([])
            var resuming = services.erasures
            resuming.afterStep = { step in seen.withLock { $0.append(step) } }
            try await resuming.erase(id, now: later)
            let resumed = seen.withLock { $0 }
            #expect(resumed.first == .plays)
            #expect(resumed.last == .avatar)
            // A third run (the job retried after the last step) finds nothing to do.
            try await services.erasures.erase(id, now: later)

            // Gone: the account, its sign-in, its track and files; search forgets it.
            #expect(try await services.accounts.user(id: zedID) == nil)
            let signIn = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"zedvoxerasable","password":"correct horse battery"}"#)
            #expect(signIn.status == .unauthorized)
            #expect(!FileManager.default.fileExists(atPath: original.path))
            #expect(!FileManager.default.fileExists(atPath: services.blobs.renditions(track: track.id).path))
            #expect(try await client.request(.get, "/api/v1/users/zedvoxerasable").status == .notFound)
            let found = try await client.request(.get, "/api/v1/search?q=zedvoxerasable", token: ana.accessToken).decode(Schemas.SearchResults.self)
            #expect((found.artists?.items ?? []).isEmpty && (found.playlists?.items ?? []).isEmpty)

            // Kept: ana's words, zed's message as a tombstone from "Deleted user", nova's play count, ana's reply.
            let history = try await client.request(.get, "/api/v1/conversations/\(sent.conversationId)/messages", token: ana.accessToken)
            let page = try history.decode(Schemas.MessagePage.self)
            let first = try #require(page.items.first { $0.seq == 1 })
            #expect(first.text == nil && first.deleted)
            #expect(first.senderId == User.erasedID.text)
            #expect(first.reactions.isEmpty)
            let second = try #require(page.items.first { $0.seq == 2 })
            #expect(second.text == "hi zed")
            #expect(second.reactions.isEmpty, "zed's reaction left ana's message")
            #expect(try await services.plays.counts(track: novaTrackID).plays == countsBefore.plays)
            let thread = try await client.request(.get, "/api/v1/tracks/\(novaTrack.id)/comments", token: nova.accessToken)
            let text = String(buffer: thread.body)
            #expect(text.contains("ana replies") && !text.contains("zed was here") && !text.contains("nobody answers"))
            #expect(!text.contains(lonely.id))

            // No row anywhere names zed: not his id, email or username.
            let traces = try await traces(of: needles, in: services.database)
            #expect(traces.isEmpty, "\(traces)")
        }
    }

    /// Every table and column (read from the schema) whose text holds one of `needles`, ignoring case.
    private func traces(of needles: [String], in database: Database) async throws -> [String] {
        var columns: [(table: String, column: String, type: String)] = []
        switch database.dialect {
        case .sqlite:
            let tables = try await database.sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .all().map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                for row in try await database.sql.raw("SELECT name, type FROM pragma_table_info(\(bind: table))").all() {
                    columns.append((table, try row.decode(column: "name", as: String.self), try row.decode(column: "type", as: String.self)))
                }
            }
        case .postgres:
            for row in try await database.sql.raw("""
                SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
                JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                """).all() {
                columns.append((
                    try row.decode(column: "table_name", as: String.self), try row.decode(column: "column_name", as: String.self),
                    try row.decode(column: "data_type", as: String.self)
                ))
            }
        }
        #expect(columns.count > 100, "the schema was read")
        var found: [String] = []
        for (table, column, type) in columns {
            let text = database.dialect == .postgres && type == "bytea" ? "encode(\(column), 'escape')" : "CAST(\(column) AS TEXT)"
            for needle in needles {
                let hits = try await database.sql.raw("""
                    SELECT COUNT(*) AS n FROM \(ident: table) WHERE LOWER(\(unsafeRaw: text)) LIKE \(bind: "%\(needle.lowercased())%")
                    """).first(decodingColumn: "n", as: Int.self) ?? 0
                if hits > 0 { found.append("\(table).\(column) holds \(needle) (\(hits) rows)") }
            }
        }
        return found
    }
}
