import Foundation

/// A kind of ticket to an event: its price, how many there are, and its rules.
public struct TicketTier: Codable, Sendable, Equatable {
    public var id: UUID
    public var eventId: UUID
    public var name: String
    /// In the currency's minor unit (cents); 0 is free.
    public var priceMinor: Int
    /// ISO 4217, upper case.
    public var currency: String
    public var quantity: Int
    /// Tickets held by someone (active ones).
    public var claimed: Int
    /// Tickets set aside for waitlist offers not yet taken.
    public var held: Int
    public var perPerson: Int
    public var salesStart: Date?
    public var salesEnd: Date?
    public var createdAt: Date

    /// What anyone may still claim now.
    public var available: Int { max(0, quantity - claimed - held) }
}

/// Someone's ticket. Its code (`TicketCodes`) is signed by the venue's key.
public struct Ticket: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case active, cancelled }

    public var id: UUID
    public var tierId: UUID
    public var eventId: UUID
    public var holderId: UUID
    public var state: State
    public var checkedInAt: Date?
    public var checkedInBy: UUID?
    public var createdAt: Date
    public var paymentProvider: String
    public var paymentStatus: TicketPayment.Status
    public var amountMinor: Int
    public var currency: String

    public var payment: TicketPayment {
        get { TicketPayment(provider: paymentProvider, status: paymentStatus, amountMinor: amountMinor, currency: currency) }
        set { (paymentProvider, paymentStatus, amountMinor, currency) = (newValue.provider, newValue.status, newValue.amountMinor, newValue.currency) }
    }
}

/// Limits of tickets, in one place so the docs and the checks agree.
public enum TicketLimits {
    public static let nameCharacters = 60
    public static let maxQuantity = 100_000
    public static let maxPerPerson = 20
    public static let maxPriceMinor = 100_000_000
    public static let tiersPerEvent = 20
    /// How long a waitlisted listener has to take a ticket that was offered to them.
    public static let offerWindow: TimeInterval = 15 * 60
}
