import BasedMedia
import Foundation
import HTTPTypes
import Logging
import SQLKit

/// Tracks: uploading (validation, dedupe, storage, queueing the processing),
/// reading with visibility rules, and editing or deleting one's own.
public struct TrackService: Sendable {
    let database: Database
    let blobs: BlobStore
    let jobs: JobQueue
    let maxUploadBytes: Int
    /// Playback facts of ready tracks; everything here that changes a track tells it.
    let readyTracks: ReadyTracks
    /// Refuses edited titles with a blocked word; masks one that came in a file's tags.
    var moderation: ModerationService?

    public struct Upload: Sendable {
        public var filename: String?
        public var title: String?
        public var visibility: Visibility?

        public init(filename: String? = nil, title: String? = nil, visibility: Visibility? = nil) {
            self.filename = filename
            self.title = title
            self.visibility = visibility
        }
    }

    /// Takes an upload from a byte stream: written to a temporary file as it
    /// arrives (never whole in memory), capped, checked by ffprobe and a full
    /// decode, stored by content hash, and queued for processing. On any
    /// refusal nothing stays on disk or in the database.
    public func upload<Bytes: AsyncSequence & Sendable>(
        _ identity: Identity, upload: Upload, bytes: Bytes
    ) async throws -> Track where Bytes.Element == ArraySlice<UInt8> {
        try checkUploader(identity, upload: upload)
        let received = try await receive(bytes)
        return try await ingest(identity, upload: upload, file: received.file, hash: received.hash, size: received.size)
    }

    /// Refuses an upload before any byte is stored: not an artist, or a typed title with a blocked word.
    public func checkUploader(_ identity: Identity, upload: Upload) throws {
        guard identity.role == .artist || identity.role == .admin else {
            throw AppError.forbidden("Only artist accounts upload tracks.", code: "artist_only")
        }
        if let title = upload.title { _ = try moderation?.name(title, field: "title") }
    }

    /// A body written whole to a temporary file, for `ingest`.
    public struct Received: Sendable {
        public var file: URL
        public var hash: String
        public var size: Int
    }

    /// Writes a byte stream to a temporary file as it arrives (never whole in
    /// memory), capped at the upload limit and hashed on the way; nothing
    /// stays on disk when it throws.
    public func receive<Bytes: AsyncSequence & Sendable>(_ bytes: Bytes) async throws -> Received where Bytes.Element == ArraySlice<UInt8> {
        var writer = try HashingFileWriter(in: blobs.temporary, limit: maxUploadBytes)
        do {
            for try await chunk in bytes { try writer.write(chunk) }
            return Received(file: writer.url, hash: try writer.finish(), size: writer.count)
        } catch HashingFileWriter.WriteError.tooLarge(let limit) {
            writer.discard()
            throw AppError.payloadTooLarge(limit: limit)
        } catch {
            writer.discard()
            // The body stream broke off (the client went away or sent less than it promised).
            throw AppError(.badRequest, code: "upload_interrupted", "The upload ended before the whole file arrived; nothing was kept.")
        }
    }

