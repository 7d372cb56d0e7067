import BasedAPI
import BasedGeo
import Foundation
import OpenAPIRuntime

/// /places (the gazetteer's autocomplete), /places/map-settings, /venues/nearby.
extension APIHandler {
    func listPlaces(_ input: Operations.ListPlaces.Input) async throws -> Operations.ListPlaces.Output {
        let matches = try await services.gazetteer.search(input.query.q, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: matches.map { match in
            let place = match.place
            return .init(
                id: place.id, name: place.name, country: place.country, admin1: place.admin1, latitude: place.latitude,
                longitude: place.longitude, population: place.population, timeZone: place.timeZone, matched: match.matched
            )
        }))))
    }

    func getMapSettings(_ input: Operations.GetMapSettings.Input) async throws -> Operations.GetMapSettings.Output {
        .ok(.init(body: .json(.init(tileUrl: services.configuration.mapTileURL, attribution: services.configuration.mapAttribution))))
    }

    func listNearbyVenues(_ input: Operations.ListNearbyVenues.Input) async throws -> Operations.ListNearbyVenues.Output {
        let viewer = try RequestScope.get().identity
        let centre = try await searchCentre(latitude: input.query.latitude, longitude: input.query.longitude, city: input.query.city, viewer: viewer)
        let found = try await services.venues.nearby(
            latitude: centre.latitude, longitude: centre.longitude, radiusKm: input.query.radiusKm ?? 25, limit: input.query.limit
        )
        return .ok(.init(body: .json(.init(items: found.map { item in
            .init(
                venue: Self.summary(item.venue), city: item.venue.city, details: Self.venueBody(item.venue, item.details),
                distanceKm: (item.distanceKm * 100).rounded() / 100
            )
        }))))
    }

    func addVenuePhoto(_ input: Operations.AddVenuePhoto.Input) async throws -> Operations.AddVenuePhoto.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .any(let body) = input.body else { throw AppError.unsupportedMediaType("Send the image bytes.") }
        let data = try await Self.imageBytes(body, limit: services.configuration.avatarMaxBytes)
        let photos = try await services.venues.addPhoto(identity, image: data)
        guard let venue = try await services.accounts.user(id: identity.userID) else { throw AppError.notFound("The venue") }
        return .created(.init(body: .json(.init(items: photos.map { Self.venuePhoto($0, venue: venue) }))))
    }

    func removeVenuePhoto(_ input: Operations.RemoveVenuePhoto.Input) async throws -> Operations.RemoveVenuePhoto.Output {
        let identity = try RequestScope.requireIdentity()
        try await services.venues.removePhoto(identity, id: input.path.photoId)
        return .noContent(.init())
    }

    func getVenuePhoto(_ input: Operations.GetVenuePhoto.Input) async throws -> Operations.GetVenuePhoto.Output {
        let data = try await services.venues.photo(venue: input.path.username, id: input.path.photoId)
        return .ok(.init(
            headers: .init(eTag: "\"\(input.path.photoId)\"", cacheControl: "public, max-age=86400"),
            body: .jpeg(HTTPBody(data))
        ))
    }

    /// Where a nearby search is centred: the point given, else the gazetteer's
    /// city given, else the signed-in viewer's own pin (or their city's).
    func searchCentre(latitude: Double?, longitude: Double?, city: String?, viewer: Identity?) async throws -> (latitude: Double, longitude: Double) {
        if latitude != nil || longitude != nil {
            let problems = Geo.problems(latitude: latitude, longitude: longitude)
            guard problems.isEmpty, let latitude, let longitude else { throw AppError.validation(problems) }
            return (latitude, longitude)
        }
        if let city {
            if let problem = Validation.text(city, min: 1, max: 100) { throw AppError.validation("city", problem) }
            guard let place = try await services.gazetteer.resolve(city: city) else {
                throw AppError.validation("city", "is not a city the gazetteer knows (GET /api/v1/places?q= lists them)")
            }
            return (place.latitude, place.longitude)
        }
        if let viewer, let user = try await services.accounts.user(id: viewer.userID), let latitude = user.latitude, let longitude = user.longitude {
            return (latitude, longitude)
        }
        throw AppError.validation("latitude", "is required (with longitude), or a city, unless your profile has a pin or a known city")
    }
}
