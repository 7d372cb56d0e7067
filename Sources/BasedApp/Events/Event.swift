import Foundation

/// A show a venue publishes: when and where, and the live room its audience talks in.
public struct Event: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case scheduled, cancelled }

    public var id: UUID
    /// The venue (or admin) account that published it.
    public var venueId: UUID
    public var title: String
    public var description: String
    public var startsAt: Date
    public var endsAt: Date?
    public var city: String?
    public var address: String?
    /// The pin: where the show is, for nearby searches and maps.
    public var latitude: Double?
    public var longitude: Double?
    /// The pin is the venue's or the gazetteer's for `city`, not one the venue set for the show.
    public var pinFromCity: Bool?
    /// At most this many may RSVP going (the `going` counter's guard, kept out of this value
    /// so that saving an event never overwrites it).
    public var capacity: Int?
    public var status: Status
    /// The event's chat room, a conversation of kind `room` with subject `event:<id>`.
    public var roomId: UUID
    public var createdAt: Date
    public var updatedAt: Date

    /// The subject of the event's room and of its reminders.
    public var subject: String { Self.subject(id) }

    static func subject(_ id: UUID) -> String { "event:\(id.text)" }
}

/// Someone's answer to an event.
public struct RSVP: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case going, interested }

    public var eventId: UUID
    public var userId: UUID
    public var status: Status
    /// When the reminder went to them; cleared when the event moves.
    public var remindedAt: Date?
    public var createdAt: Date
}

/// Limits of events, in one place so the docs and the checks agree.
public enum EventLimits {
    public static let titleCharacters = 200
    public static let descriptionCharacters = 5000
    public static let cityCharacters = 100
    public static let addressCharacters = 300
    public static let maxCapacity = 1_000_000
    /// How far ahead an event may be published.
    public static let horizon: TimeInterval = 5 * 365 * 86_400
    /// The longest an event may last (a festival, not a residency).
    public static let longest: TimeInterval = 31 * 86_400
}
