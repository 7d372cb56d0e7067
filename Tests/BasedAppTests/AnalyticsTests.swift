import BasedAPI
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Analytics: artists' figures, rolled up by a job; the admin dashboard", .serialized)
struct AnalyticsTests {
    /// A play batch: `(playId, event, source?, at)` for one track.
    static func plays(_ track: String, _ events: [(String, String, String?, Date)]) -> String {
        let items = events.map { id, kind, source, at in
            #"{"playId":"\#(id)","trackId":"\#(track)","event":"\#(kind)","positionSeconds":1,"at":"\#(iso(at))"\#(source.map { #","source":"\#($0)""# } ?? "")}"#
        }
        return #"{"events":[\#(items.joined(separator: ","))]}"#
    }

    @Test("plays, listeners, completions, skips, sources and cities roll up once, however often a client sends its events")
    func listening() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            // A city with quotes, a backslash and accents goes through the rollup's JSON intact.
            #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"Zürich \"Nord\" \\ 1"}"#, token: ana.accessToken).status == .ok)
            let ben = try await client.register("ben")
            let now = Date()
            let anas = Self.plays(track.id, [
                ("a1", "start", "search", now), ("a1", "complete", nil, now),
                ("a2", "start", "playlist", now), ("a2", "skip", nil, now), ("a2", "skip", nil, now),
            ])
            for _ in 0..<2 { #expect(try await client.request(.post, "/api/v1/plays", json: anas, token: ana.accessToken).status == .ok) }
            #expect(try await client.request(.post, "/api/v1/plays", json: Self.plays(track.id, [("b1", "start", nil, now)]), token: ben.accessToken).status == .ok)
            try await services.analytics.rollUp()
            #expect(try await rowCount("analytics_facts", services) == 0)

            let report = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: nova.accessToken).decode(Schemas.ArtistAnalytics.self)
            #expect(report.totals.plays == 3)
            #expect(report.totals.listeners == 2)
            #expect(report.totals.completions == 1 && report.totals.skips == 1)
            #expect(abs(report.totals.completionRate - 1.0 / 3) < 1e-9)
            #expect(Dictionary(uniqueKeysWithValues: report.sources.map { ($0.source, $0.plays) }) == ["search": 1, "playlist": 1, "unknown": 1])
            #expect(report.cities.map { "\($0.city) \($0.plays) \($0.listeners)" } == [#"Zürich "Nord" \ 1 2 1"#])
            #expect(report.tracks.map { "\($0.trackId) \($0.plays) \($0.listeners)" } == ["\(track.id) 3 2"])
            // The last 30 days, one point a day, today's last.
            #expect(report.series.count == 30)
            #expect(report.series.last?.value2.start == AnalyticsDay.text(AnalyticsDay.day(of: now)))
            #expect(report.series.last?.value1.plays == 3)
            #expect(report.series.dropLast().allSatisfy { $0.value1.plays == 0 })
            // One track's figures: the same plays, no catalogue-only lists.
            let one = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)?trackId=\(track.id)", token: nova.accessToken)
                .decode(Schemas.ArtistAnalytics.self)
            #expect(one.totals.plays == 3 && one.totals.listeners == 2 && one.tracks.isEmpty && one.cities.isEmpty)
            // Raw plays are not read: the figures come from the aggregates alone.
            _ = try await services.database.sql.raw("DELETE FROM plays").run()
            let again = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: nova.accessToken).decode(Schemas.ArtistAnalytics.self)
            #expect(again.totals.plays == 3)
        }
    }

    @Test("likes, playlist adds, follows, RSVPs and check-ins count where they happen, once each")
    func engagement() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            for token in [ana.accessToken, ana.accessToken, ben.accessToken] {
                #expect(try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: token).status == .ok)
            }
            for _ in 0..<2 { #expect(try await client.request(.delete, "/api/v1/me/likes/tracks/\(track.id)", token: ben.accessToken).status == .ok) }
            let list = try await client.playlist("Mine", token: ana.accessToken)
            #expect(try await client.request(.post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":["\#(track.id)","\#(track.id)"]}"#, token: ana.accessToken).status == .ok)
            for token in [ana.accessToken, ana.accessToken, ben.accessToken] {
                #expect(try await client.request(.put, "/api/v1/users/nova/follow", token: token).status == .ok)
            }
            #expect(try await client.request(.delete, "/api/v1/users/nova/follow", token: ben.accessToken).status == .ok)

            let (club, event) = try await client.publishBrassNight()
            for status in ["going", "interested"] {
                #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"\#(status)"}"#, token: ana.accessToken).status == .ok)
            }
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: TicketTests.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self)
            let scan = #"{"code":\#(jsonString(ticket.code))}"#
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: club.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: club.accessToken).status == .conflict)
            try await services.analytics.rollUp()

            let figures = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: nova.accessToken)
                .decode(Schemas.ArtistAnalytics.self).totals
            #expect(figures.likes == 1, "two likes given, one taken back")
            #expect(figures.playlistAdds == 2)
            #expect(figures.followersGained == 2 && figures.followersLost == 1)
            let venue = try await client.request(.get, "/api/v1/analytics/artists/\(club.user.id)", token: club.accessToken)
                .decode(Schemas.ArtistAnalytics.self).totals
            #expect(venue.rsvps == 1, "changing an answer is not a second RSVP")
            #expect(venue.checkins == 1)
        }
    }

    @Test("an artist who accepted a place on the bill counts the event's RSVPs and check-ins; one merely invited does not")
    func billedArtists() async throws {
        try await withApp { client, services in
            let (club, event) = try await client.publishBrassNight()
            let band = try await client.register("band", role: "artist")
            let guest = try await client.register("guest", role: "artist")
            let fan = try await client.register("fan")
            let start = event.startsAt.addingTimeInterval(1800)
            for name in ["band", "guest"] {
                let invite = #"{"username":"\#(name)","setStartsAt":"\#(iso(start))","setEndsAt":"\#(iso(start.addingTimeInterval(3600)))"}"#
                #expect(try await client.request(.post, "/api/v1/events/\(event.id)/lineup", json: invite, token: club.accessToken).status == .created)
            }
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/lineup/me", json: #"{"accept":true}"#, token: band.accessToken).status == .ok)
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: fan.accessToken).status == .ok)
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: TicketTests.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: fan.accessToken).decode(Schemas.IssuedTicket.self)
            let scan = #"{"code":\#(jsonString(ticket.code))}"#
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: scan, token: club.accessToken).status == .ok)
            try await services.analytics.rollUp()

            for (account, expected) in [(club, 1), (band, 1), (guest, 0)] {
                let totals = try await client.request(.get, "/api/v1/analytics/artists/\(account.user.id)", token: account.accessToken)
                    .decode(Schemas.ArtistAnalytics.self).totals
                #expect(totals.rsvps == expected && totals.checkins == expected, "\(account.user.username)")
            }
        }
    }

    @Test("activity from before analytics existed is counted by the back-fill exactly as it was counted live, once, however many workers take a page")
    func backfill() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            #expect(try await client.request(.patch, "/api/v1/me", json: #"{"city":"Leeds"}"#, token: ana.accessToken).status == .ok)
            let ben = try await client.register("ben")
            let now = Date()
            let anas = Self.plays(track.id, [
                ("a1", "start", "search", now.addingTimeInterval(-3 * 86_400)), ("a1", "complete", nil, now.addingTimeInterval(-3 * 86_400)),
                ("a2", "start", "playlist", now), ("a2", "skip", nil, now),
            ])
            #expect(try await client.request(.post, "/api/v1/plays", json: anas, token: ana.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/plays", json: Self.plays(track.id, [("b1", "start", nil, now)]), token: ben.accessToken).status == .ok)
            #expect(try await client.request(.put, "/api/v1/me/likes/tracks/\(track.id)", token: ana.accessToken).status == .ok)
            let list = try await client.playlist("Mine", token: ana.accessToken)
            #expect(try await client.request(.post, "/api/v1/playlists/\(list.id)/tracks", json: #"{"trackIds":["\#(track.id)","\#(track.id)"]}"#, token: ana.accessToken).status == .ok)
            for token in [ana.accessToken, ben.accessToken] {
                #expect(try await client.request(.put, "/api/v1/users/nova/follow", token: token).status == .ok)
            }
            let (club, event) = try await client.publishBrassNight()
            #expect(try await client.request(.put, "/api/v1/events/\(event.id)/rsvp", json: #"{"status":"going"}"#, token: ana.accessToken).status == .ok)
            let tier = try await client.request(.post, "/api/v1/events/\(event.id)/tiers", json: TicketTests.tier(quantity: 10), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            let ticket = try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).decode(Schemas.IssuedTicket.self)
            #expect(try await client.request(.post, "/api/v1/events/\(event.id)/check-ins", json: #"{"code":\#(jsonString(ticket.code))}"#, token: club.accessToken).status == .ok)
            try await services.analytics.rollUp()

            func reports() async throws -> [Schemas.ArtistAnalytics] {
                var reports: [Schemas.ArtistAnalytics] = []
                for owner in [nova, club] {
                    var report = try await client.request(.get, "/api/v1/analytics/artists/\(owner.user.id)", token: owner.accessToken)
                        .decode(Schemas.ArtistAnalytics.self)
                    report.updatedAt = nil  // when the rollup last ran: not a figure
                    reports.append(report)
                }
                return reports
            }
            let live = try await reports()
            #expect(live[0].totals.plays == 3 && live[0].totals.likes == 1 && live[0].totals.playlistAdds == 2 && live[0].totals.followersGained == 2)
            #expect(live[1].totals.rsvps == 1 && live[1].totals.checkins == 1)

            // A new database had nothing from before analytics: its back-fill began finished.
            #expect(try await AnalyticsBackfillQueries.state(on: services.database.sql)?.finishedAt != nil)
            // As if all of it happened before analytics existed: no figures, the cutoff now.
            for table in ["analytics_facts", "analytics_days", "analytics_months", "analytics_sources", "analytics_cities", "analytics_city_months"] {
                _ = try await services.database.sql.raw("DELETE FROM \(unsafeRaw: table)").run()
            }
            _ = try await services.database.sql.raw("""
                UPDATE analytics_backfill SET cutoff = \(bind: Date().addingTimeInterval(1)), stage = 0, cursor = NULL, facts = 0, finished_at = NULL
                """).run()
            #expect(try await reports()[0].totals.plays == 0)

            // Pages of two, each taken by two workers at once.
            let job = services.analyticsBackfill(pageSize: 2)
            var steps = 0
            while true {
                async let first = job.step()
                async let second = job.step()
                let (more, alsoMore) = try await (first, second)
                steps += 1
                guard more || alsoMore, steps < 100 else { break }
            }
            #expect(steps > 6, "every stage took at least one page")
            #expect(try await job.step() == false)
            try await services.analytics.rollUp()
            let filled = try await reports()
            #expect(filled == live)
            let state = try #require(try await AnalyticsBackfillQueries.state(on: services.database.sql))
            // 3 plays, a completion, a skip, a like, 2 playlist additions, 2 follows, an RSVP and a check-in.
            #expect(state.finishedAt != nil && state.facts == 12 && state.cursor == nil)
        }
    }

    @Test("days fold into Monday weeks and calendar months; the CSV has the same figures")
    func intervals() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            func day(_ text: String) -> Date { AnalyticsDay.date(of: AnalyticsDay.parse(text)!).addingTimeInterval(12 * 3600) }
            let batch = Self.plays(track.id, [
                ("w1", "start", "radio", day("2026-10-05")), ("w2", "start", "radio", day("2026-10-11")), ("w3", "start", "radio", day("2026-10-12")),
                ("m1", "start", "radio", day("2026-09-30")),
            ])
            #expect(try await client.request(.post, "/api/v1/plays", json: batch, token: ana.accessToken).status == .ok)
            try await services.analytics.rollUp()
            let base = "/api/v1/analytics/artists/\(nova.user.id)?from=2026-10-01&to=2026-10-31"
            let weeks = try await client.request(.get, base + "&interval=week", token: nova.accessToken).decode(Schemas.ArtistAnalytics.self)
            #expect(weeks.series.map(\.value2.start) == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"])
            // The week of 28 September starts before the range: only its October days count.
            #expect(weeks.series.map(\.value1.plays) == [0, 2, 1, 0, 0])
            #expect(weeks.totals.plays == 3 && weeks.totals.listeners == 1)
            let months = try await client.request(
                .get, "/api/v1/analytics/artists/\(nova.user.id)?from=2026-09-01&to=2026-10-31&interval=month", token: nova.accessToken
            ).decode(Schemas.ArtistAnalytics.self)
            #expect(months.series.map { "\($0.value2.start) \($0.value1.plays)" } == ["2026-09-01 1", "2026-10-01 3"])

            let csv = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)/export.csv?from=2026-10-01&to=2026-10-31&interval=week", token: nova.accessToken)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[.contentDisposition]?.contains("attachment") == true)
            let lines = String(buffer: csv.body).split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("start,plays,listeners,") == true)
            #expect(lines.count == 6)
            #expect(lines[2].hasPrefix("2026-10-05,2,1,"))
        }
    }

    @Test("another artist and a listener are refused; unknown artists and tracks are 404; bad ranges are precise 422s")
    func refusals() async throws {
        try await withApp { client, _ in
            let (nova, track) = try await client.readyTrack()
            let (other, otherTrack) = try await client.readyTrack("orla")
            let ana = try await client.register("ana")
            let path = "/api/v1/analytics/artists/\(nova.user.id)"
            #expect(try await client.request(.get, path).status == .unauthorized)
            for token in [other.accessToken, ana.accessToken] {
                let refused = try await client.request(.get, path, token: token)
                #expect(refused.status == .forbidden)
                #expect(try refused.problem().code == "not_your_analytics")
                #expect(try await client.request(.get, path + "/export.csv", token: token).status == .forbidden)
            }
            #expect(try await client.request(.get, "/api/v1/analytics/artists/\(UUID())", token: nova.accessToken).status == .notFound)
            #expect(try await client.request(.get, path + "?trackId=\(otherTrack.id)", token: nova.accessToken).status == .notFound)
            #expect(try await client.request(.get, path + "?trackId=\(track.id)", token: nova.accessToken).status == .ok)
            for (query, field) in [
                ("from=2026-02-30", "from"), ("to=yesterday", "to"), ("from=2026-10-02&to=2026-10-01", "from"),
                ("from=2000-01-01&to=2026-01-01&interval=month", "to"), ("from=2025-01-01&to=2026-06-01", "interval"),
            ] {
                let bad = try await client.request(.get, path + "?" + query, token: nova.accessToken)
                #expect(bad.status == .unprocessableContent, "\(query)")
                #expect(String(buffer: bad.body).contains("\"\(field)\""), "\(query): \(String(buffer: bad.body))")
            }
            #expect(try await client.request(.get, path + "?interval=year", token: nova.accessToken).status == .badRequest)
            _ = other
        }
    }

    @Test("admins see any artist's figures and the dashboard; others get 403")
    func adminDashboard() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            _ = try await client.register("club", role: "venue")
            #expect(try await client.request(.post, "/api/v1/plays", json: Self.plays(track.id, [("x", "start", nil, Date())]), token: ana.accessToken).status == .ok)
            try await services.analytics.rollUp()
            #expect(try await client.request(.get, "/api/v1/admin/dashboard", token: nova.accessToken).status == .forbidden)
            let admin = try await signInAdmin(client, services)
            #expect(try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: admin.accessToken).status == .ok)
            let board = try await client.request(.get, "/api/v1/admin/dashboard", token: admin.accessToken).decode(Schemas.AdminDashboard.self)
            #expect(board.users.total == 4)
            #expect(board.users.artists == 1 && board.users.listeners == 1 && board.users.venues == 1 && board.users.admins == 1)
            #expect(board.users.newThisWeek == 4)
            #expect(board.monthlyActives == 1)
            #expect(board.storage.files > 0 && board.storage.bytes > 0)
            #expect(board.jobs.failed == 0)
            #expect(board.jobs.analyticsBacklog == 0)
            #expect(board.moderation.openReports == 0)

            // Facts not yet rolled up are counted, and the oldest is the first recorded.
            let first = Date()
            #expect(try await client.request(.post, "/api/v1/plays", json: Self.plays(track.id, [("y", "start", nil, first), ("z", "start", nil, first)]),
                                             token: ana.accessToken).status == .ok)
            let waiting = try await AnalyticsQueries.backlog(on: services.database.sql)
            #expect(waiting.waiting == 2)
            #expect(abs((waiting.oldest ?? .distantPast).timeIntervalSince(first)) < 60)
            #expect(try await client.request(.get, "/api/v1/admin/dashboard", token: admin.accessToken).decode(Schemas.AdminDashboard.self).jobs.analyticsBacklog == 2)
        }
    }

    @Test("the job rolls facts up by itself within seconds")
    func rollupJob() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            let ana = try await client.register("ana")
            #expect(try await client.request(.post, "/api/v1/plays", json: Self.plays(track.id, [("j", "start", nil, Date())]), token: ana.accessToken).status == .ok)
            var plays = 0
            for _ in 0..<120 where plays == 0 {
                try await Task.sleep(for: .milliseconds(250))
                plays = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: nova.accessToken)
                    .decode(Schemas.ArtistAnalytics.self).totals.plays
            }
            #expect(plays == 1)
            #expect(try await rowCount("analytics_facts", services) == 0)
        }
    }

    @Test("two rollups at once count every fact once")
    func concurrentRollups() async throws {
        try await withApp { client, services in
            let (nova, track) = try await client.readyTrack()
            for name in ["ana", "ben", "cai"] {
                let user = try await client.register(name)
                let batch = Self.plays(track.id, (0..<40).map { ("\(name)\($0)", "start", nil, Date()) })
                #expect(try await client.request(.post, "/api/v1/plays", json: batch, token: user.accessToken).status == .ok)
            }
            async let first = services.analytics.rollUp()
            async let second = services.analytics.rollUp()
            _ = try await (first, second)
            let report = try await client.request(.get, "/api/v1/analytics/artists/\(nova.user.id)", token: nova.accessToken).decode(Schemas.ArtistAnalytics.self)
            #expect(report.totals.plays == 120)
            #expect(report.totals.listeners == 3)
        }
    }
}

