import Foundation
import Logging

/// Fingerprints the ready tracks that have none (processed before migration
/// 20), a page at a time in id order, each page a job of its own so that a
/// restart resumes where it stopped. A file that no longer decodes is skipped.
struct FingerprintBackfillJob: JobHandler {
    static let kind = "fingerprint_backfill"
    static let dedupeKey = "fingerprint_backfill"
    static let pageSize = 50

    struct Payload: Codable {
        /// The last track id of the previous page.
        var after: UUID?
    }

    let fingerprints: FingerprintService
    let tracks: TrackService
    let jobs: JobQueue
    let logger: Logger
    var kind: String { Self.kind }

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        let page = try await tracks.readyOriginals(after: payload.after, limit: Self.pageSize)
        let done = try await fingerprints.fingerprinted(page.map(\.id))
        for (id, file) in page where !done.contains(id) {
            do {
                try await fingerprints.store(try await fingerprints.fingerprint(file), track: id)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("backfill could not fingerprint a track", metadata: ["track": "\(id)", "error": "\(error)"])
            }
        }
        guard page.count == Self.pageSize, let last = page.last else { return }
        // The next page under the same key: this job lets go of it first.
        try await jobs.releaseKey(of: job)
        try await jobs.enqueue(kind: Self.kind, payload: Payload(after: last.id), dedupeKey: Self.dedupeKey, on: fingerprints.database.sql)
    }

    func gaveUp(_ job: Job, reason: String) async {
        logger.error("fingerprint backfill gave up", metadata: ["reason": "\(reason)"])
    }
}
