import BasedMedia
import Crypto
import Foundation
import Logging

/// The processing job of a new track: loudness, waveform, artwork,
/// progressive renditions and the HLS ladder, then `ready`. Every step
/// overwrites its own output, so running the job again is harmless.
struct TrackProcessor: JobHandler {
    static let kind = "process_track"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var trackId: UUID }

    let database: Database
    let blobs: BlobStore
    let jobs: JobQueue
    let readyTracks: ReadyTracks
    let fingerprints: FingerprintService
    let logger: Logger

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        // A track deleted while queued needs nothing more.
        guard var track = try await CatalogQueries.track(id: payload.trackId, on: database.sql) else { return }
        let original = blobs.original(hash: track.originalHash)
        guard FileManager.default.fileExists(atPath: original.path) else {
            throw JobFailure("the original file is missing", permanent: true)
        }
        let duration = track.durationSeconds ?? 0
        let folder = blobs.renditions(track: track.id.uuidString.lowercased())

        // First, so a recording taken down for copyright is refused before any encoding.
        try await step("fingerprint", of: &track) { track in
            let fingerprint = try await fingerprints.fingerprint(original)
            if let caseID = try await fingerprints.blockingCase(fingerprint) {
                throw JobFailure(
                    "This recording matches one taken down for copyright (case \(caseID.uuidString.lowercased())), so it cannot be published.",
                    permanent: true
                )
            }
            try await fingerprints.store(fingerprint, track: track.id)
        }
        try await step("loudness", of: &track) {
            let loudness = try await Loudness.measure(original, duration: duration)
            $0.loudnessLufs = loudness.integrated
            $0.truePeakDbtp = loudness.truePeak
            $0.replayGainDb = loudness.replayGain
        }
        try await step("waveform", of: &track) {
            try FileManager.default.createDirectory(at: blobs.temporary, withIntermediateDirectories: true)
            let peaks = try await Waveform.peaks(of: original, duration: duration, scratch: blobs.temporary)
            $0.waveform = JSONText.encode(peaks.map { ($0 * 1000).rounded() / 1000 })
        }
        try await step("artwork", of: &track) {
            $0.artworkHash = try await extractArtwork(original) ?? $0.artworkHash
        }
        try await step("renditions", of: &track) { _ in
            try await Encoder.encodeProgressive(original, renditions: Rendition.progressive, into: folder, duration: duration)
        }
        try await step("hls", of: &track) { _ in
            try await Encoder.encodeHLS(original, into: folder.appendingPathComponent("hls", isDirectory: true), duration: duration)
        }
        track.state = .ready
        track.failureReason = nil
        track.updatedAt = Date()
        let ready = track
        try await database.transaction { [jobs] sql in
            try await CatalogQueries.updateProcessing(ready, on: sql)
            // The artist may have moved or hidden it while it processed.
            let current = try await CatalogQueries.track(id: ready.id, on: sql) ?? ready
            // Analysis feeds discovery; it runs as a job of its own so playback never waits for it.
            try await jobs.enqueue(kind: TrackAnalysisJob.kind, payload: TrackAnalysisJob.Payload(trackId: ready.id), dedupeKey: "analysis:\(ready.id)", on: sql)
            // A release's first playable track is when its followers hear of it.
            if let release = current.releaseId, current.visibility == .public {
                try await ReleaseAnnouncer.enqueue(release, jobs: jobs, on: sql)
            }
        }
        // A run again of a track that was ready may have changed its files.
        await readyTracks.changed(ready.id)
    }

    func gaveUp(_ job: Job, reason: String) async {
        guard let payload = try? job.decodePayload(Payload.self),
              var track = try? await CatalogQueries.track(id: payload.trackId, on: database.sql)
        else { return }
        track.state = .failed
        track.failureReason = String(reason.prefix(500))
        track.updatedAt = Date()
        try? await CatalogQueries.updateProcessing(track, on: database.sql)
        await readyTracks.changed(track.id)
    }

    /// Runs one step and records it in the track's progress, done or failed.
    private func step(_ name: String, of track: inout Track, _ body: (inout Track) async throws -> Void) async throws {
        var progress = track.progressSteps
        do {
            try await body(&track)
            progress[name] = "done"
        } catch {
            progress[name] = "failed"
            track.progress = JSONText.encode(progress)
            try? await CatalogQueries.updateProcessing(track, on: database.sql)
            throw error
        }
        track.progress = JSONText.encode(progress)
        track.updatedAt = Date()
        try await CatalogQueries.updateProcessing(track, on: database.sql)
    }

    /// The embedded cover as 128 and 512 pixel square JPEGs; its hash, or nil when there is none.
    private func extractArtwork(_ original: URL) async throws -> String? {
        let cover = blobs.temporary.appendingPathComponent("cover-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: cover) }
        guard try await Encoder.extractCover(original, to: cover), let data = FileManager.default.contents(atPath: cover.path) else {
            return nil
        }
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        for size in [128, 512] where !FileManager.default.fileExists(atPath: blobs.artwork(hash: hash, size: size).path) {
            let partial = blobs.temporary.appendingPathComponent("artwork-\(UUID().uuidString).jpg")
            do {
                try await Images.squareThumbnail(of: cover, size: size, to: partial)
                try BlobStore.moveIntoPlace(partial, blobs.artwork(hash: hash, size: size))
            } catch {
                try? FileManager.default.removeItem(at: partial)
                // Broken cover art is not worth failing the track for.
                logger.notice("cover art unreadable", metadata: ["error": "\(error)"])
                return nil
            }
        }
        return hash
    }
}
