import BasedAPI
import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Calendars: one event's .ics and the private feed, each parsed by the
/// `icalendar` package from PyPI (scripts/install-python-tools.sh installs it).
@Suite("Calendars", .serialized)
struct CalendarTests {
    @Test("an event's .ics parses with icalendar: UTC start and end, text escaped, a long line folded")
    func eventCalendar() async throws {
        try await withApp { client, _ in
            let club = try await client.register("club", role: "venue")
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.up) * 3600 + 86_400)
            let body = #"{"title":"Brass; Night, \"live\"","startsAt":"\#(iso(start))","endsAt":"\#(iso(start.addingTimeInterval(7200)))","description":"\#(String(repeating: "Three bands from Leipzig. ", count: 8))","city":"Leipzig","address":"Karl-Liebknecht-Str. 1"}"#
            let event = try await client.request(.post, "/api/v1/events", json: body, token: club.accessToken).decode(Schemas.Event.self)
            let response = try await client.request(.get, "/api/v1/events/\(event.id)/calendar.ics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/calendar; charset=utf-8")
            let text = String(buffer: response.body)
            #expect(text.contains("\r\n "), "a long line is folded")
            let parsed = try Self.parse(text)
            #expect(parsed.count == 1)
            #expect(parsed.first?["summary"] == #"Brass; Night, "live""#)
            #expect(parsed.first?["start"] == Self.pythonISO(start))
            #expect(parsed.first?["end"] == Self.pythonISO(start.addingTimeInterval(7200)))
            #expect(parsed.first?["location"] == "club, Karl-Liebknecht-Str. 1, Leipzig")
            #expect(try await client.request(.get, "/api/v1/events/\(UUID())/calendar.ics").status == .notFound)
        }
    }

    @Test("the private feed lists RSVPs and tickets; revoking it makes its URL a 404, and nobody else's secret opens it")
    func feed() async throws {
        try await withApp { client, _ in
            let (club, brass) = try await client.publishBrassNight()
            let dub = try await client.request(.post, "/api/v1/events", json: eventJSON(title: "Dub Session", startsIn: 86_400), token: club.accessToken)
                .decode(Schemas.Event.self)
            let ana = try await client.register("ana")
            _ = try await client.request(.put, "/api/v1/events/\(brass.id)/rsvp", json: #"{"status":"going"}"#, token: ana.accessToken)
            let tier = try await client.request(.post, "/api/v1/events/\(dub.id)/tiers", json: TicketTests.tier(quantity: 5), token: club.accessToken)
                .decode(Schemas.TicketTier.self)
            #expect(try await client.request(.post, "/api/v1/tiers/\(tier.id)/claims", token: ana.accessToken).status == .created)
            let made = try await client.request(.post, "/api/v1/me/calendar-feed", token: ana.accessToken)
            #expect(made.status == .created)
            let path = try #require(try JSONSerialization.jsonObject(with: Data(buffer: made.body)) as? [String: String])["path"]!
            let parsed = try Self.parse(String(buffer: try await client.request(.get, path).body))
            #expect(parsed.map { $0["summary"] } == ["Dub Session", "Brass Night"])
            #expect(try await client.request(.get, "/calendar/not-a-secret.ics").status == .notFound)
            #expect(try await client.request(.delete, "/api/v1/me/calendar-feed", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, path).status == .notFound)
        }
    }

    /// Each VEVENT's summary, start, end and location as icalendar reads them.
    static func parse(_ text: String) throws -> [[String: String]] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("based-\(UUID().uuidString).ics")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import icalendar, json, sys
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            out = []
            for e in cal.walk('VEVENT'):
                out.append({'summary': str(e.get('summary')), 'start': e.decoded('dtstart').isoformat(),
                            'end': e.decoded('dtend').isoformat(), 'location': str(e.get('location', ''))})
            print(json.dumps(out))
            """
        let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/based/python-venv/bin/python").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3")
        process.arguments = ["-c", script, file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "icalendar could not read the file: \(problem)")
        return try JSONDecoder().decode([[String: String]].self, from: data)
    }

    /// How Python's isoformat writes a UTC datetime.
    static func pythonISO(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)) + "+00:00"
    }
}
