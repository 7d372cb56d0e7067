import Foundation

/// How a ticket is paid for: what its holder owes, and whether they have paid.
public struct TicketPayment: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// A free tier: nothing to pay.
        case free
        /// Held for the holder, to be paid (at the door, with the built-in provider).
        case reserved
        case paid
        /// The ticket was cancelled or given away before it was paid.
        case void
    }

    public var provider: String
    public var status: Status
    public var amountMinor: Int
    public var currency: String
}

/// The seam where a payment provider plugs in. Ticketing asks it what a new
/// ticket's payment is when it is claimed, what it becomes when the holder is
/// admitted, and what a cancelled one becomes; its answers are stored with the
/// ticket in the same transaction as the claim, the check-in or the
/// cancellation. A card provider would start a checkout in `open` (answering
/// `reserved` until its webhook says `paid`) — card data never touches this
/// server. Built in: `PayAtDoor`.
public protocol PaymentProvider: Sendable {
    /// Stored with each ticket, so tickets keep the provider they were sold with.
    var id: String { get }
    func open(tier: TicketTier, holder: UUID) async throws -> TicketPayment
    /// The payment once the door admitted its ticket.
    func admitted(_ payment: TicketPayment) -> TicketPayment
    /// The payment of a ticket cancelled (or given away) before the door.
    func cancelled(_ payment: TicketPayment) -> TicketPayment
}

/// "Reserve now, pay at the door": a paid tier's ticket is reserved when
/// claimed, and paid when the door admits it (the door page shows what to
/// collect); no money moves through the server.
public struct PayAtDoor: PaymentProvider {
    public let id = "at_door"

    public init() {}

    public func open(tier: TicketTier, holder: UUID) async throws -> TicketPayment {
        TicketPayment(provider: id, status: tier.priceMinor == 0 ? .free : .reserved, amountMinor: tier.priceMinor, currency: tier.currency)
    }

    public func admitted(_ payment: TicketPayment) -> TicketPayment {
        var payment = payment
        if payment.status == .reserved { payment.status = .paid }
        return payment
    }

    public func cancelled(_ payment: TicketPayment) -> TicketPayment {
        var payment = payment
        if payment.status != .paid { payment.status = .void }
        return payment
    }
}
