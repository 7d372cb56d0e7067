import BasedAnalysis
import Foundation
import SQLKit

/// The SQL of stored track analyses.
enum AnalysisQueries {
    /// Replaces the track's analysis (run it in a transaction).
    static func replace(_ analysis: TrackAnalysis, of track: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_analyses").where("track_id", .equal, track).run()
        try await sql.insert(into: "track_analyses")
            .columns("track_id", "analysis_version", "embedding_version", "tempo_bpm", "key_name", "result", "created_at")
            .values(SQLBind(track), SQLBind(analysis.analysisVersion), SQLBind(analysis.embedding.version),
                    SQLBind(analysis.tempo.bpm), SQLBind(analysis.key.name), SQLBind(JSONText.encode(analysis)), SQLBind(now))
            .run()
    }

    static func analysis(of track: UUID, on sql: any SQLDatabase) async throws -> AnalysisService.Stored? {
        guard let row = try await sql.select().column("*").from("track_analyses").where("track_id", .equal, track).first() else {
            return nil
        }
        return AnalysisService.Stored(
            analysisVersion: try row.decode(column: "analysis_version", as: String.self),
            embeddingVersion: try row.decode(column: "embedding_version", as: String.self),
            analyzedAt: try row.decode(column: "created_at", as: Date.self),
            result: try row.decode(column: "result", as: String.self)
        )
    }

    /// The stored results (JSON) of those of the tracks that were analysed.
    static func results(of tracks: [UUID], on sql: any SQLDatabase) async throws -> [(track: UUID, result: String)] {
        guard !tracks.isEmpty else { return [] }
        return try await sql.select().columns("track_id", "result").from("track_analyses")
            .where("track_id", .in, tracks)
            .all().map { (try $0.decode(column: "track_id", as: UUID.self), try $0.decode(column: "result", as: String.self)) }
    }
}
