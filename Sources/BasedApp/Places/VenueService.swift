import BasedGeo
import Foundation

/// Venues as places: their address, capacity and opening details, and which
/// venues are near a point.
public struct VenueService: Sendable {
    let database: Database
    let accounts: AccountService

    public struct Details: Sendable, Equatable {
        public var address: String?
        public var capacity: Int?
        public var openingHours: String?

        public init(address: String? = nil, capacity: Int? = nil, openingHours: String? = nil) {
            self.address = address
            self.capacity = capacity
            self.openingHours = openingHours
        }
    }

    /// For an edit: nil leaves a field as it is, an empty text clears it.
    public struct Update: Sendable {
        public var address: String?
        public var capacity: Int?
        public var clearCapacity = false
        public var openingHours: String?

        public init(address: String? = nil, capacity: Int? = nil, clearCapacity: Bool = false, openingHours: String? = nil) {
            self.address = address
            self.capacity = capacity
            self.clearCapacity = clearCapacity
            self.openingHours = openingHours
        }
    }

    public static let addressCharacters = 300
    public static let openingHoursCharacters = 500
    public static let maxCapacity = 1_000_000

    public func details(of users: [UUID]) async throws -> [UUID: Details] {
        let rows = try await PlaceQueries.venueDetails(of: users, on: database.sql)
        return Dictionary(rows.map { ($0.userId, Details(address: $0.address, capacity: $0.capacity, openingHours: $0.openingHours)) },
                          uniquingKeysWith: { a, _ in a })
    }

    /// Changes the venue's own details (venue accounts only); checked whole before anything is written.
    /// With `dryRun`, only checks (and answers what would be stored).
    public func update(_ identity: Identity, _ update: Update, dryRun: Bool = false, now: Date = Date()) async throws -> Details {
        guard identity.role == .venue else {
            throw AppError.forbidden("Only venue accounts have venue details.", code: "venue_only")
        }
        var details = try await details(of: [identity.userID])[identity.userID] ?? Details()
        var fields: [AppError.FieldError] = []
        if let address = update.address?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(address, max: Self.addressCharacters) { fields.append(.init("venue.address", problem)) }
            details.address = address.isEmpty ? nil : address
        }
        if let hours = update.openingHours?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(hours, max: Self.openingHoursCharacters, multiline: true) {
                fields.append(.init("venue.openingHours", problem))
            }
            details.openingHours = hours.isEmpty ? nil : hours
        }
        switch (update.capacity, update.clearCapacity) {
        case (.some, true): fields.append(.init("venue.clearCapacity", "cannot be combined with capacity"))
        case (.some(let capacity), false):
            if !(1...Self.maxCapacity).contains(capacity) { fields.append(.init("venue.capacity", "must be between 1 and \(Self.maxCapacity)")) }
            details.capacity = capacity
        case (nil, true): details.capacity = nil
        case (nil, false): break
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        if dryRun { return details }
        let row = PlaceQueries.VenueRow(userId: identity.userID, address: details.address, capacity: details.capacity, openingHours: details.openingHours)
        try await PlaceQueries.setVenueDetails(row, now: now, on: database.sql)
        return details
    }

    public struct Nearby: Sendable {
        public var venue: User
        public var details: Details?
        public var distanceKm: Double
    }

    /// Venue accounts with a pin within `radiusKm` of the centre, nearest first.
    public func nearby(latitude: Double, longitude: Double, radiusKm: Double, limit: Int?) async throws -> [Nearby] {
        try Geo.checkSearch(latitude: latitude, longitude: longitude, radiusKm: radiusKm)
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be between 1 and 100") }
        let centre = (latitude: latitude, longitude: longitude)
        let box = Geo.box(around: centre, radiusKm: radiusKm)
        let candidates = try await accounts.venues(latitudes: box.latitudes, longitudes: box.longitudes, limit: 5000)
        let near = candidates.compactMap { venue -> (User, Double)? in
            guard let lat = venue.latitude, let lon = venue.longitude else { return nil }
            let distance = Geo.distanceKm(centre, (lat, lon))
            return distance <= radiusKm ? (venue, distance) : nil
        }
        .sorted { ($0.1, $0.0.username) < ($1.1, $1.0.username) }
        .prefix(size)
        let details = try await details(of: near.map(\.0.id))
        return near.map { Nearby(venue: $0.0, details: details[$0.0.id], distanceKm: $0.1) }
    }
}
