import Foundation

/// Releases: albums, EPs and singles that group an artist's tracks.
public struct ReleaseService: Sendable {
    let database: Database
    /// Announces public releases to followers; nil in tools that only read.
    var jobs: JobQueue?
    /// Told of every created, edited and deleted release (search indexes them).
    var changes: ChangeFeed?
    /// Refuses titles with a blocked word.
    var moderation: ModerationService?

    public struct Input: Sendable {
        public var title: String?
        public var kind: Release.Kind?
        public var releaseDate: String?
        public var credits: [Credit]?
        public var visibility: Visibility?

        public init(title: String? = nil, kind: Release.Kind? = nil, releaseDate: String? = nil, credits: [Credit]? = nil, visibility: Visibility? = nil) {
            self.title = title
            self.kind = kind
            self.releaseDate = releaseDate
            self.credits = credits
            self.visibility = visibility
        }
    }

    public func create(_ identity: Identity, _ input: Input) async throws -> Release {
        guard identity.role == .artist || identity.role == .admin else {
            throw AppError.forbidden("Only artist accounts make releases.", code: "artist_only")
        }
        guard input.title != nil else { throw AppError.validation("title", "is required") }
        let now = Date()
        var release = Release(
            id: .v7(now: now), artistId: identity.userID, title: "", kind: .album, releaseDate: nil,
            credits: "[]", artworkHash: nil, visibility: .public, createdAt: now, updatedAt: now
        )
        try apply(input, to: &release)
        let screening = try moderation?.screen([("title", release.title, .name)])
        try await CatalogQueries.insert(release, on: database.sql)
        try await moderation?.flag(screening, thing: .release, id: release.id, author: identity.userID)
        if release.visibility == .public, let jobs {
            try await ReleaseAnnouncer.enqueue(release.id, jobs: jobs, on: database.sql)
        }
        await changes?.announce(.release, release.id)
        return release
    }

    public func update(_ identity: Identity, releaseID: UUID, _ input: Input) async throws -> Release {
        var release = try await owned(identity, releaseID)
        if let visibility = input.visibility, visibility != .private, try await CatalogQueries.isTakenDown(.releases, id: releaseID, on: database.sql) {
            throw Takedown.refusal("release")
        }
        try apply(input, to: &release)
        let screening = try moderation?.screen([("title", input.title.map { _ in release.title }, .name)])
        release.updatedAt = Date()
        try await CatalogQueries.update(release, on: database.sql)
        try await moderation?.flag(screening, thing: .release, id: release.id, author: identity.userID)
        if release.visibility == .public, let jobs {
            try await ReleaseAnnouncer.enqueue(release.id, jobs: jobs, on: database.sql)
        }
        await changes?.announce(.release, release.id)
        return release
    }

    /// Takes the release down (a moderator's decision), as `TrackService.takeDown`; returns the visibility it had.
    public func takeDown(_ id: UUID) async throws -> Visibility {
        guard let release = try await CatalogQueries.release(id: id, on: database.sql) else { throw AppError.notFound("The release") }
        _ = try await CatalogQueries.setTakedown(.releases, id: id, visibility: .private, at: Date(), on: database.sql)
        await changes?.announce(.release, id)
        return release.visibility
    }

    /// Lifts a takedown, giving the release back the visibility it had.
    public func restore(_ id: UUID, visibility: Visibility) async throws {
        guard try await CatalogQueries.setTakedown(.releases, id: id, visibility: visibility, at: nil, on: database.sql) else { return }
        await changes?.announce(.release, id)
    }

    public func delete(_ identity: Identity, releaseID: UUID) async throws {
        let release = try await owned(identity, releaseID)
        try await CatalogQueries.deleteRelease(id: release.id, on: database.sql)
        await changes?.announce(.release, release.id)
    }

    /// Deletes every release of an artist whose account is being erased
    /// (their tracks first, through `TrackService.erase(artist:)`). Safe to
    /// run again. Returns the cover art the releases showed, for the caller to
    /// remove where nothing else shows it.
    @discardableResult
    public func erase(artist: UUID) async throws -> Set<String> {
        var artwork: Set<String> = []
        while true {
            let page = try await CatalogQueries.releases(artist: artist, includeHidden: true, before: nil, limit: 200, on: database.sql)
            if page.isEmpty { return artwork }
            for release in page {
                if let hash = release.artworkHash { artwork.insert(hash) }
                try await CatalogQueries.deleteRelease(id: release.id, on: database.sql)
                await changes?.announce(.release, release.id)
            }
        }
    }

