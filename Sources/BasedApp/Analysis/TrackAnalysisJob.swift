import BasedAnalysis
import BasedMedia
import Foundation
import Logging
import SQLKit

/// Analyses a ready track (features, tempo, key, loudness, embedding) and
/// stores the result; running it again replaces the row.
struct TrackAnalysisJob: JobHandler {
    static let kind = "analyze_track"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var trackId: UUID }

    let database: Database
    let blobs: BlobStore
    let logger: Logger

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        guard let track = try await CatalogQueries.track(id: payload.trackId, on: database.sql) else { return }
        let original = blobs.original(hash: track.originalHash)
        let analysis: TrackAnalysis
        do {
            analysis = try await AudioAnalysis.analyze(fileAt: original.path)
        } catch let error as AnalysisError {
            throw JobFailure("analysis failed: \(error)", permanent: error.code != .toolMissing)
        }
        let result = JSONText.encode(analysis)
        let keyName = analysis.key.name
        try await database.transaction { sql in
            try await sql.delete(from: "track_analyses").where("track_id", .equal, track.id).run()
            try await sql.insert(into: "track_analyses")
                .columns("track_id", "analysis_version", "embedding_version", "tempo_bpm", "key_name", "result", "created_at")
                .values(SQLBind(track.id), SQLBind(analysis.analysisVersion), SQLBind(analysis.embedding.version),
                        SQLBind(analysis.tempo.bpm), SQLBind(keyName), SQLBind(result), SQLBind(Date()))
                .run()
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
        guard let row = try await database.sql.select().column("*").from("track_analyses").where("track_id", .equal, track.id).first() else {
            throw AppError.conflict("The track has not been analysed yet.", code: "analysis_pending")
        }
        return Stored(
            analysisVersion: try row.decode(column: "analysis_version", as: String.self),
            embeddingVersion: try row.decode(column: "embedding_version", as: String.self),
            analyzedAt: try row.decode(column: "created_at", as: Date.self),
            result: try row.decode(column: "result", as: String.self)
        )
    }
}
