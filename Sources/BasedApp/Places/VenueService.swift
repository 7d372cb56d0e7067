import BasedGeo
import BasedMedia
import Crypto
import Foundation
import HTTPTypes

/// Venues as places: their address, capacity and opening details, and which
/// venues are near a point.
public struct VenueService: Sendable {
    let database: Database
    let accounts: AccountService
    /// Where venue photos are kept, by the SHA-256 of the upload.
    let photoDirectory: URL
    let temporaryDirectory: URL
    let maxPhotoBytes: Int

    public static let photosPerVenue = 8
    /// Photos are kept as JPEGs at most this many pixels on their longer side.
    public static let photoSide = 1600
    static let maxPhotoPixels = 8000

    public struct Details: Sendable, Equatable {
        public var address: String?
        public var capacity: Int?
        public var openingHours: String?
        public var photos: [Photo] = []

        public init(address: String? = nil, capacity: Int? = nil, openingHours: String? = nil, photos: [Photo] = []) {
            self.address = address
            self.capacity = capacity
            self.openingHours = openingHours
            self.photos = photos
        }
    }

    /// A photo of the venue: its id is the SHA-256 of what was uploaded.
    public struct Photo: Sendable, Equatable {
        public var id: String
        public var width: Int
        public var height: Int
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
        var photos: [UUID: [Photo]] = [:]
        for row in try await PlaceQueries.photos(of: users, on: database.sql) {
            photos[row.venueId, default: []].append(Photo(id: row.hash, width: row.width, height: row.height))
        }
        var details = Dictionary(rows.map { row in
            (row.userId, Details(address: row.address, capacity: row.capacity, openingHours: row.openingHours, photos: photos[row.userId] ?? []))
        }, uniquingKeysWith: { a, _ in a })
        for (venue, list) in photos where details[venue] == nil { details[venue] = Details(photos: list) }
        return details
    }

    /// Changes the venue's own details (venue accounts only); checked whole before anything is written.
    /// With `dryRun`, only checks (and answers what would be stored).
    public func update(_ identity: Identity, _ update: Update, dryRun: Bool = false, now: Date = Date()) async throws -> Details {
        guard identity.role == .venue else {
            throw AppError.forbidden("Only venue accounts have venue details.", code: "venue_only")
        }
        var details = try await details(of: [identity.userID])[identity.userID] ?? Details()
        let photos = details.photos
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
        details.photos = photos
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

    // MARK: Photos

    /// Adds a photo to the venue's (venue accounts only, at most
    /// `photosPerVenue`): checked by its content, kept as a JPEG that fits
    /// `photoSide`; nothing is kept when a step fails.
    public func addPhoto(_ identity: Identity, image: Data, now: Date = Date()) async throws -> [Photo] {
        guard identity.role == .venue else { throw AppError.forbidden("Only venue accounts have venue photos.", code: "venue_only") }
        let upload = ImageUpload(noun: "A photo", maxBytes: maxPhotoBytes, maxPixels: Self.maxPhotoPixels, scratch: temporaryDirectory)
        let row = try await upload.withChecked(image) { original, hash, probe in
            let file = photoFile(hash)
            if !FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.createDirectory(at: photoDirectory, withIntermediateDirectories: true)
                // Written beside the final name and moved into place, so a reader never sees half a file.
                let partial = temporaryDirectory.appendingPathComponent("photo-\(UUID().uuidString).jpg")
                defer { try? FileManager.default.removeItem(at: partial) }
                try await ImageUpload.decoding { try await Images.fitted(original, maxSide: Self.photoSide, to: partial) }
                guard rename(partial.path, file.path) == 0 else { throw AppError.internal }
            }
            let scale = min(1, Double(Self.photoSide) / Double(max(probe.width, probe.height)))
            return PlaceQueries.PhotoRow(
                venueId: identity.userID, hash: hash, width: Int((Double(probe.width) * scale).rounded()),
                height: Int((Double(probe.height) * scale).rounded()), createdAt: now
            )
        }
        let hash = row.hash
        let added = try await database.transaction { sql in
            try await PlaceQueries.lockVenue(row.venueId, now: now, on: sql)
            return try await PlaceQueries.addPhoto(row, limit: Self.photosPerVenue, on: sql)
        }
        let photos = try await details(of: [identity.userID])[identity.userID]?.photos ?? []
        if !added, !photos.contains(where: { $0.id == hash }) {
            try await removeFileIfUnused(hash)
            throw AppError.conflict("A venue has at most \(Self.photosPerVenue) photos; remove one first.", code: "too_many_photos")
        }
        return photos
    }

    /// Removes a venue's photos and details (its account is being erased); safe to repeat.
    public func erase(venue: UUID) async throws {
        for photo in try await PlaceQueries.photos(of: [venue], on: database.sql) {
            _ = try await PlaceQueries.removePhoto(venue: venue, hash: photo.hash, on: database.sql)
            try await removeFileIfUnused(photo.hash)
        }
        try await PlaceQueries.deleteVenueDetails(of: venue, on: database.sql)
    }

    public func removePhoto(_ identity: Identity, id: String) async throws {
        guard try await PlaceQueries.removePhoto(venue: identity.userID, hash: id, on: database.sql) else {
            throw AppError.notFound("The photo")
        }
        try await removeFileIfUnused(id)
    }

    /// A venue's photo (the JPEG), by the venue's username and the photo's id.
    public func photo(venue username: String, id: String) async throws -> Data {
        guard let venue = try await accounts.user(username: username),
              try await PlaceQueries.photos(of: [venue.id], on: database.sql).contains(where: { $0.hash == id }),
              let data = FileManager.default.contents(atPath: photoFile(id).path)
        else { throw AppError.notFound("The photo") }
        return data
    }

    func photoFile(_ hash: String) -> URL {
        photoDirectory.appendingPathComponent("\(hash).jpg")
    }

    private func removeFileIfUnused(_ hash: String) async throws {
        guard try await !PlaceQueries.photoInUse(hash, on: database.sql) else { return }
        try? FileManager.default.removeItem(at: photoFile(hash))
    }
}
