import BasedAPI
import Foundation

/// Implements the generated `APIProtocol` of docs/openapi.yaml. Each handler
/// decodes, asks `RequestScope` who is calling, calls a service and encodes;
/// the rules live in the services. Feature files extend it.
struct APIHandler: APIProtocol {
    /// The services, behind one reference: the generated `registerHandlers`
    /// keeps a copy of the server, and so of this handler, for every route in
    /// one stack frame, and a handler holding `AppServices` inline made that
    /// frame outgrow a thread's stack in debug builds.
    private let shared: Shared
    var services: AppServices { shared.services }

    final class Shared: Sendable {
        let services: AppServices
        init(_ services: AppServices) { self.services = services }
    }

    init(services: AppServices) {
        shared = Shared(services)
    }

    var accounts: AccountService { services.accounts }
    var profiles: ProfileService { services.profiles }
    var follows: FollowService { services.follows }

    /// The user a path names, or 404.
    func user(named username: String) async throws -> User {
        guard let user = try await accounts.user(username: username) else {
            throw AppError.notFound("The user \(username)")
        }
        return user
    }
}

/// Conversions from our models to the API's schemas.
extension APIHandler {
    static func avatar(_ user: User) -> Components.Schemas.Avatar? {
        guard user.avatarHash != nil else { return nil }
        let base = "/api/v1/users/\(user.username)/avatar"
        // The hash in the URL makes it change with the image, so clients may cache it forever.
        let version = String(user.avatarHash!.prefix(12))
        return .init(small: "\(base)?size=small&v=\(version)", large: "\(base)?size=large&v=\(version)")
    }

    static func role(_ role: Role) -> Components.Schemas.Role {
        Components.Schemas.Role(rawValue: role.rawValue)!
    }

    static func links(_ user: User) -> [Components.Schemas.Link] {
        user.linkList.map { .init(label: $0.label, url: $0.url) }
    }

    static func publicProfile(_ view: ProfileView, venue: VenueService.Details? = nil) -> Components.Schemas.PublicProfile {
        let user = view.user
        return .init(
            id: user.id.uuidString.lowercased(), username: user.username, displayName: user.displayName, bio: user.bio,
            city: user.city, genres: user.genreList, links: links(user), role: role(user.role), verified: user.verified,
            avatar: avatar(user), followerCount: view.followerCount, followingCount: view.followingCount, createdAt: user.createdAt,
            venue: venueBody(user, venue)
        )
    }

    /// A venue's place details; a venue's pin is public (it is where its shows are), nobody else's.
    static func venueBody(_ user: User, _ details: VenueService.Details?) -> Components.Schemas.VenueDetails? {
        guard user.role == .venue else { return nil }
        var location: Components.Schemas.Location?
        if let latitude = user.latitude, let longitude = user.longitude { location = .init(latitude: latitude, longitude: longitude) }
        return .init(
            address: details?.address, capacity: details?.capacity, openingHours: details?.openingHours, location: location,
            photos: (details?.photos ?? []).map { venuePhoto($0, venue: user) }
        )
    }

    static func venuePhoto(_ photo: VenueService.Photo, venue: User) -> Components.Schemas.VenuePhoto {
        .init(id: photo.id, url: "/api/v1/users/\(venue.username)/venue-photos/\(photo.id)", width: photo.width, height: photo.height)
    }

    static func privateProfile(_ view: ProfileView, venue: VenueService.Details? = nil) -> Components.Schemas.PrivateProfile {
        let user = view.user
        var location: Components.Schemas.Location?
        if let latitude = user.latitude, let longitude = user.longitude {
            location = .init(latitude: latitude, longitude: longitude)
        }
        return .init(
            id: user.id.uuidString.lowercased(), username: user.username, displayName: user.displayName, bio: user.bio,
            city: user.city, genres: user.genreList, links: links(user), role: role(user.role), verified: user.verified,
            avatar: avatar(user), followerCount: view.followerCount, followingCount: view.followingCount, createdAt: user.createdAt,
            email: user.email, location: location, locationFromCity: user.latitude == nil ? nil : (user.locationFromCity ?? false),
            venue: venueBody(user, venue)
        )
    }

    static func summary(_ user: User) -> Components.Schemas.UserSummary {
        .init(
            id: user.id.uuidString.lowercased(), username: user.username, displayName: user.displayName,
            role: role(user.role), verified: user.verified, avatar: avatar(user)
        )
    }

    static func session(_ tokens: SessionTokens, _ view: ProfileView) -> Components.Schemas.Session {
        .init(
            tokenType: .bearer,
            accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt,
            refreshToken: tokens.refreshToken, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
            user: privateProfile(view)
        )
    }
}