    /// The release and the tracks of it that the viewer may see.
    public func release(_ id: UUID, viewer: Identity?) async throws -> (Release, [Track]) {
        guard let release = try await CatalogQueries.release(id: id, on: database.sql),
              release.visibility != .private || release.artistId == viewer?.userID
        else { throw AppError.notFound("The release") }
        let tracks = try await CatalogQueries.tracks(release: id, on: database.sql).filter {
            $0.artistId == viewer?.userID || ($0.visibility != .private && $0.state == .ready)
        }
        return (release, tracks)
    }

    // MARK: For other features

    /// The ids of the release's tracks, hidden ones too (a copyright takedown blocks them all).
    public func trackIDs(of release: UUID) async throws -> [UUID] {
        try await CatalogQueries.tracks(release: release, on: database.sql).map(\.id)
    }

    /// A page of public releases with a playable track, newest first (browsing, feeds).
    public func newest(artists: [UUID]?, before: UUID?, limit: Int) async throws -> [Release] {
        try await CatalogQueries.newestReleases(artists: artists, before: before, limit: limit, on: database.sql)
    }

    /// The release, whoever asks (no viewer rules): for jobs such as the announcer.
    public func release(id: UUID) async throws -> Release? {
        try await CatalogQueries.release(id: id, on: database.sql)
    }

    /// The releases with these ids, keyed by id, in one query; unknown ids are absent.
    public func releases(ids: some Sequence<UUID>) async throws -> [UUID: Release] {
        let releases = try await CatalogQueries.releases(ids: Array(Set(ids)), on: database.sql)
        return Dictionary(releases.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// A page of public releases in id order (search and browsing index them).
    public func listings(after: UUID?, limit: Int) async throws -> [ReleaseListing] {
        try await CatalogQueries.releaseListings(after: after, limit: limit, on: database.sql)
    }

    /// The release's listing if it is public, else nil.
    public func listing(id: UUID) async throws -> ReleaseListing? {
        guard let release = try await CatalogQueries.release(id: id, on: database.sql), release.visibility == .public else { return nil }
        return ReleaseListing(id: release.id, artistId: release.artistId, title: release.title, creditNames: release.creditList.map(\.name), createdAt: release.createdAt)
    }

    /// Whether the release has a public track ready to play.
    public func hasPlayableTrack(_ release: UUID) async throws -> Bool {
        try await CatalogQueries.hasPlayableTrack(release: release, on: database.sql)
    }

    private func owned(_ identity: Identity, _ id: UUID) async throws -> Release {
        guard let release = try await CatalogQueries.release(id: id, on: database.sql),
              release.visibility != .private || release.artistId == identity.userID
        else { throw AppError.notFound("The release") }
        guard release.artistId == identity.userID else {
            throw AppError.forbidden("Only the release's artist may change it.", code: "not_owner")
        }
        return release
    }

    private func apply(_ input: Input, to release: inout Release) throws {
        var fields: [AppError.FieldError] = []
        if let title = input.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(title, min: 1, max: 200) { fields.append(.init("title", problem)) }
            release.title = title
        }
        if let kind = input.kind { release.kind = kind }
        if let date = input.releaseDate {
            let parts = date.split(separator: "-")
            let valid = parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
                && Int(parts[0]) != nil && (1...12).contains(Int(parts[1]) ?? 0) && (1...31).contains(Int(parts[2]) ?? 0)
            if !valid { fields.append(.init("releaseDate", "must be a date like 2026-05-01")) }
            release.releaseDate = date
        }
        if let credits = input.credits {
            if credits.count > 50 { fields.append(.init("credits", "must have at most 50 entries")) }
            for (index, credit) in credits.enumerated() {
                if let problem = Validation.text(credit.role, min: 1, max: 60) { fields.append(.init("credits[\(index)].role", problem)) }
                if let problem = Validation.text(credit.name, min: 1, max: 100) { fields.append(.init("credits[\(index)].name", problem)) }
            }
            release.credits = JSONText.encode(credits)
        }
        if let visibility = input.visibility { release.visibility = visibility }
        guard fields.isEmpty else { throw AppError.validation(fields) }
    }
}
