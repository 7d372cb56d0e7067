import BasedAnalysis
import BasedMedia
import Foundation
import Logging

/// Analyses a ready track (features, tempo, key, loudness, embedding) and
/// stores the result; running it again replaces the row.
struct TrackAnalysisJob: JobHandler {
    static let kind = "analyze_track"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var trackId: UUID }

    let database: Database
    let tracks: TrackService
    let blobs: BlobStore
    let logger: Logger

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        guard let track = try await tracks.track(id: payload.trackId) else { return }
        let original = blobs.original(hash: track.originalHash)
        let analysis: TrackAnalysis
        do {
            analysis = try await AudioAnalysis.analyze(fileAt: original.path)
        } catch let error as AnalysisError {
            throw JobFailure("analysis failed: \(error)", permanent: error.code != .toolMissing)
        }
        try await database.transaction { sql in
            try await AnalysisQueries.replace(analysis, of: track.id, now: Date(), on: sql)
        }
    }

    func gaveUp(_ job: Job, reason: String) async {
        logger.warning("track analysis gave up", metadata: ["reason": "\(reason)"])
    }
}

/// Reading stored analyses.
public struct AnalysisService: Sendable {
    let database: Database
    let tracks: TrackService

    public struct Stored: Sendable {
        public var analysisVersion: String
        public var embeddingVersion: String
        public var analyzedAt: Date
        /// The `TrackAnalysis` as JSON.
        public var result: String
    }

    /// The analysis of a track the viewer may see, or 409 while it is pending.
    public func analysis(of trackID: UUID, viewer: Identity?) async throws -> Stored {
        let track = try await tracks.track(trackID, viewer: viewer)
        guard let stored = try await AnalysisQueries.analysis(of: track.id, on: database.sql) else {
            throw AppError.conflict("The track has not been analysed yet.", code: "analysis_pending")
        }
        return stored
    }
}
