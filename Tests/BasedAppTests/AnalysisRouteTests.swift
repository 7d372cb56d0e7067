import BasedApp
import Foundation
import HummingbirdTesting
import Testing

@Suite("Track analysis in the pipeline")
struct AnalysisRouteTests {
    @Test("a ready track is analysed by a job; the result is served, and hidden where the track is")
    func analysed() async throws {
        let audio = try await makeAudio(seconds: 12, format: "flac", frequency: 440)
        try await withApp { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken, query: "visibility=private").decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            struct Stored: Decodable {
                struct Result: Decodable {
                    struct Embedding: Decodable { var version: String; var vector: [Float] }
                    struct Loudness: Decodable { var integrated: Double? }
                    var durationSeconds: Double
                    var embedding: Embedding
                }
                var analysisVersion: String
                var embeddingVersion: String
                var result: Result
            }
            var stored: Stored?
            for _ in 0..<600 {
                let response = try await client.request(.get, "/api/v1/tracks/\(track.id)/analysis", token: ana.accessToken)
                if response.status == .ok {
                    stored = try response.decode(Stored.self)
                    break
                }
                #expect(response.status == .conflict)
                #expect(try response.problem().code == "analysis_pending")
                try await Task.sleep(for: .milliseconds(100))
            }
            let analysis = try #require(stored)
            #expect(abs(analysis.result.durationSeconds - 12) < 0.2)
            #expect(analysis.result.embedding.version == analysis.embeddingVersion)
            let norm = analysis.result.embedding.vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 0.001)
            let bob = try await client.register("bob")
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)/analysis", token: bob.accessToken).status == .notFound)
        }
    }
}
