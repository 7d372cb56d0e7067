import BasedMedia
import Crypto
import Foundation
import HTTPTypes
import Logging

/// Profiles: reading them, editing your own, and avatars.
public struct ProfileService: Sendable {
    let database: Database
    let follows: FollowService
    /// Where avatar thumbnails are kept, content-addressed by the original's SHA-256.
    let avatarDirectory: URL
    let temporaryDirectory: URL
    let avatarMaxBytes: Int
    /// Told of edited profiles (search indexes names and cities).
    var changes: ChangeFeed?
    /// Refuses display names with a blocked word, masks them in bios.
    var moderation: ModerationService?
    /// Gives a city typed without a pin its coordinates.
    var gazetteer: Gazetteer?
    static let maxAvatarPixels = 6000

    public struct Update: Sendable {
        public var displayName: String?
        public var bio: String?
        public var city: String?
        public var location: (latitude: Double, longitude: Double)?
        public var clearLocation: Bool
        public var genres: [String]?
        public var links: [ProfileLink]?

        public init(displayName: String? = nil, bio: String? = nil, city: String? = nil,
                    location: (latitude: Double, longitude: Double)? = nil, clearLocation: Bool = false,
                    genres: [String]? = nil, links: [ProfileLink]? = nil) {
            self.displayName = displayName
            self.bio = bio
            self.city = city
            self.location = location
            self.clearLocation = clearLocation
            self.genres = genres
            self.links = links
        }
    }

    public func profile(username: String) async throws -> ProfileView {
        guard let user = try await AccountQueries.user(usernameKey: User.key(username), on: database.sql) else {
            throw AppError.notFound("The user \(username)")
        }
        return try await view(of: user)
    }

    /// A user by id, for showing as an artist or author.
    public func user(id: UUID) async throws -> User {
        guard let user = try await AccountQueries.user(id: id, on: database.sql) else { throw AppError.notFound("The user") }
        return user
    }

    public func profile(_ identity: Identity) async throws -> ProfileView {
        try await view(of: try await own(identity))
    }

    public func view(of user: User) async throws -> ProfileView {
        let counts = try await follows.counts(of: user.id)
        return ProfileView(user: user, followerCount: counts.followers, followingCount: counts.following)
    }

