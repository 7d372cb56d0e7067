import BasedAPI
import Foundation
import OpenAPIRuntime

/// /events/{id}/tiers, /tiers/*, /me/tickets, /tickets/*, /events/{id}/check-ins, /me/door-staff, /venues/{username}/ticket-key.
extension APIHandler {
    var tickets: TicketService { services.tickets }

    func listTicketTiers(_ input: Operations.ListTicketTiers.Input) async throws -> Operations.ListTicketTiers.Output {
        let tiers = try await tickets.tiers(eventID: try Self.uuid(input.path.eventId, "eventId"), viewer: RequestScope.get().identity?.userID)
        return .ok(.init(body: .json(.init(items: tiers.map(Self.tier)))))
    }

    func createTicketTier(_ input: Operations.CreateTicketTier.Input) async throws -> Operations.CreateTicketTier.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let tier = try await tickets.createTier(identity, eventID: try Self.uuid(input.path.eventId, "eventId"), .init(
            name: body.name, priceMinor: body.priceMinor, currency: body.currency, quantity: body.quantity, perPerson: body.perPerson,
            salesStart: body.salesStart, salesEnd: body.salesEnd
        ))
        return .created(.init(body: .json(Self.tier(tier))))
    }

    func claimTicket(_ input: Operations.ClaimTicket.Input) async throws -> Operations.ClaimTicket.Output {
        let identity = try RequestScope.requireIdentity()
        let issued = try await tickets.claim(identity, tierID: try Self.uuid(input.path.tierId, "ticket tierId"))
        return .created(.init(body: .json(Self.issued(issued))))
    }

    func joinTicketWaitlist(_ input: Operations.JoinTicketWaitlist.Input) async throws -> Operations.JoinTicketWaitlist.Output {
        let identity = try RequestScope.requireIdentity()
        let position = try await tickets.joinWaitlist(identity, tierID: try Self.uuid(input.path.tierId, "ticket tierId"))
        return .ok(.init(body: .json(.init(position: position))))
    }

    func listMyTickets(_ input: Operations.ListMyTickets.Input) async throws -> Operations.ListMyTickets.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(items: try await tickets.tickets(of: identity).map(Self.issued)))))
    }

    func cancelTicket(_ input: Operations.CancelTicket.Input) async throws -> Operations.CancelTicket.Output {
        let identity = try RequestScope.requireIdentity()
        try await tickets.cancel(identity, ticketID: try Self.uuid(input.path.ticketId, "ticketId"))
        return .noContent(.init())
    }

    func transferTicket(_ input: Operations.TransferTicket.Input) async throws -> Operations.TransferTicket.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let issued = try await tickets.transfer(identity, ticketID: try Self.uuid(input.path.ticketId, "ticketId"), to: body.username)
        return .created(.init(body: .json(Self.issued(issued))))
    }

    func checkInTicket(_ input: Operations.CheckInTicket.Input) async throws -> Operations.CheckInTicket.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let admission = try await tickets.checkIn(identity, eventID: try Self.uuid(input.path.eventId, "eventId"), code: body.code, scannedAt: body.scannedAt)
        return .ok(.init(body: .json(.init(
            ticketId: admission.ticket.id.text, checkedInAt: admission.ticket.checkedInAt ?? Date(), holder: admission.holder.map(Self.summary),
            tier: admission.tierName, payment: Self.payment(admission.ticket.payment)
        ))))
    }

    func getTicketQRCode(_ input: Operations.GetTicketQRCode.Input) async throws -> Operations.GetTicketQRCode.Output {
        let identity = try RequestScope.requireIdentity()
        let svg = try await tickets.qrCode(identity, ticketID: try Self.uuid(input.path.ticketId, "ticketId"))
        return .ok(.init(body: .imageSvgXml(HTTPBody(svg))))
    }

    func getEventDashboard(_ input: Operations.GetEventDashboard.Input) async throws -> Operations.GetEventDashboard.Output {
        let identity = try RequestScope.requireIdentity()
        let (dashboard, going, capacity) = try await tickets.dashboard(identity, eventID: try Self.uuid(input.path.eventId, "eventId"))
        return .ok(.init(body: .json(.init(
            eventId: dashboard.eventId.text,
            tiers: dashboard.tiers.map {
                .init(id: $0.id.text, name: $0.name, quantity: $0.quantity, claimed: $0.claimed, cancelled: $0.cancelled, checkedIn: $0.checkedIn, waitlisted: $0.waitlisted)
            },
            claimsByDay: dashboard.claimsByDay.map { .init(day: $0.day, tierId: $0.tierId.text, count: $0.count) },
            checkInsByQuarterHour: dashboard.checkInsByQuarterHour.map { .init(at: $0.at, count: $0.count) },
            ticketsActive: dashboard.ticketsActive, checkedIn: dashboard.checkedIn, noShowRate: dashboard.noShowRate, going: going, capacity: capacity
        ))))
    }

    func exportEventTickets(_ input: Operations.ExportEventTickets.Input) async throws -> Operations.ExportEventTickets.Output {
        let identity = try RequestScope.requireIdentity()
        let csv = try await tickets.export(identity, eventID: try Self.uuid(input.path.eventId, "eventId"))
        return .ok(.init(body: .csv(HTTPBody(csv))))
    }

    static func payment(_ payment: TicketPayment) -> Components.Schemas.TicketPayment {
        .init(provider: payment.provider, status: .init(rawValue: payment.status.rawValue)!, amountMinor: payment.amountMinor, currency: payment.currency)
    }

    func listDoorStaff(_ input: Operations.ListDoorStaff.Input) async throws -> Operations.ListDoorStaff.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(items: try await tickets.doorStaff(identity).map(Self.summary)))))
    }

    func addDoorStaff(_ input: Operations.AddDoorStaff.Input) async throws -> Operations.AddDoorStaff.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(items: try await tickets.setDoorStaff(identity, username: input.path.username, on: true).map(Self.summary)))))
    }

    func removeDoorStaff(_ input: Operations.RemoveDoorStaff.Input) async throws -> Operations.RemoveDoorStaff.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(items: try await tickets.setDoorStaff(identity, username: input.path.username, on: false).map(Self.summary)))))
    }

    func getVenueTicketKey(_ input: Operations.GetVenueTicketKey.Input) async throws -> Operations.GetVenueTicketKey.Output {
        .ok(.init(body: .json(.init(algorithm: .ed25519, publicKey: try await tickets.publicKey(venue: input.path.username)))))
    }

    static func tier(_ tier: TicketTier) -> Components.Schemas.TicketTier {
        .init(
            id: tier.id.text, eventId: tier.eventId.text, name: tier.name, priceMinor: tier.priceMinor, currency: tier.currency,
            quantity: tier.quantity, available: tier.available, perPerson: tier.perPerson, soldOut: tier.available == 0,
            salesStart: tier.salesStart, salesEnd: tier.salesEnd
        )
    }

    static func issued(_ issued: TicketService.Issued) -> Components.Schemas.IssuedTicket {
        .init(
            id: issued.ticket.id.text, eventId: issued.ticket.eventId.text, tier: tier(issued.tier),
            state: .init(rawValue: issued.ticket.state.rawValue)!, code: issued.code, qrCode: "/api/v1/tickets/\(issued.ticket.id.text)/qr.svg",
            payment: payment(issued.ticket.payment), checkedInAt: issued.ticket.checkedInAt,
            createdAt: issued.ticket.createdAt
        )
    }
}
