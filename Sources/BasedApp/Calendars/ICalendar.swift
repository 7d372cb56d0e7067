import Foundation

/// Writes iCalendar (RFC 5545): CRLF line ends, lines folded at 75 octets
/// (never inside a UTF-8 sequence), text values escaped, times in UTC.
struct ICalendar {
    struct Entry {
        var uid: String
        var start: Date
        var end: Date?
        var summary: String
        var description: String?
        var location: String?
        var url: String?
        var cancelled: Bool
        var updated: Date
    }

    var name: String
    var entries: [Entry]

    func render(now: Date = Date()) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Based//Based events//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:" + Self.escape(name),
        ]
        for entry in entries {
            lines += ["BEGIN:VEVENT", "UID:" + Self.escape(entry.uid), "DTSTAMP:" + Self.utc(now), "DTSTART:" + Self.utc(entry.start)]
            // Without an end, a show is taken to last three hours rather than none.
            lines.append("DTEND:" + Self.utc(entry.end ?? entry.start.addingTimeInterval(3 * 3600)))
            lines.append("SUMMARY:" + Self.escape(entry.summary))
            if let description = entry.description, !description.isEmpty { lines.append("DESCRIPTION:" + Self.escape(description)) }
            if let location = entry.location, !location.isEmpty { lines.append("LOCATION:" + Self.escape(location)) }
            if let url = entry.url { lines.append("URL:" + url) }
            lines.append("STATUS:" + (entry.cancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("LAST-MODIFIED:" + Self.utc(entry.updated))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261203T190000Z`.
    static func utc(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// TEXT escaping (RFC 5545 §3.3.11); control characters other than new lines are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Folds a content line into 75-octet pieces, continuation lines starting with a space.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var pieces: [String] = []
        var current = ""
        var size = 0
        for character in line {
            let length = String(character).utf8.count
            let limit = pieces.isEmpty ? 75 : 74
            if size + length > limit {
                pieces.append(current)
                current = ""
                size = 0
            }
            current.append(character)
            size += length
        }
        pieces.append(current)
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }.joined(separator: "\r\n")
    }
}