    public func update(_ identity: Identity, _ update: Update) async throws -> ProfileView {
        var user = try await own(identity)
        var fields: [AppError.FieldError] = []
        if let name = update.displayName?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(name, min: 1, max: 80) { fields.append(.init("displayName", problem)) }
            user.displayName = name
        }
        if let bio = update.bio {
            if let problem = Validation.text(bio, max: 1000, multiline: true) { fields.append(.init("bio", problem)) }
            user.bio = bio
        }
        if let city = update.city?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(city, max: 100) { fields.append(.init("city", problem)) }
            user.city = city.isEmpty ? nil : city
        }
        if update.clearLocation && update.location != nil {
            fields.append(.init("clearLocation", "cannot be combined with location"))
        } else if update.clearLocation {
            (user.latitude, user.longitude, user.locationFromCity) = (nil, nil, nil)
        } else if let location = update.location {
            user.locationFromCity = false
            if !(location.latitude.isFinite && (-90...90).contains(location.latitude)) {
                fields.append(.init("location.latitude", "must be between -90 and 90"))
            }
            if !(location.longitude.isFinite && (-180...180).contains(location.longitude)) {
                fields.append(.init("location.longitude", "must be between -180 and 180"))
            }
            (user.latitude, user.longitude) = (location.latitude, location.longitude)
        }
        if let genres = update.genres {
            let cleaned = genres.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if cleaned.count > 10 { fields.append(.init("genres", "must have at most 10 entries")) }
            for (index, genre) in cleaned.enumerated() {
                if let problem = Validation.text(genre, min: 1, max: 40) { fields.append(.init("genres[\(index)]", problem)) }
            }
            var seen = Set<String>()
            user.genres = Self.json(cleaned.filter { seen.insert($0.lowercased()).inserted })
        }
        if let links = update.links {
            if links.count > 10 { fields.append(.init("links", "must have at most 10 entries")) }
            for (index, link) in links.enumerated() {
                if let problem = Validation.text(link.label, min: 1, max: 40) { fields.append(.init("links[\(index)].label", problem)) }
                if let problem = Validation.url(link.url) { fields.append(.init("links[\(index)].url", problem)) }
            }
            user.links = Self.json(links)
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        // Without a pin of their own, a user is where the gazetteer puts their city;
        // a pin they set always wins.
        let pinned = user.latitude != nil && user.locationFromCity != true
        if !pinned, update.city != nil || update.clearLocation, let gazetteer {
            if let city = user.city, let place = try await gazetteer.resolve(city: city) {
                (user.latitude, user.longitude, user.locationFromCity) = (place.latitude, place.longitude, true)
            } else {
                (user.latitude, user.longitude, user.locationFromCity) = (nil, nil, nil)
            }
        }
        var screened: [(String, ModerationService.Screened)] = []
        if let moderation {
            if update.displayName != nil { screened.append(("displayName", try moderation.name(user.displayName, field: "displayName"))) }
            if update.bio != nil {
                let bio = moderation.freeText(user.bio)
                user.bio = bio.text
                screened.append(("bio", bio))
            }
        }
        user.updatedAt = Date()
        try await AccountQueries.updateProfile(user, on: database.sql)
        for (field, screening) in screened {
            try await moderation?.flag(screening, thing: .user, id: user.id, field: field, author: user.id)
        }
        await changes?.announce(.user, user.id)
        return try await view(of: user)
    }

    // MARK: Avatars

    /// Checks the upload by its content, makes 128 and 512 pixel thumbnails and
    /// stores them; nothing is kept when any step fails.
    public func setAvatar(_ identity: Identity, image: Data) async throws -> ProfileView {
        var user = try await own(identity)
        let upload = ImageUpload(noun: "The avatar", maxBytes: avatarMaxBytes, maxPixels: Self.maxAvatarPixels, scratch: temporaryDirectory)
        let hash = try await upload.withChecked(image) { original, hash, _ in
            try FileManager.default.createDirectory(at: avatarDirectory, withIntermediateDirectories: true)
            for size in AvatarSize.allCases where !FileManager.default.fileExists(atPath: avatarFile(hash: hash, size: size).path) {
                // Written beside the final name and moved into place, so a reader never sees half a file.
                let partial = temporaryDirectory.appendingPathComponent("thumb-\(UUID().uuidString).jpg")
                defer { try? FileManager.default.removeItem(at: partial) }
                try await ImageUpload.decoding { try await Images.squareThumbnail(of: original, size: size.pixels, to: partial) }
                try moveIntoPlace(partial, avatarFile(hash: hash, size: size))
            }
            return hash
        }
        let previous = user.avatarHash
        user.avatarHash = hash
        user.updatedAt = Date()
        try await AccountQueries.updateProfile(user, on: database.sql)
        if let previous, previous != hash { try await removeAvatarFilesIfUnused(previous) }
        return try await view(of: user)
    }

    public func deleteAvatar(_ identity: Identity) async throws {
        var user = try await own(identity)
        guard let previous = user.avatarHash else { return }
        user.avatarHash = nil
        user.updatedAt = Date()
        try await AccountQueries.updateProfile(user, on: database.sql)
        try await removeAvatarFilesIfUnused(previous)
    }

    public enum AvatarSize: String, CaseIterable, Sendable {
        case small, large
        var pixels: Int { self == .small ? 128 : 512 }
    }

    /// The JPEG of a user's avatar and its content hash (the ETag).
    public func avatar(username: String, size: AvatarSize) async throws -> (data: Data, hash: String) {
        guard let user = try await AccountQueries.user(usernameKey: User.key(username), on: database.sql) else {
            throw AppError.notFound("The user \(username)")
        }
        guard let hash = user.avatarHash, let data = FileManager.default.contents(atPath: avatarFile(hash: hash, size: size).path) else {
            throw AppError.notFound("An avatar for \(username)")
        }
        return (data, "\(hash)-\(size.rawValue)")
    }

    func avatarFile(hash: String, size: AvatarSize) -> URL {
        avatarDirectory.appendingPathComponent("\(hash)-\(size.pixels).jpg")
    }

    private func moveIntoPlace(_ source: URL, _ destination: URL) throws {
        if rename(source.path, destination.path) != 0 {
            try? FileManager.default.removeItem(at: source)
            throw AppError.internal
        }
    }

    /// Removes an avatar's files once no account shows it (after an account was erased).
    public func removeAvatarIfUnused(_ hash: String) async throws {
        try await removeAvatarFilesIfUnused(hash)
    }

    private func removeAvatarFilesIfUnused(_ hash: String) async throws {
        guard try await AccountQueries.countUsersReferencing(avatarHash: hash, on: database.sql) == 0 else { return }
        for size in AvatarSize.allCases { try? FileManager.default.removeItem(at: avatarFile(hash: hash, size: size)) }
    }

    private func own(_ identity: Identity) async throws -> User {
        guard let user = try await AccountQueries.user(id: identity.userID, on: database.sql) else {
            throw AppError.unauthorized("This session was signed out.", code: "session_revoked")
        }
        return user
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