    /// Takes an upload whose bytes are whole in a temporary file (a streamed
    /// body, a multipart part or a finished resumable upload): checked by
    /// ffprobe and a full decode, stored by content hash, and queued for
    /// processing. The file is the track's or gone when this returns or throws.
    public func ingest(_ identity: Identity, upload: Upload, file: URL, hash: String, size: Int) async throws -> Track {
        var stored = false
        defer { if !stored { try? FileManager.default.removeItem(at: file) } }
        try checkUploader(identity, upload: upload)
        guard size > 0 else { throw AppError.validation("body", "is empty; send the audio file's bytes") }

        let probe: AudioProbe
        do {
            probe = try await AudioProbe.inspect(file)
            try await AudioProbe.verifyDecodes(file, duration: probe.duration)
        } catch AudioProbe.Rejection.unsupported(let reason) {
            throw AppError.unsupportedMediaType("This is not an audio file Based accepts: \(reason).")
        } catch AudioProbe.Rejection.invalid(let reason) {
            throw AppError(.unprocessableContent, code: "invalid_audio", "The audio cannot be used: \(reason).")
        }
        if let existing = try await CatalogQueries.track(artist: identity.userID, originalHash: hash, on: database.sql) {
            throw AppError.duplicateUpload(existing.id)
        }
        try blobs.storeOriginal(file, hash: hash)
        stored = true

        let now = Date()
        let tags = TagPrefill(probe.tags, filename: upload.filename)
        var track = Track(
            id: .v7(now: now), artistId: identity.userID, releaseId: nil,
            title: upload.title.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } ?? tags.title,
            featured: JSONText.encode(tags.featured), trackNumber: tags.trackNumber, discNumber: tags.discNumber,
            genre: tags.genre, tags: "[]", explicit: false, visibility: upload.visibility ?? .public,
            state: .processing, failureReason: nil, progress: "{}",
            originalHash: hash, originalFormat: probe.format, originalSize: size,
            originalFilename: tags.filename, durationSeconds: probe.duration, sampleRate: probe.sampleRate,
            channels: probe.channels, loudnessLufs: nil, truePeakDbtp: nil, replayGainDb: nil, waveform: nil,
            artworkHash: nil, year: tags.year, createdAt: now, updatedAt: now
        )
        if let problem = Validation.text(track.title, min: 1, max: 200) {
            throw AppError.validation("title", problem)
        }
        // A typed title passed the check above; one read from the file's tags is masked rather than refused, so the upload is kept.
        let screening = try moderation?.screen([("title", track.title, .freeText)])
        if let masked = screening?.text("title") { track.title = masked }
        do {
            try await database.transaction { [jobs, track] sql in
                var track = track
                if let album = tags.album {
                    track.releaseId = try await Self.release(titled: album, artist: identity.userID, year: tags.year, visibility: track.visibility, on: sql)
                }
                try await CatalogQueries.insert(track, on: sql)
                try await jobs.enqueue(kind: TrackProcessor.kind, payload: TrackProcessor.Payload(trackId: track.id), dedupeKey: "track:\(track.id)", on: sql)
            }
        } catch let error where database.isUniqueViolation(error) {
            // The same file arrived twice at once; the other upload won.
            let existing = try await CatalogQueries.track(artist: identity.userID, originalHash: hash, on: database.sql)
            await removeOriginalIfUnused(hash)
            throw existing.map { AppError.duplicateUpload($0.id) } ?? AppError.conflict("The same file is being uploaded already.", code: "duplicate_upload")
        }
        try await moderation?.flag(screening, thing: .track, id: track.id, author: identity.userID)
        return try await CatalogQueries.track(id: track.id, on: database.sql) ?? track
    }

    /// The artist's release with this title (any letter case), made when missing.
    static func release(titled title: String, artist: UUID, year: Int?, visibility: Visibility, on sql: any SQLDatabase) async throws -> UUID {
        if let existing = try await CatalogQueries.releaseID(artist: artist, titledLike: title, on: sql) { return existing }
        let now = Date()
        let release = Release(
            id: .v7(now: now), artistId: artist, title: String(title.prefix(200)), kind: .album,
            releaseDate: year.map { String(format: "%04d-01-01", $0) }, credits: "[]", artworkHash: nil,
            visibility: visibility, createdAt: now, updatedAt: now
        )
        try await CatalogQueries.insert(release, on: sql)
        return release.id
    }

    // MARK: Reading

    /// A track the viewer may see: ready public/unlisted ones for everyone, any state for the owner.
    public func track(_ id: UUID, viewer: Identity?) async throws -> Track {
        guard let track = try await CatalogQueries.track(id: id, on: database.sql),
              track.isVisible(to: viewer?.userID),
              track.state == .ready || track.artistId == viewer?.userID
        else { throw AppError.notFound("The track") }
        return track
    }

    // MARK: Playback

    /// The playback facts of a track, from the cache when it is ready.
    private func playable(_ id: UUID) async throws -> PlayableTrack? {
        let (cached, generation) = readyTracks.lookup(id)
        if let cached { return cached }
        guard let track = try await CatalogQueries.track(id: id, on: database.sql) else { return nil }
        let playable = PlayableTrack(track)
        readyTracks.store(playable, generation: generation)
        return playable
    }

    /// A ready track from the cache alone (nil on a miss): no database, no wait.
    func cachedReadyTrack(_ id: UUID) -> PlayableTrack? {
        readyTracks.lookup(id).track
    }

    /// A ready track, for a signed stream link: its holder may play it whatever its visibility.
    public func readyTrack(_ id: UUID) async throws -> PlayableTrack? {
        guard let track = try await playable(id), track.state == .ready else { return nil }
        return track
    }

    /// A track the viewer may play, by the rules of `track(_:viewer:)`.
    public func playable(_ id: UUID, viewer: Identity?) async throws -> PlayableTrack {
        guard let track = try await playable(id),
              track.isVisible(to: viewer?.userID),
              track.state == .ready || track.artistId == viewer?.userID
        else { throw AppError.notFound("The track") }
        return track
    }

    /// Of these tracks, the ready ones the viewer may play, in the order
    /// asked, each once; the others are left out without saying why.
    public func readyTracks(ids: [UUID], viewer: Identity?) async throws -> [Track] {
        try await visibleTracks(ids: ids, viewer: viewer).filter { $0.state == .ready }
    }

    /// Of these tracks, the ones `track(_:viewer:)` would show, in the order
    /// asked, each once; the others are left out without saying why.
    public func visibleTracks(ids: [UUID], viewer: Identity?) async throws -> [Track] {
        let found = try await tracks(ids: ids)
        var seen = Set<UUID>()
        return ids.compactMap { id in
            guard seen.insert(id).inserted, let track = found[id], track.isVisible(to: viewer?.userID),
                  track.state == .ready || track.artistId == viewer?.userID
            else { return nil }
            return track
        }
    }

    public func tracks(of artist: UUID, viewer: Identity?, cursor: String?, limit: Int?) async throws -> (tracks: [Track], next: String?) {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be between 1 and 100") }
        let before = try cursor.map(FollowService.decodeCursor)
        let rows = try await CatalogQueries.tracks(artist: artist, includeHidden: viewer?.userID == artist, before: before, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        return (shown, rows.count > size ? shown.last.map { FollowService.encodeCursor($0.id) } : nil)
    }

    // MARK: For other features

    /// A page of public, ready tracks, newest first (browsing); `artists` narrows to some artists.
    public func newest(genre: String?, artists: [UUID]?, before: UUID?, limit: Int) async throws -> [Track] {
        try await CatalogQueries.newestTracks(genre: genre, artists: artists, before: before, limit: limit, on: database.sql)
    }

    /// Genres of public, ready tracks with their track counts, most first.
    public func genres(limit: Int) async throws -> [(name: String, count: Int)] {
        try await CatalogQueries.genres(limit: limit, on: database.sql)
    }

    /// A page of public, ready tracks in id order (search and browsing index them).
    public func listings(after: UUID?, limit: Int) async throws -> [TrackListing] {
        try await CatalogQueries.trackListings(after: after, limit: limit, on: database.sql)
    }

    /// The track's listing if it is public and ready, else nil.
    public func listing(id: UUID) async throws -> TrackListing? {
        guard let track = try await CatalogQueries.track(id: id, on: database.sql),
              track.visibility == .public, track.state == .ready else { return nil }
        return TrackListing(
            id: track.id, artistId: track.artistId, releaseId: track.releaseId, title: track.title,
            featured: track.featuredList, genre: track.genre, createdAt: track.createdAt
        )
    }

    /// The track, whoever asks and in any state (no viewer rules): for jobs
    /// and for features that apply rules of their own.
    public func track(id: UUID) async throws -> Track? {
        try await CatalogQueries.track(id: id, on: database.sql)
    }

    /// The tracks with these ids, keyed by id, in one query; unknown ids are absent.
    public func tracks(ids: some Sequence<UUID>) async throws -> [UUID: Track] {
        let tracks = try await CatalogQueries.tracks(ids: Array(Set(ids)), on: database.sql)
        return Dictionary(tracks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Ids of the artist's public, ready tracks, newest first, at most `limit`.
    public func trackIDs(of artist: UUID, limit: Int) async throws -> [UUID] {
        try await CatalogQueries.tracks(artist: artist, includeHidden: false, before: nil, limit: limit, on: database.sql).map(\.id)
    }

    /// Whether the artist has a track with exactly this title.
    public func hasTrack(artist: UUID, titled title: String) async throws -> Bool {
        try await CatalogQueries.hasTrack(artist: artist, titled: title, on: database.sql)
    }

    // MARK: Editing

    public struct Edit: Sendable {
        public var title: String?
        public var featured: [String]?
        public var trackNumber: Int?
        public var discNumber: Int?
        public var genre: String?
        public var tags: [String]?
        public var explicit: Bool?
        public var visibility: Visibility?
        public var releaseId: UUID?
        public var clearRelease = false

        public init() {}
    }

    public func edit(_ identity: Identity, trackID: UUID, _ edit: Edit) async throws -> Track {
        var track = try await owned(identity, trackID)
        if let visibility = edit.visibility, visibility != .private, try await CatalogQueries.isTakenDown(.tracks, id: trackID, on: database.sql) {
            throw Takedown.refusal("track")
        }
        var fields: [AppError.FieldError] = []
        if let title = edit.title?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(title, min: 1, max: 200) { fields.append(.init("title", problem)) }
            track.title = title
        }
        if let featured = edit.featured {
            if featured.count > 20 { fields.append(.init("featured", "must have at most 20 names")) }
            for (index, name) in featured.enumerated() {
                if let problem = Validation.text(name, min: 1, max: 100) { fields.append(.init("featured[\(index)]", problem)) }
            }
            track.featured = JSONText.encode(featured)
        }
        if let number = edit.trackNumber {
            if !(1...999).contains(number) { fields.append(.init("trackNumber", "must be between 1 and 999")) }
            track.trackNumber = number
        }
        if let number = edit.discNumber {
            if !(1...99).contains(number) { fields.append(.init("discNumber", "must be between 1 and 99")) }
            track.discNumber = number
        }
        if let genre = edit.genre?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if let problem = Validation.text(genre, max: 60) { fields.append(.init("genre", problem)) }
            track.genre = genre.isEmpty ? nil : genre
        }
        if let tags = edit.tags {
            if tags.count > 20 { fields.append(.init("tags", "must have at most 20 entries")) }
            for (index, tag) in tags.enumerated() {
                if let problem = Validation.text(tag, min: 1, max: 40) { fields.append(.init("tags[\(index)]", problem)) }
            }
            track.tags = JSONText.encode(tags)
        }
        if let explicit = edit.explicit { track.explicit = explicit }
        if let visibility = edit.visibility { track.visibility = visibility }
        if edit.clearRelease {
            track.releaseId = nil
        } else if let releaseID = edit.releaseId {
            guard let release = try await CatalogQueries.release(id: releaseID, on: database.sql), release.artistId == identity.userID else {
                throw AppError.validation("releaseId", "is not one of your releases")
            }
            track.releaseId = release.id
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
        let screening = try moderation?.screen([("title", edit.title.map { _ in track.title }, .name)])
        track.updatedAt = Date()
        try await CatalogQueries.update(track, on: database.sql)
        try await moderation?.flag(screening, thing: .track, id: track.id, author: identity.userID)
        await readyTracks.changed(track.id)
        return track
    }

    /// Ready tracks (hidden ones too) in id order with their original files (fingerprint backfill).
    public func readyOriginals(after: UUID?, limit: Int) async throws -> [(id: UUID, file: URL)] {
        try await CatalogQueries.readyOriginals(after: after, limit: limit, on: database.sql).map { ($0.id, blobs.original(hash: $0.hash)) }
    }

    /// Every track `artist` uploaded (hidden ones too) with its original file (a data export).
    public func originals(of artist: UUID) async throws -> [(Track, URL)] {
        var found: [(Track, URL)] = []
        var before: UUID?
        while true {
            let page = try await CatalogQueries.tracks(artist: artist, includeHidden: true, before: before, limit: 500, on: database.sql)
            found += page.map { ($0, blobs.original(hash: $0.originalHash)) }
            guard page.count == 500, let last = page.last else { return found }
            before = last.id
        }
    }

    /// Takes the track down (a moderator's decision): only its artist still
    /// sees it, and cannot make it visible again until it is restored.
    /// Returns the visibility it had.
    public func takeDown(_ id: UUID) async throws -> Visibility {
        guard let track = try await CatalogQueries.track(id: id, on: database.sql) else { throw AppError.notFound("The track") }
        _ = try await CatalogQueries.setTakedown(.tracks, id: id, visibility: .private, at: Date(), on: database.sql)
        await readyTracks.changed(id)
        return track.visibility
    }

    /// Lifts a takedown, giving the track back the visibility it had.
    public func restore(_ id: UUID, visibility: Visibility) async throws {
        guard try await CatalogQueries.setTakedown(.tracks, id: id, visibility: visibility, at: nil, on: database.sql) else { return }
        await readyTracks.changed(id)
    }

    /// Deletes the track, its renditions, and its original when no other track uses it.
    public func delete(_ identity: Identity, trackID: UUID) async throws {
        let track = try await owned(identity, trackID)
        try await CatalogQueries.deleteTrack(id: track.id, on: database.sql)
        await readyTracks.changed(track.id)
        try? FileManager.default.removeItem(at: blobs.renditions(track: track.id.uuidString.lowercased()))
        await removeOriginalIfUnused(track.originalHash)
    }

    /// Deletes every track of an artist whose account is being erased, with
    /// its renditions, and its original and cover art when no other track
    /// uses them; and their unfinished resumable uploads. Safe to run again.
    public func erase(artist: UUID) async throws {
        try await ResumableUploads.erase(owner: artist, database: database, blobs: blobs)
        while true {
            let page = try await CatalogQueries.tracks(artist: artist, includeHidden: true, before: nil, limit: 200, on: database.sql)
            if page.isEmpty { return }
            for track in page {
                try await CatalogQueries.deleteTrack(id: track.id, on: database.sql)
                await readyTracks.changed(track.id)
                try? FileManager.default.removeItem(at: blobs.renditions(track: track.id.uuidString.lowercased()))
                await removeOriginalIfUnused(track.originalHash)
                if let artwork = track.artworkHash { await removeArtworkIfUnused(artwork) }
            }
        }
    }

    func owned(_ identity: Identity, _ id: UUID) async throws -> Track {
        guard let track = try await CatalogQueries.track(id: id, on: database.sql), track.isVisible(to: identity.userID) || identity.role == .admin else {
            throw AppError.notFound("The track")
        }
        guard track.artistId == identity.userID else {
            throw AppError.forbidden("Only the track's artist may change it.", code: "not_owner")
        }
        return track
    }

    private func removeOriginalIfUnused(_ hash: String) async {
        guard (try? await CatalogQueries.tracksUsing(originalHash: hash, on: database.sql)) == 0 else { return }
        try? FileManager.default.removeItem(at: blobs.original(hash: hash))
    }
}

extension TrackService {
    /// Whether a track's original is this stored file (attachments share the store).
    public func usesOriginal(_ hash: String) async throws -> Bool {
        try await CatalogQueries.tracksUsing(originalHash: hash, on: database.sql) > 0
    }

    /// Cover art is stored once per picture; it goes when no track or release shows it.
    public func removeArtworkIfUnused(_ hash: String) async {
        guard (try? await CatalogQueries.usesOfArtwork(hash, on: database.sql)) == 0 else { return }
        for size in [128, 512] { try? FileManager.default.removeItem(at: blobs.artwork(hash: hash, size: size)) }
    }
}

extension AppError {
    static func duplicateUpload(_ existing: UUID) -> AppError {
        AppError(.conflict, code: "duplicate_upload",
                 "You uploaded this exact file before, as track \(existing.uuidString.lowercased()).",
                 fields: [.init("trackId", existing.uuidString.lowercased())])
    }
}