@Suite("Analytics: listener sketches and the rollup's arithmetic")
struct AnalyticsUnitTests {
    /// splitmix64: well-spread test hashes, the same on every run.
    static func hashes(_ count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("small sets are exact, and stay so through unions and the stored form")
    func exact() throws {
        var a = ListenerSketch()
        for hash in Self.hashes(300, seed: 1) + Self.hashes(300, seed: 1) { a.insert(hash) }
        #expect(a.count == 300 && a.isExact)
        var b = ListenerSketch()
        for hash in Self.hashes(100, seed: 1) + Self.hashes(100, seed: 2) { b.insert(hash) }
        a.formUnion(b)
        #expect(a.count == 400 && a.isExact)
        #expect(ListenerSketch(encoded: a.encoded) == a)
    }

    @Test("large sets are estimated within 5 %, and unions count overlaps once", arguments: [2_000, 20_000, 200_000])
    func estimated(_ n: Int) throws {
        var sketch = ListenerSketch()
        for hash in Self.hashes(n, seed: 7) { sketch.insert(hash) }
        #expect(!sketch.isExact)
        #expect(abs(Double(sketch.count - n)) / Double(n) < 0.05, "\(sketch.count) for \(n)")
        var half = ListenerSketch()
        for hash in Self.hashes(n / 2, seed: 7) { half.insert(hash) }
        var union = half
        union.formUnion(sketch)
        #expect(union == sketch, "a subset adds nothing")
        let decoded = try #require(ListenerSketch(encoded: sketch.encoded))
        #expect(decoded.count == sketch.count)
        #expect(sketch.encoded.count == 1 + ListenerSketch.registerCount)
    }

    @Test("bytes that are not a sketch are refused")
    func corrupt() {
        #expect(ListenerSketch(encoded: [UInt8]()) == nil)
        #expect(ListenerSketch(encoded: [3, 0, 0]) == nil)
        #expect(ListenerSketch(encoded: [1, 0, 0, 0]) == nil)
        #expect(ListenerSketch(encoded: [2] + [UInt8](repeating: 0, count: 10)) == nil)
        // Sparse hashes must be sorted and distinct.
        #expect(ListenerSketch(encoded: [1] + [UInt8](repeating: 0, count: 16)) == nil)
    }

    @Test("a play counts for its track, its artist's catalogue and the platform; a follow only for the catalogue")
    func batch() {
        let artist = UUID(), track = UUID()
        let batch = AnalyticsBatch([
            .init(id: 1, kind: .play, owner: artist, track: track, day: 100, listener: 42, city: "Leeds", source: "search"),
            .init(id: 2, kind: .play, owner: artist, track: track, day: 100, listener: 42, city: "Leeds", source: nil),
            .init(id: 3, kind: .completion, owner: artist, track: track, day: 100),
            .init(id: 4, kind: .follow, owner: artist, track: nil, day: 101),
        ])
        let trackKey = AnalyticsBatch.DayKey(owner: artist, track: track, day: 100)
        let catalogueKey = AnalyticsBatch.DayKey(owner: artist, track: AnalyticsBatch.catalogue, day: 100)
        let platformKey = AnalyticsBatch.DayKey(owner: AnalyticsBatch.platform, track: AnalyticsBatch.catalogue, day: 100)
        #expect(batch.days[trackKey]?[.play] == 2 && batch.days[trackKey]?[.completion] == 1)
        #expect(batch.days[catalogueKey]?[.play] == 2 && batch.days[catalogueKey]?[.completion] == 1)
        #expect(batch.days[platformKey]?[.play] == 2 && batch.days[platformKey]?[.completion] == 0)
        #expect(batch.days[.init(owner: artist, track: AnalyticsBatch.catalogue, day: 101)]?[.follow] == 1)
        #expect(batch.days.count == 4)
        #expect(batch.listeners[trackKey]?.count == 1 && batch.listeners[platformKey]?.count == 1)
        #expect(batch.sources[.init(owner: artist, track: track, day: 100, source: "unknown")] == 1)
        #expect(batch.sources[.init(owner: AnalyticsBatch.platform, track: AnalyticsBatch.catalogue, day: 100, source: "search")] == nil)
        #expect(batch.cities[.init(owner: artist, day: 100, city: "Leeds")]?.plays == 2)
    }

    @Test("a range is whole months from the monthly rows and its edges from the daily ones")
    func cover() throws {
        func day(_ text: String) -> Int { AnalyticsDay.parse(text)! }
        let inside = AnalyticsService.cover(day("2026-11-15"), day("2026-12-10"))
        #expect(inside.months == nil && inside.days == [day("2026-11-15")...day("2026-12-10")])
        let edges = AnalyticsService.cover(day("2026-10-15"), day("2026-12-31"))
        #expect(edges.months == day("2026-11-01")...day("2026-12-01"))
        #expect(edges.days == [day("2026-10-15")...day("2026-10-31")])
        let year = AnalyticsService.cover(day("2025-12-02"), day("2026-12-01"))
        #expect(year.months == day("2026-01-01")...day("2026-11-01"))
        #expect(year.days == [day("2025-12-02")...day("2025-12-31"), day("2026-12-01")...day("2026-12-01")])
        let one = AnalyticsService.cover(day("2026-11-01"), day("2026-11-30"))
        #expect(one.months == day("2026-11-01")...day("2026-11-01") && one.days.isEmpty)
    }

    @Test("Monday weeks and calendar months")
    func buckets() throws {
        let monday = try #require(AnalyticsDay.parse("2026-11-30"))
        for offset in 0..<7 { #expect(AnalyticsDay.bucket(monday + offset, .week) == monday) }
        #expect(AnalyticsDay.bucket(monday - 1, .week) == monday - 7)
        #expect(AnalyticsDay.text(AnalyticsDay.bucket(monday, .month)) == "2026-11-01")
        #expect(AnalyticsDay.text(AnalyticsDay.next(AnalyticsDay.parse("2026-12-01")!, .month)) == "2027-01-01")
        #expect(AnalyticsDay.text(AnalyticsDay.bucket(AnalyticsDay.parse("1969-12-31")!, .week)) == "1969-12-29")
        #expect(AnalyticsDay.parse("2026-02-29") == nil && AnalyticsDay.parse("2028-02-29") != nil && AnalyticsDay.parse("26-1-1") == nil)
        // The integer calendar agrees with Foundation's on every day from 1900 to 2100.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        for day in AnalyticsDay.parse("1900-01-01")!...AnalyticsDay.parse("2100-12-31")! {
            let parts = utc.dateComponents([.year, .month, .day], from: AnalyticsDay.date(of: day))
            let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            guard AnalyticsDay.text(day) == text, AnalyticsDay.parse(text) == day else {
                Issue.record("day \(day): \(AnalyticsDay.text(day)) against Foundation's \(text)")
                break
            }
        }
    }
}
