import BasedAPI
import Foundation

/// Event and RSVP handlers.
extension APIHandler {
    var events: EventService { services.events }

    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let viewer = try RequestScope.get().identity
        var venue: UUID?
        if let username = input.query.venue { venue = try await profiles.profile(username: username).user.id }
        let page = try await events.upcoming(venue: venue, viewer: viewer?.userID, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try await eventBodies(page.views), nextCursor: page.nextCursor))))
    }

    func createEvent(_ input: Operations.CreateEvent.Input) async throws -> Operations.CreateEvent.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let event = try await events.create(identity, Self.eventInput(body))
        return .created(.init(body: .json(try await eventBody(try await events.event(event.id, viewer: identity.userID)))))
    }

    func getEvent(_ input: Operations.GetEvent.Input) async throws -> Operations.GetEvent.Output {
        let viewer = try RequestScope.get().identity
        let view = try await events.event(try Self.uuid(input.path.eventId, "eventId"), viewer: viewer?.userID)
        return .ok(.init(body: .json(try await eventBody(view))))
    }

    func updateEvent(_ input: Operations.UpdateEvent.Input) async throws -> Operations.UpdateEvent.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try Self.uuid(input.path.eventId, "eventId")
        let before = try await events.event(id, viewer: nil).event
        let event = try await events.update(identity, eventID: id, Self.eventInput(body))
        try await services.showAlerts.changed(before: before, after: event)
        return .ok(.init(body: .json(try await eventBody(try await events.event(event.id, viewer: identity.userID)))))
    }

    func cancelEvent(_ input: Operations.CancelEvent.Input) async throws -> Operations.CancelEvent.Output {
        let identity = try RequestScope.requireIdentity()
        let id = try Self.uuid(input.path.eventId, "eventId")
        let before = try await events.event(id, viewer: nil).event
        let event = try await events.cancel(identity, eventID: id)
        try await services.showAlerts.changed(before: before, after: event)
        return .ok(.init(body: .json(try await eventBody(try await events.event(event.id, viewer: identity.userID)))))
    }

    func rsvpEvent(_ input: Operations.RsvpEvent.Input) async throws -> Operations.RsvpEvent.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let status: RSVP.Status = body.status == .going ? .going : .interested
        let rsvp = try await events.rsvp(identity.userID, eventID: try Self.uuid(input.path.eventId, "eventId"), status: status)
        return .ok(.init(body: .json(.init(eventId: rsvp.eventId.text, status: Self.rsvpStatus(rsvp.status), createdAt: rsvp.createdAt))))
    }

    func withdrawRsvp(_ input: Operations.WithdrawRsvp.Input) async throws -> Operations.WithdrawRsvp.Output {
        let identity = try RequestScope.requireIdentity()
        try await events.withdraw(identity.userID, eventID: try Self.uuid(input.path.eventId, "eventId"))
        return .noContent(.init())
    }

    func listMyRsvps(_ input: Operations.ListMyRsvps.Input) async throws -> Operations.ListMyRsvps.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await events.rsvps(of: identity.userID, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try await eventBodies(page.views), nextCursor: page.nextCursor))))
    }

    func listNearbyEvents(_ input: Operations.ListNearbyEvents.Input) async throws -> Operations.ListNearbyEvents.Output {
        let viewer = try RequestScope.get().identity
        let centre = try await searchCentre(latitude: input.query.latitude, longitude: input.query.longitude, city: input.query.city, viewer: viewer)
        let found = try await services.showFinder.nearby(
            latitude: centre.latitude, longitude: centre.longitude, radiusKm: input.query.radiusKm ?? 25, from: input.query.from, to: input.query.to,
            order: input.query.sort == .distance ? .distance : .date,
            filters: .init(genre: input.query.genre, ticketed: input.query.ticketed, following: input.query.following ?? false),
            limit: input.query.limit, viewer: viewer?.userID
        )
        let bodies = try await eventBodies(found.map(\.view))
        return .ok(.init(body: .json(.init(items: zip(bodies, found).map { .init(event: $0, distanceKm: ($1.distanceKm * 100).rounded() / 100) }))))
    }

    func getLineup(_ input: Operations.GetLineup.Input) async throws -> Operations.GetLineup.Output {
        let viewer = try RequestScope.get().identity?.userID
        let slots = try await services.lineups.lineup(eventID: try Self.uuid(input.path.eventId, "eventId"), viewer: viewer)
        return .ok(.init(body: .json(.init(items: slots.map { Self.slot($0.0, artist: $0.1) }))))
    }

    func inviteToLineup(_ input: Operations.InviteToLineup.Input) async throws -> Operations.InviteToLineup.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let slot = try await services.lineups.invite(
            identity, eventID: try Self.uuid(input.path.eventId, "eventId"), username: body.username, setStartsAt: body.setStartsAt, setEndsAt: body.setEndsAt
        )
        return .created(.init(body: .json(Self.slot(slot, artist: try await profiles.user(id: slot.artistId)))))
    }

    func answerLineup(_ input: Operations.AnswerLineup.Input) async throws -> Operations.AnswerLineup.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let eventID = try Self.uuid(input.path.eventId, "eventId")
        let slot = try await services.lineups.answer(identity, eventID: eventID, accept: body.accept)
        if body.accept { try await services.showAlerts.confirmed(identity.userID, eventID: eventID) }
        return .ok(.init(body: .json(Self.slot(slot, artist: try await profiles.user(id: slot.artistId)))))
    }

    static func slot(_ slot: LineupService.Slot, artist: User) -> Components.Schemas.LineupSlot {
        .init(artist: summary(artist), setStartsAt: slot.setStartsAt, setEndsAt: slot.setEndsAt, status: .init(rawValue: slot.status.rawValue)!)
    }

    // MARK: Conversions

    static func eventInput(_ body: Components.Schemas.EventInput) -> EventService.Input {
        EventService.Input(
            title: body.title, description: body.description, startsAt: body.startsAt, endsAt: body.endsAt,
            clearEndsAt: body.clearEndsAt ?? false, city: body.city, address: body.address, latitude: body.latitude, longitude: body.longitude,
            capacity: body.capacity, clearCapacity: body.clearCapacity ?? false
        )
    }

    static func rsvpStatus(_ status: RSVP.Status) -> Components.Schemas.RsvpStatus {
        status == .going ? .going : .interested
    }

    private func eventBodies(_ views: [EventService.View]) async throws -> [Components.Schemas.Event] {
        let venues = try await accounts.users(ids: views.map(\.event.venueId))
        return views.compactMap { view in venues[view.event.venueId].map { Self.eventBody(view, venue: $0) } }
    }

    private func eventBody(_ view: EventService.View) async throws -> Components.Schemas.Event {
        Self.eventBody(view, venue: try await profiles.user(id: view.event.venueId))
    }

    static func eventBody(_ view: EventService.View, venue: User) -> Components.Schemas.Event {
        let event = view.event
        return .init(
            id: event.id.text, venue: summary(venue), title: event.title, description: event.description,
            startsAt: event.startsAt, endsAt: event.endsAt, city: event.city, address: event.address,
            latitude: event.latitude, longitude: event.longitude, status: event.status == .scheduled ? .scheduled : .cancelled, roomId: event.roomId.text,
            goingCount: view.going, interestedCount: view.interested, capacity: event.capacity, myRsvp: view.mine.map(rsvpStatus),
            createdAt: event.createdAt, updatedAt: event.updatedAt
        )
    }
}
