import BasedAPI
import Foundation
import OpenAPIRuntime

/// Profile and avatar handlers.
extension APIHandler {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let identity = try RequestScope.requireIdentity()
        let view = try await profiles.profile(identity)
        return .ok(.init(body: .json(Self.privateProfile(view, venue: try await venueDetails(view.user)))))
    }

    func updateMe(_ input: Operations.UpdateMe.Input) async throws -> Operations.UpdateMe.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let update = ProfileService.Update(
            displayName: body.displayName, bio: body.bio, city: body.city,
            location: body.location.map { ($0.latitude, $0.longitude) }, clearLocation: body.clearLocation ?? false,
            genres: body.genres, links: body.links?.map { ProfileLink(label: $0.label, url: $0.url) }
        )
        var details: VenueService.Details?
        if let venue = body.venue {
            // Checked before the profile changes, so a bad venue field changes nothing.
            details = try await services.venues.update(identity, .init(
                address: venue.address, capacity: venue.capacity, clearCapacity: venue.clearCapacity ?? false, openingHours: venue.openingHours
            ), dryRun: true)
        }
        let view = try await profiles.update(identity, update)
        if let venue = body.venue {
            details = try await services.venues.update(identity, .init(
                address: venue.address, capacity: venue.capacity, clearCapacity: venue.clearCapacity ?? false, openingHours: venue.openingHours
            ))
        } else {
            details = try await venueDetails(view.user)
        }
        return .ok(.init(body: .json(Self.privateProfile(view, venue: details))))
    }

    func uploadAvatar(_ input: Operations.UploadAvatar.Input) async throws -> Operations.UploadAvatar.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .any(let body) = input.body else { throw AppError.unsupportedMediaType("Send the image bytes.") }
        let data = try await Self.imageBytes(body, limit: services.configuration.avatarMaxBytes)
        let view = try await profiles.setAvatar(identity, image: data)
        return .ok(.init(body: .json(Self.privateProfile(view, venue: try await venueDetails(view.user)))))
    }

    func deleteAvatar(_ input: Operations.DeleteAvatar.Input) async throws -> Operations.DeleteAvatar.Output {
        let identity = try RequestScope.requireIdentity()
        try await profiles.deleteAvatar(identity)
        return .noContent(.init())
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let view = try await profiles.profile(username: input.path.username)
        return .ok(.init(body: .json(Self.publicProfile(view, venue: try await venueDetails(view.user)))))
    }

    func getAvatar(_ input: Operations.GetAvatar.Input) async throws -> Operations.GetAvatar.Output {
        let size = ProfileService.AvatarSize(rawValue: input.query.size?.rawValue ?? "large") ?? .large
        let avatar = try await profiles.avatar(username: input.path.username, size: size)
        return .ok(.init(
            headers: .init(eTag: "\"\(avatar.hash)\"", cacheControl: "public, max-age=86400"),
            body: .jpeg(HTTPBody(avatar.data))
        ))
    }

    /// A venue's details (nil for everyone else).
    func venueDetails(_ user: User) async throws -> VenueService.Details? {
        guard user.role == .venue else { return nil }
        return try await services.venues.details(of: [user.id])[user.id]
    }
}
