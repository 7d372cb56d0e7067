import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Reports: the queue, decisions, appeals and the audit log", .serialized)
struct ReportTests {
    @Test("a release reported twice is one case; a moderator hides it, the artist is told and appeals once, the decision is reversed, and the audit log verifies until tampered with")
    func endToEnd() async throws {
        try await withApp { client, services in
            let artist = try await client.register("nova", role: "artist")
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let mod = try await client.register("mona")
            let admin = try await signInAdmin(client, services)
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Harbour Lights"}"#, token: artist.accessToken)
                .decode(Schemas.Release.self)

            let first = try await client.request(.post, "/api/v1/reports", json: report("release", release.id, "spam"), token: ana.accessToken)
            #expect(first.status == .created)
            let receipt = try first.decode(Schemas.ReportReceipt.self)
            #expect(receipt.merged == false)
            let second = try await client.request(.post, "/api/v1/reports", json: report("release", release.id, "copyright"), token: ben.accessToken)
                .decode(Schemas.ReportReceipt.self)
            #expect(second.caseId == receipt.caseId)
            #expect(second.merged == true)

            // The queue is for moderators: a listener is refused until an admin appoints them.
            #expect(try await client.request(.get, "/api/v1/admin/moderation/cases", token: mod.accessToken).status == .forbidden)
            #expect(try await client.request(.put, "/api/v1/admin/moderators/\(mod.user.id)", token: ana.accessToken).status == .forbidden)
            #expect(try await client.request(.put, "/api/v1/admin/moderators/\(mod.user.id)", token: admin.accessToken).status == .noContent)
            let queue = try await client.request(.get, "/api/v1/admin/moderation/cases?kind=release", token: mod.accessToken)
                .decode(Schemas.ModerationCasePage.self)
            #expect(queue.items.map(\.id) == [receipt.caseId])
            #expect(queue.items.first?.reportCount == 2)
            #expect(queue.items.first?.excerpt == "Harbour Lights")
            #expect(try await client.request(.get, "/api/v1/admin/moderation/cases?reason=hate", token: mod.accessToken)
                .decode(Schemas.ModerationCasePage.self).items.isEmpty)
            let detail = try await client.request(.get, "/api/v1/admin/moderation/cases/\(receipt.caseId)", token: mod.accessToken)
                .decode(Schemas.ModerationCaseDetail.self)
            #expect(Set(detail.reports.compactMap(\.reporterId)) == [ana.user.id, ben.user.id])

            // Hide: the release is gone for others, kept for its artist, who cannot republish it.
            let hidden = try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(receipt.caseId)/decision", json: #"{"action":"hide","reason":"Not your recording."}"#,
                token: mod.accessToken
            )
            #expect(hidden.status == .ok)
            #expect(try hidden.decode(Schemas.ModerationCase.self).status == .actioned)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: artist.accessToken).status == .ok)
            let republish = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"visibility":"public"}"#, token: artist.accessToken)
            #expect(republish.status == .conflict)
            #expect(try republish.problem().code == "taken_down")

            // The artist is told why, and sees the decision (never who reported it).
            let inbox = try await client.request(.get, "/api/v1/notifications", token: artist.accessToken).decode(Schemas.NotificationPage.self)
            #expect(inbox.items.contains { $0.kind == .moderation })
            let notices = try await client.request(.get, "/api/v1/moderation/notices", token: artist.accessToken).decode(Schemas.ModerationNoticePage.self)
            #expect(notices.items.map(\.caseId) == [receipt.caseId])
            #expect(notices.items.first?.reason == "Not your recording.")
            #expect(notices.items.first?.appealable == true)

            // One appeal, by the owner only.
            let appealPath = "/api/v1/moderation/notices/\(receipt.caseId)/appeal"
            #expect(try await client.request(.post, appealPath, json: #"{"text":"It is mine."}"#, token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.post, appealPath, json: #"{"text":""}"#, token: artist.accessToken).status == .unprocessableContent)
            let appealed = try await client.request(.post, appealPath, json: #"{"text":"I recorded it myself; here are the stems."}"#, token: artist.accessToken)
            #expect(try appealed.decode(Schemas.ModerationNotice.self).status == .appealed)
            let again = try await client.request(.post, appealPath, json: #"{"text":"Please."}"#, token: artist.accessToken)
            #expect(again.status == .conflict)
            #expect(try again.problem().code == "already_appealed")

            // An appealed case takes uphold or reverse; reversing restores the release.
            let decide = "/api/v1/admin/moderation/cases/\(receipt.caseId)/decision"
            let wrong = try await client.request(.post, decide, json: #"{"action":"ban","reason":"x"}"#, token: mod.accessToken)
            #expect(wrong.status == .conflict)
            #expect(try wrong.problem().code == "wrong_decision")
            let reversed = try await client.request(.post, decide, json: #"{"action":"reverse","reason":"The stems check out."}"#, token: mod.accessToken)
            #expect(try reversed.decode(Schemas.ModerationCase.self).status == .closed)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: ana.accessToken).status == .ok)
            #expect(try await client.request(.post, decide, json: #"{"action":"uphold","reason":"x"}"#, token: mod.accessToken).status == .conflict)

            // The audit log: hide, appeal, reverse, chained; admins only.
            #expect(try await client.request(.get, "/api/v1/admin/audit", token: mod.accessToken).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/admin/audit/verify", token: mod.accessToken).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/admin/audit?after=-1", token: admin.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.put, "/api/v1/admin/moderators/\(UUID())", token: admin.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/admin/moderation/cases/\(UUID())", token: mod.accessToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/moderation/notices", token: ana.accessToken)
                .decode(Schemas.ModerationNoticePage.self).items.isEmpty)
            let audit = try await client.request(.get, "/api/v1/admin/audit", token: admin.accessToken).decode(Schemas.AuditPage.self)
            #expect(audit.items.map(\.action) == ["hide", "appeal", "reverse"])
            #expect(audit.items.map(\.seq) == [1, 2, 3])
            #expect(audit.items.dropFirst().map(\.previousHash) == audit.items.dropLast().map(\.hash))
            var verified = try await client.request(.get, "/api/v1/admin/audit/verify", token: admin.accessToken).decode(Schemas.AuditVerification.self)
            #expect(verified.intact && verified.entries == 3 && verified.head == audit.items.last?.hash)

            // Append-only: the database refuses changes; with the guard dropped, a change shows.
            await #expect(throws: (any Error).self) {
                try await services.database.sql.raw("UPDATE moderation_audit SET action = 'dismiss' WHERE seq = 1").run()
            }
            await #expect(throws: (any Error).self) {
                try await services.database.sql.raw("DELETE FROM moderation_audit WHERE seq = 3").run()
            }
            if services.database.dialect == .postgres {
                try await services.database.sql.raw("DROP TRIGGER moderation_audit_append_only ON moderation_audit").run()
            } else {
                try await services.database.sql.raw("DROP TRIGGER moderation_audit_no_update").run()
            }
            try await services.database.sql.raw("UPDATE moderation_audit SET entry = replace(entry, 'stems', 'STEMS') WHERE seq = 2").run()
            verified = try await client.request(.get, "/api/v1/admin/audit/verify", token: admin.accessToken).decode(Schemas.AuditVerification.self)
            #expect(!verified.intact)
            #expect(verified.brokenAt == 2)
            #expect(verified.entries == 1)
            #expect(verified.problem == .hashMismatch)
        }
    }

    @Test("bad reports: unseen, unknown, private, one's own, twice, unknown kinds and reasons, and oversize details change nothing")
    func badReports() async throws {
        try await withApp { client, services in
            let artist = try await client.register("nova", role: "artist")
            let ana = try await client.register("ana")
            let hidden = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Secret","visibility":"private"}"#, token: artist.accessToken)
                .decode(Schemas.Release.self)
            let open = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Open"}"#, token: artist.accessToken).decode(Schemas.Release.self)

            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", hidden.id, "spam"), token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("track", UUID().uuidString, "spam"), token: ana.accessToken).status == .notFound)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("user", UUID().uuidString, "spam"), token: ana.accessToken).status == .notFound)
            let own = try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "spam"), token: artist.accessToken)
            #expect(own.status == .unprocessableContent)
            #expect(try own.problem().code == "own_content")
            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "spam")).status == .unauthorized)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("song", open.id, "spam"), token: ana.accessToken).status.code / 100 == 4)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "boring"), token: ana.accessToken).status.code / 100 == 4)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", "not-a-uuid", "spam"), token: ana.accessToken).status.code / 100 == 4)
            let long = String(repeating: "x", count: 2001)
            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "spam", details: long), token: ana.accessToken).status == .unprocessableContent)
            #expect(try await rowCount("moderation_cases", services) == 0)

            #expect(try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "spam"), token: ana.accessToken).status == .created)
            let twice = try await client.request(.post, "/api/v1/reports", json: report("release", open.id, "hate"), token: ana.accessToken)
            #expect(twice.status == .conflict)
            #expect(try twice.problem().code == "already_reported")
            #expect(try await rowCount("moderation_reports", services) == 1)
        }
    }

    @Test("a suspension signs the user out at once and refuses sign-in until reversed; a ban too; the refusal carries a one-time appeal; moderators never decide about themselves")
    func suspensionsAndBans() async throws {
        try await withApp { client, services in
            let troll = try await client.register("troll")
            let ana = try await client.register("ana")
            let mod = try await client.register("mona")
            let admin = try await signInAdmin(client, services)
            _ = try await client.request(.put, "/api/v1/admin/moderators/\(mod.user.id)", token: admin.accessToken)

            let filed = try await client.request(.post, "/api/v1/reports", json: report("user", troll.user.id, "harassment", details: "sent me threats"), token: ana.accessToken)
                .decode(Schemas.ReportReceipt.self)
            let decide = "/api/v1/admin/moderation/cases/\(filed.caseId)/decision"
            let hide = try await client.request(.post, decide, json: #"{"action":"hide","reason":"x"}"#, token: mod.accessToken)
            #expect(hide.status == .unprocessableContent)
            #expect(try await client.request(.post, decide, json: #"{"action":"suspend","reason":"Threats."}"#, token: mod.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.post, decide, json: #"{"action":"suspend","reason":"Threats.","days":400}"#, token: mod.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.post, decide, json: #"{"action":"suspend","reason":""}"#, token: mod.accessToken).status == .unprocessableContent)
            let suspended = try await client.request(.post, decide, json: #"{"action":"suspend","reason":"Threats.","days":3}"#, token: mod.accessToken)
            #expect(try suspended.decode(Schemas.ModerationCase.self).actionUntil != nil)

            #expect(try await client.request(.get, "/api/v1/me", token: troll.accessToken).status == .unauthorized)
            let signIn = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"troll","password":"correct horse battery"}"#)
            #expect(signIn.status == .forbidden)
            #expect(try signIn.problem().code == "account_suspended")
            let refresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(troll.refreshToken)"}"#)
            #expect(refresh.status.code / 100 == 4)

            // A moderator reported is not the one who decides.
            let aboutMod = try await client.request(.post, "/api/v1/reports", json: report("user", mod.user.id, "spam"), token: ana.accessToken)
                .decode(Schemas.ReportReceipt.self)
            let selfDecision = try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(aboutMod.caseId)/decision", json: #"{"action":"dismiss","reason":"Nothing here."}"#, token: mod.accessToken
            )
            #expect(selfDecision.status == .forbidden)
            #expect(try selfDecision.problem().code == "own_content")
            #expect(try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(aboutMod.caseId)/decision", json: #"{"action":"dismiss","reason":"Nothing here."}"#, token: admin.accessToken
            ).status == .ok)
            // A dismissed case has nothing to appeal, and is closed to decisions.
            #expect(try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(aboutMod.caseId)/decision", json: #"{"action":"warn","reason":"x"}"#, token: admin.accessToken
            ).status == .conflict)

            // A ban: the same, for good.
            let again = try await client.request(.post, "/api/v1/reports", json: report("user", troll.user.id, "hate"), token: ana.accessToken)
                .decode(Schemas.ReportReceipt.self)
            #expect(again.caseId != filed.caseId)
            _ = try await client.request(.post, "/api/v1/admin/moderation/cases/\(again.caseId)/decision", json: #"{"action":"ban","reason":"Hate speech."}"#, token: mod.accessToken)
            let signInTroll = { try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"troll","password":"correct horse battery"}"#) }
            let bannedProblem = try await signInTroll().problem()
            #expect(bannedProblem.code == "account_banned")
            // The refusal carries a link to appeal without a session (the password was right).
            let grant = try #require(bannedProblem.appeal)
            #expect(grant.caseId == again.caseId)
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"troll","password":"wrong horse battery"}"#).status == .unauthorized)
            func appeal(_ grant: Schemas.Problem.AppealPayload, sig: String? = nil, expires: Int? = nil, _ text: String) async throws -> TestResponse {
                try await client.request(.post, "/api/v1/moderation/appeals", json: """
                    {"caseId":"\(grant.caseId)","expires":\(expires ?? grant.expires),"sig":"\(sig ?? grant.sig)","text":"\(text)"}
                    """)
            }
            #expect(try await appeal(grant, sig: "x" + grant.sig, "Sorry.").status == .forbidden)
            #expect(try await appeal(grant, expires: Int(Date().timeIntervalSince1970) - 1, "Sorry.").status == .gone)
            #expect(try await appeal(grant, "I am sorry.").decode(Schemas.ModerationNotice.self).status == .appealed)
            #expect(try await appeal(grant, "Please.").status == .conflict)
            #expect(try await signInTroll().problem().appeal == nil)
            _ = try await client.request(.post, "/api/v1/admin/moderation/cases/\(again.caseId)/decision", json: #"{"action":"reverse","reason":"Second chance."}"#, token: admin.accessToken)
            // The suspension of the first case still holds, and its own appeal comes with the refusal.
            let suspendedProblem = try await signInTroll().problem()
            #expect(suspendedProblem.code == "account_suspended")
            let first = try #require(suspendedProblem.appeal)
            #expect(first.caseId == filed.caseId)
            #expect(try await appeal(first, "Sorry.").status == .ok)
            _ = try await client.request(.post, decide, json: #"{"action":"reverse","reason":"Lifted."}"#, token: admin.accessToken)
            #expect(try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"troll","password":"correct horse battery"}"#).status == .ok)
        }
    }

    @Test("reports of one thing filed at once make one case holding every report")
    func concurrentReports() async throws {
        try await withApp { client, services in
            let artist = try await client.register("nova", role: "artist")
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Open"}"#, token: artist.accessToken)
                .decode(Schemas.Release.self)
            var fans: [SessionBody] = []
            for index in 0..<8 { fans.append(try await client.register("fan\(index)")) }
            let json = report("release", release.id, "spam")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for fan in fans {
                    group.addTask { try await client.request(.post, "/api/v1/reports", json: json, token: fan.accessToken).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: .created, count: 8))
            #expect(try await rowCount("moderation_cases", services) == 1)
            #expect(try await rowCount("moderation_reports", services) == 8)
        }
    }

    @Test("a message is reported by a member of its conversation only; hiding it leaves a deleted message")
    func messages() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let cat = try await client.register("cat")
            let admin = try await signInAdmin(client, services)
            let sent = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m1","text":"buy followers cheap"}"#, token: ana.accessToken)
                .decode(Schemas.SentMessage.self)
            let json = #"{"kind":"message","id":"\#(sent.conversationId)","seq":\#(sent.seq),"reason":"spam"}"#
            #expect(try await client.request(.post, "/api/v1/reports", json: json, token: cat.accessToken).status == .notFound)
            let noSeq = #"{"kind":"message","id":"\#(sent.conversationId)","reason":"spam"}"#
            #expect(try await client.request(.post, "/api/v1/reports", json: noSeq, token: ben.accessToken).status == .unprocessableContent)
            let filed = try await client.request(.post, "/api/v1/reports", json: json, token: ben.accessToken).decode(Schemas.ReportReceipt.self)
            #expect(filed.seq == sent.seq)
            let decided = try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(filed.caseId)/decision", json: #"{"action":"hide","reason":"Spam."}"#, token: admin.accessToken
            )
            #expect(decided.status == .ok)
            let history = try await client.request(.get, "/api/v1/conversations/\(sent.conversationId)/messages", token: ben.accessToken)
                .decode(Schemas.MessagePage.self)
            #expect(history.items.first?.deleted == true)
            #expect(history.items.first?.text == nil)
        }
    }

    @Test("reversing on appeal brings back a removed comment with its replies, a removed message and a cancelled event")
    func reversalRestores() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let admin = try await signInAdmin(client, services)
            let comment = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"a harsh word"}"#, token: ana.accessToken)
                .decode(Schemas.Comment.self)
            let reply = try await client.request(
                .post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"agreed","parentId":"\#(comment.id)"}"#, token: ben.accessToken
            ).decode(Schemas.Comment.self)
            let sent = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m1","text":"meet at eight"}"#, token: ana.accessToken)
                .decode(Schemas.SentMessage.self)
            let (club, event) = try await client.publishBrassNight()

            // Each is reported, hidden, appealed by its owner, and the hiding reversed.
            let subjects: [(json: String, owner: SessionBody)] = [
                (report("comment", comment.id, "harassment"), ana),
                (#"{"kind":"message","id":"\#(sent.conversationId)","seq":\#(sent.seq),"reason":"spam"}"#, ana),
                (report("event", event.id, "spam"), club),
            ]
            var cases: [String] = []
            for subject in subjects {
                let reporter = subject.owner.user.id == ana.user.id ? ben : ana
                let receipt = try await client.request(.post, "/api/v1/reports", json: subject.json, token: reporter.accessToken).decode(Schemas.ReportReceipt.self)
                let decide = "/api/v1/admin/moderation/cases/\(receipt.caseId)/decision"
                #expect(try await client.request(.post, decide, json: #"{"action":"hide","reason":"Hidden."}"#, token: admin.accessToken).status == .ok)
                cases.append(receipt.caseId)
            }
            let comments = try await client.request(.get, "/api/v1/tracks/\(track.id)/comments").decode(Schemas.CommentPage.self)
            #expect(comments.items.isEmpty)
            let hidden = try await client.request(.get, "/api/v1/conversations/\(sent.conversationId)/messages", token: ben.accessToken).decode(Schemas.MessagePage.self)
            #expect(hidden.items.first?.deleted == true)
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self).status == .cancelled)

            for (caseID, subject) in zip(cases, subjects) {
                let appeal = "/api/v1/moderation/notices/\(caseID)/appeal"
                #expect(try await client.request(.post, appeal, json: #"{"text":"Please look again."}"#, token: subject.owner.accessToken).status == .ok)
                let decide = "/api/v1/admin/moderation/cases/\(caseID)/decision"
                #expect(try await client.request(.post, decide, json: #"{"action":"reverse","reason":"On reflection, fine."}"#, token: admin.accessToken).status == .ok)
            }
            let restored = try await client.request(.get, "/api/v1/tracks/\(track.id)/comments").decode(Schemas.CommentPage.self)
            #expect(restored.items.map(\.comment.id) == [comment.id])
            #expect(restored.items.first?.comment.text == "a harsh word")
            #expect(restored.items.first?.replies.map(\.id) == [reply.id])
            let back = try await client.request(.get, "/api/v1/conversations/\(sent.conversationId)/messages", token: ben.accessToken).decode(Schemas.MessagePage.self)
            #expect(back.items.first?.deleted != true)
            #expect(back.items.first?.text == "meet at eight")
            #expect(try await client.request(.get, "/api/v1/events/\(event.id)").decode(Schemas.Event.self).status == .scheduled)
            _ = nova
        }
    }

    private func report(_ kind: String, _ id: String, _ reason: String, details: String? = nil) -> String {
        #"{"kind":"\#(kind)","id":"\#(id)","reason":"\#(reason)"\#(details.map { #","details":\#(jsonString($0))"# } ?? "")}"#
    }
}
