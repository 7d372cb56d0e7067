import BasedAnalysis
import Foundation
import HTTPTypes
import SQLKit

/// Audio fingerprints (Wang-style landmark hashes from `BasedAnalysis`):
/// every processed track's are stored and indexed by hash. A recording taken
/// down for copyright keeps blocking its fingerprint, so a re-upload of it —
/// re-encoded, trimmed, noisy, by anyone — fails processing with the reason;
/// and a short clip, say recorded by a phone at a show, is identified as a
/// track and an offset in it ("what's playing?").
public struct FingerprintService: Sendable {
    let database: Database
    let temporaryDirectory: URL
    /// Identify calls per listener (each decodes and matches a clip); nil: no limit.
    let limiter: RateLimiter?

    /// What an identify clip must be.
    public enum Clip {
        public static let minimumSeconds = 3.0
        public static let maximumSeconds = 30.0
        public static let maximumBytes = 8 << 20
    }

    /// An identified track and where in it the clip starts.
    public struct Identified: Sendable {
        public var track: Track
        public var offset: Double
        /// Landmarks of the clip that line up with the track.
        public var score: Int
    }

    /// Windows of an upload checked against blocked recordings: 12 s at a
    /// fifth, half and four fifths of the way through (any of them matching
    /// refuses it), so a trimmed copy is caught and a long one costs no more.
    static let checkWindow = 12.0
    static let checkPositions = [0.2, 0.5, 0.8]

    // MARK: Ingest

    /// The fingerprint of a stored original (fails the processing step on a file that does not decode).
    func fingerprint(_ file: URL) async throws -> AudioFingerprint {
        try await AudioAnalysis.fingerprint(fileAt: file.path, timeLimit: .seconds(600))
    }

    /// The copyright case whose recording this is, if one is (checked on windows of it).
    func blockingCase(_ fingerprint: AudioFingerprint) async throws -> UUID? {
        for window in Self.windows(of: fingerprint) where window.landmarks.count >= AudioFingerprint.minimumQueryLandmarks {
            if let (row, _) = try await best(window, blockingOnly: true), let blocked = row.blockedCaseId { return blocked }
        }
        return nil
    }

    /// Stores a processed track's fingerprint (replacing one from an earlier run).
    func store(_ fingerprint: AudioFingerprint, track: UUID) async throws {
        let landmarks = fingerprint.landmarks.map { (hash: $0.hash, time: $0.time) }
        try await database.transaction { sql in
            try await FingerprintQueries.replace(
                track: track, version: AudioFingerprint.version, duration: fingerprint.duration, landmarks: landmarks, now: Date(), on: sql
            )
        }
    }

    /// Drops the fingerprints of deleted tracks that block nothing (after an account's tracks were erased).
    func forgetDeletedTracks() async throws {
        try await FingerprintQueries.deleteOrphans(on: database.sql)
    }

    /// Which of these tracks have a fingerprint.
    func fingerprinted(_ tracks: [UUID]) async throws -> Set<UUID> {
        try await FingerprintQueries.fingerprinted(tracks: tracks, on: database.sql)
    }

    /// Queues the backfill of tracks processed before fingerprints existed;
    /// `based serve` does it once per database (`enqueueBackfillOnce`).
    public func enqueueBackfill(jobs: JobQueue) async throws {
        try await jobs.enqueue(
            kind: FingerprintBackfillJob.kind, payload: FingerprintBackfillJob.Payload(after: nil), dedupeKey: FingerprintBackfillJob.dedupeKey,
            on: database.sql
        )
    }

    /// The backfill, once per database that has tracks (an empty one has
    /// nothing to backfill; its tracks are fingerprinted as they are processed).
    public func enqueueBackfillOnce(jobs: JobQueue, tracks: TrackService) async throws {
        guard try await !tracks.readyOriginals(after: nil, limit: 1).isEmpty, try await !jobs.hasQueued(kind: FingerprintBackfillJob.kind) else { return }
        try await enqueueBackfill(jobs: jobs)
    }

    // MARK: Copyright

    /// A track taken down for copyright: its fingerprint now refuses re-uploads (nothing when it was never fingerprinted).
    public func block(track: UUID, case caseID: UUID) async throws {
        _ = try await FingerprintQueries.block(track: track, case: caseID, on: database.sql)
    }

