import BasedAnalysis
import BasedDiscovery
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
    /// Discovery learns the track's sound from the announcement.
    let changes: ChangeFeed
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
        await changes.announce(.track, track.id)
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

    /// How the analysed tracks among `ids` sound: their embedding and traits
    /// (for discovery; tracks not yet analysed are absent).
    public func sounds(of ids: [UUID]) async throws -> [UUID: TrackSound] {
        var sounds: [UUID: TrackSound] = [:]
        let decoder = JSONDecoder()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let batch = Array(ids[start..<min(start + 500, ids.count)])
            for (track, result) in try await AnalysisQueries.results(of: batch, on: database.sql) {
                guard let analysis = try? decoder.decode(TrackAnalysis.self, from: Data(result.utf8)) else { continue }
                sounds[track] = TrackSound(analysis)
            }
        }
        return sounds
    }
}

/// What discovery needs of a track's analysis.
public struct TrackSound: Sendable {
    public var embedding: [Float]
    public var traits: AudioTraits

    init(_ analysis: TrackAnalysis) {
        embedding = analysis.embedding.vector
        // A key the estimator is unsure of says nothing about the mood.
        let mode = analysis.key.confidence >= 0.5 ? analysis.key.mode : nil
        traits = AudioTraits(
            tempo: analysis.tempo.bpm, energy: analysis.features.rms.mean, brightness: analysis.features.centroid.mean,
            major: mode.map { $0 == .major }
        )
    }
}
