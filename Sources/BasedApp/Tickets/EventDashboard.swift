import Foundation

/// An event's door and ticket figures for its venue: per tier, claims by day,
/// check-ins by quarter hour, and how many ticket holders did not come.
/// Made from the event's tickets by `make`, which does no I/O.
public struct EventDashboard: Sendable, Equatable {
    public struct Tier: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var quantity: Int
        public var claimed: Int
        public var cancelled: Int
        public var checkedIn: Int
        public var waitlisted: Int
    }

    public struct DayCount: Sendable, Equatable {
        /// The UTC day, `yyyy-MM-dd`.
        public var day: String
        public var tierId: UUID
        public var count: Int
    }

    public var eventId: UUID
    public var tiers: [Tier]
    public var claimsByDay: [DayCount]
    public var checkInsByQuarterHour: [(at: Date, count: Int)]
    public var ticketsActive: Int
    public var checkedIn: Int
    /// Share of active tickets not checked in, once the event has started; 0 before.
    public var noShowRate: Double

    public static func == (a: EventDashboard, b: EventDashboard) -> Bool {
        a.eventId == b.eventId && a.tiers == b.tiers && a.claimsByDay == b.claimsByDay
            && a.checkInsByQuarterHour.map(\.at) == b.checkInsByQuarterHour.map(\.at)
            && a.checkInsByQuarterHour.map(\.count) == b.checkInsByQuarterHour.map(\.count)
            && a.ticketsActive == b.ticketsActive && a.checkedIn == b.checkedIn && a.noShowRate == b.noShowRate
    }

    static func make(event: Event, tiers: [TicketTier], tickets: [Ticket], waiting: [UUID: Int], now: Date) -> EventDashboard {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tierRows = tiers.map { tier in
            let own = tickets.filter { $0.tierId == tier.id }
            return Tier(
                id: tier.id, name: tier.name, quantity: tier.quantity,
                claimed: own.count { $0.state == .active }, cancelled: own.count { $0.state == .cancelled },
                checkedIn: own.count { $0.state == .active && $0.checkedInAt != nil }, waitlisted: waiting[tier.id] ?? 0
            )
        }
        var days: [String: [UUID: Int]] = [:]
        for ticket in tickets {
            days[Self.day(ticket.createdAt, calendar), default: [:]][ticket.tierId, default: 0] += 1
        }
        let order = Dictionary(uniqueKeysWithValues: tiers.enumerated().map { ($1.id, $0) })
        let claimsByDay = days.keys.sorted().flatMap { day in
            days[day, default: [:]].sorted { (order[$0.key] ?? .max, $0.key.text) < (order[$1.key] ?? .max, $1.key.text) }
                .map { DayCount(day: day, tierId: $0.key, count: $0.value) }
        }
        var quarters: [Date: Int] = [:]
        for ticket in tickets where ticket.state == .active {
            guard let at = ticket.checkedInAt else { continue }
            let start = (at.timeIntervalSince1970 / 900).rounded(.down) * 900
            quarters[Date(timeIntervalSince1970: start), default: 0] += 1
        }
        let active = tickets.count { $0.state == .active }
        let checkedIn = tickets.count { $0.state == .active && $0.checkedInAt != nil }
        let started = now >= event.startsAt
        return EventDashboard(
            eventId: event.id, tiers: tierRows, claimsByDay: claimsByDay,
            checkInsByQuarterHour: quarters.keys.sorted().map { ($0, quarters[$0] ?? 0) },
            ticketsActive: active, checkedIn: checkedIn,
            noShowRate: started && active > 0 ? Double(active - checkedIn) / Double(active) : 0
        )
    }

    static func day(_ date: Date, _ calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Every ticket as a CSV row (RFC 4180), no names: what a venue's
    /// spreadsheet needs. Cells a spreadsheet would run as a formula are
    /// quoted with a leading apostrophe.
    static func csv(tiers: [TicketTier], tickets: [Ticket]) -> String {
        let names = Dictionary(uniqueKeysWithValues: tiers.map { ($0.id, $0.name) })
        let iso = Date.ISO8601FormatStyle(timeZone: .gmt)
        var lines = ["ticket_id,tier,price_minor,currency,state,payment,claimed_at,checked_in_at"]
        for ticket in tickets {
            lines.append([
                ticket.id.text, names[ticket.tierId] ?? "", String(ticket.amountMinor), ticket.currency, ticket.state.rawValue,
                ticket.paymentStatus.rawValue, ticket.createdAt.formatted(iso), ticket.checkedInAt?.formatted(iso) ?? "",
            ].map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
