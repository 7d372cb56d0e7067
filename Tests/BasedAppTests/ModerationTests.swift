import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Moderation: names refused, messages masked, borderline flagged, spam held back")
struct ModerationTests {
    @Test("a username or title with a blocked word is refused with 422 inappropriate_text, however disguised, and nothing is stored")
    func namesRefused() async throws {
        try await withApp { client, services in
            let refused = try await client.request(.post, "/api/v1/auth/register", json: """
                {"username":"sh1t_head","email":"x@example.org","password":"correct horse battery","role":"listener","displayName":"Nice Name"}
                """)
            // "sh1t_head": the underscore joins, so the word is "shithead" (listed in English).
            #expect(refused.status == .unprocessableContent)
            #expect(try refused.problem().code == "inappropriate_text")
            let display = try await client.request(.post, "/api/v1/auth/register", json: """
                {"username":"calm","email":"calm@example.org","password":"correct horse battery","role":"listener","displayName":"F.U.C.K off"}
                """)
            #expect(display.status == .unprocessableContent)
            #expect(try display.problem().fields?.map(\.field) == ["displayName"])
            #expect(try await rowCount("users", services) == 0)

            let artist = try await client.register("artist", role: "artist")
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Sh\u0456t Storm"}"#, token: artist.accessToken)
            #expect(release.status == .unprocessableContent)
            #expect(try release.problem().code == "inappropriate_text")
            let playlist = try await client.request(.post, "/api/v1/playlists", json: #"{"title":"fuuuuck mondays"}"#, token: artist.accessToken)
            #expect(playlist.status == .unprocessableContent)
            #expect(try await rowCount("releases", services) == 0)
            #expect(try await rowCount("playlists", services) == 0)

            // Ordinary names that contain a listed word's letters pass untouched.
            let fine = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Bass Class at Scunthorpe"}"#, token: artist.accessToken)
            #expect(fine.status == .created)
        }
    }

    @Test("messages and comments keep their text with blocked words masked; borderline text is stored as written and flagged")
    func masked() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let sent = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m1","text":"that gig was sh1t, honestly"}"#, token: ana.accessToken)
            #expect(sent.status == .created)
            #expect(try sent.decode(Schemas.SentMessage.self).message.text == "that gig was ****, honestly")

            let (_, track) = try await client.readyTrack()
            let comment = try await client.request(.post, "/api/v1/tracks/\(track.id)/comments", json: #"{"text":"what the FUCK, this is good"}"#, token: ana.accessToken)
            #expect(try comment.decode(Schemas.Comment.self).text == "what the ****, this is good")

            // Borderline: a mild word, and a listed word inside a longer one. Kept, flagged once per thing and field.
            let mild = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"m2","text":"sex pistols tribute tonight"}"#, token: ana.accessToken)
            #expect(try mild.decode(Schemas.SentMessage.self).message.text == "sex pistols tribute tonight")
            let playlist = try await client.request(.post, "/api/v1/playlists", json: #"{"title":"Shitgaze classics"}"#, token: ana.accessToken)
            #expect(playlist.status == .created)

            let admin = try await signInAdmin(client, services)
            let page = try await client.request(.get, "/api/v1/admin/moderation/flags", token: admin.accessToken).decode(Schemas.ModerationFlagPage.self)
            #expect(Set(page.items.map(\.kind)) == [.message, .playlist])
            let flag = try #require(page.items.first { $0.kind == .playlist })
            #expect(flag.field == "title" && flag.terms == ["shit"] && flag.excerpt == "Shitgaze classics")
            #expect(flag.authorId == ana.user.id)

            // Resolving takes it off the open list; a second time is a 409; an unknown id is a 404.
            let resolved = try await client.request(.post, "/api/v1/admin/moderation/flags/\(flag.id)/resolve", token: admin.accessToken)
            #expect(try resolved.decode(Schemas.ModerationFlag.self).resolvedBy != nil)
            #expect(try await client.request(.post, "/api/v1/admin/moderation/flags/\(flag.id)/resolve", token: admin.accessToken).status == .conflict)
            #expect(try await client.request(.post, "/api/v1/admin/moderation/flags/\(UUID())/resolve", token: admin.accessToken).status == .notFound)
            let open = try await client.request(.get, "/api/v1/admin/moderation/flags", token: admin.accessToken).decode(Schemas.ModerationFlagPage.self)
            #expect(open.items.map(\.kind) == [.message])
            let done = try await client.request(.get, "/api/v1/admin/moderation/flags?resolved=true", token: admin.accessToken).decode(Schemas.ModerationFlagPage.self)
            #expect(done.items.map(\.id) == [flag.id])
        }
    }