    /// A copyright takedown reversed on appeal: the recording may be uploaded again.
    public func unblock(case caseID: UUID) async throws {
        try await FingerprintQueries.unblock(case: caseID, on: database.sql)
    }

    // MARK: Identifying

    /// Identifies a clip (the bytes of any audio file ffmpeg reads): the public
    /// track it is from (or the viewer's own) and the offset. 413 past
    /// `Clip.maximumBytes`; 422 `not_audio`, `clip_too_short`, `clip_too_long`
    /// or `no_audio` (silence); 404 `no_match` when nothing is confidently it.
    public func identify(clip: Data, viewer: Identity, tracks: TrackService) async throws -> Identified {
        guard clip.count <= Clip.maximumBytes else { throw AppError.payloadTooLarge(limit: Clip.maximumBytes) }
        if let limiter, case .limited(let wait) = limiter.take("identify:\(viewer.userID.text)") {
            throw AppError.tooManyRequests(retryAfter: wait)
        }
        try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true)
        let file = temporaryDirectory.appendingPathComponent("identify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try clip.write(to: file)
        let fingerprint: AudioFingerprint
        do {
            // Hashed denser than the catalogue: a clip from a room needs every landmark it can get.
            fingerprint = try await AudioAnalysis.fingerprint(fileAt: file.path, density: .query, timeLimit: .seconds(30))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AppError(.unprocessableContent, code: "not_audio", "The clip is not audio that can be decoded.")
        }
        guard fingerprint.duration >= Clip.minimumSeconds else {
            throw AppError(.unprocessableContent, code: "clip_too_short",
                           "The clip is \(String(format: "%.1f", fingerprint.duration)) s long; record at least \(Int(Clip.minimumSeconds)) s (5–10 s works best).")
        }
        guard fingerprint.duration <= Clip.maximumSeconds else {
            throw AppError(.unprocessableContent, code: "clip_too_long", "The clip is longer than \(Int(Clip.maximumSeconds)) s; 5–10 s is enough.")
        }
        guard fingerprint.landmarks.count >= AudioFingerprint.minimumQueryLandmarks else {
            throw AppError(.unprocessableContent, code: "no_audio", "The clip is silent or too quiet to recognise anything.")
        }
        guard let (row, match) = try await best(fingerprint, blockingOnly: false), let trackID = row.trackId,
              let track = try await tracks.track(id: trackID), track.state == .ready,
              track.visibility == .public || track.artistId == viewer.userID
        else { throw AppError(.notFound, code: "no_match", "Nothing in the catalogue matches this clip.") }
        return Identified(track: track, offset: max(0, match.offset), score: match.score)
    }

    /// The confident best match of a query among the stored fingerprints.
    private func best(_ query: AudioFingerprint, blockingOnly: Bool) async throws -> (FingerprintQueries.FingerprintRow, FingerprintMatch)? {
        let postings = try await FingerprintQueries.postings(hashes: query.queryHashes, blockingOnly: blockingOnly, on: database.sql)
        let ranked = FingerprintMatcher.rank(
            query: query, postings: postings.map { (track: $0.fingerprintId, hash: UInt32(truncatingIfNeeded: $0.hash), time: UInt32(truncatingIfNeeded: $0.time)) },
            limit: 2
        )
        guard let first = ranked.first, first.confident,
              let row = try await FingerprintQueries.fingerprints(ids: [first.track], on: database.sql).first
        else { return nil }
        return (row, first)
    }

    /// Windows of a whole recording, times made relative to each window's start.
    static func windows(of fingerprint: AudioFingerprint) -> [AudioFingerprint] {
        guard fingerprint.duration > checkWindow * 1.5 else { return [fingerprint] }
        return checkPositions.map { position in
            let start = (fingerprint.duration - checkWindow) * position
            let from = UInt32(start / AudioFingerprint.frameSeconds)
            let to = UInt32((start + checkWindow) / AudioFingerprint.frameSeconds)
            return AudioFingerprint(
                landmarks: fingerprint.landmarks.filter { (from..<to).contains($0.time) }.map { Landmark(hash: $0.hash, time: $0.time - from) },
                peaks: fingerprint.peaks.filter { (from..<to).contains($0.time) }.map { FingerprintPeak(time: $0.time - from, bin: $0.bin) },
                duration: checkWindow,
                fanout: fingerprint.fanout
            )
        }
    }
}