    @Test("only admins see or resolve the queue; bad paging is a 422")
    func adminsOnly() async throws {
        try await withApp { client, services in
            let ana = try await client.register("ana")
            _ = try await client.request(.post, "/api/v1/playlists", json: #"{"title":"Shitgaze classics"}"#, token: ana.accessToken)
            let listed = try await client.request(.get, "/api/v1/admin/moderation/flags", token: ana.accessToken)
            #expect(listed.status == .forbidden)
            #expect(try listed.problem().code == "admin_only")
            #expect(try await client.request(.get, "/api/v1/admin/moderation/flags").status == .unauthorized)
            let admin = try await signInAdmin(client, services)
            let flags = try await client.request(.get, "/api/v1/admin/moderation/flags", token: admin.accessToken).decode(Schemas.ModerationFlagPage.self)
            let id = try #require(flags.items.first?.id)
            #expect(try await client.request(.post, "/api/v1/admin/moderation/flags/\(id)/resolve", token: ana.accessToken).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/admin/moderation/flags?limit=0", token: admin.accessToken).status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/admin/moderation/flags?cursor=nope", token: admin.accessToken).status == .badRequest)
        }
    }

    @Test("the same pitch into many conversations is held back with 429 and Retry-After; other people are not")
    func spam() async throws {
        try await withApp { client, _ in
            let spammer = try await client.register("spammer")
            var targets: [SessionBody] = []
            for index in 0..<7 { targets.append(try await client.register("fan\(index)")) }
            var statuses: [HTTPResponse.Status] = []
            var last: TestResponse?
            for (index, target) in targets.enumerated() {
                let response = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(target.user.id)","clientMessageId":"p\#(index)","text":"cheap tickets for every show at my site"}"#, token: spammer.accessToken)
                statuses.append(response.status)
                last = response
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .created })
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests })
            #expect(try last?.problem().code == "repeated_message")
            #expect(last?.headers[.retryAfter] != nil)
            // A fan saying the same short thing to many people is fine.
            for (index, target) in targets.enumerated() {
                let response = try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(target.user.id)","clientMessageId":"s\#(index)","text":"see you there"}"#, token: targets[0].accessToken)
                if target.user.id != targets[0].user.id { #expect(response.status == .created) }
            }
        }
    }

    @Test("past BASED_MESSAGE_FLOOD messages in 10 seconds a sender gets 429 message_flood; nothing more is stored")
    func flood() async throws {
        // An hour's window: however slow the machine, the five sends fall inside it.
        try await withApp({ $0.messageFlood = 3; $0.messageFloodWindow = .seconds(3600) }) { client, services in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<5 {
                statuses.append(try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ben.user.id)","clientMessageId":"f\#(index)","text":"n\#(index)"}"#, token: ana.accessToken).status)
            }
            #expect(statuses == [.created, .created, .created, .tooManyRequests, .tooManyRequests])
            #expect(try await rowCount("messages", services) == 3)
            // Ben is not held up by Ana's flood.
            #expect(try await client.request(.post, "/api/v1/messages", json: #"{"to":"\#(ana.user.id)","clientMessageId":"b","text":"slow down"}"#, token: ben.accessToken).status == .created)
        }
    }

}
