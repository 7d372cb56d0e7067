import BasedAPI
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
            let track = try await client.upload(audio, token: ana.accessToken, query: "visibility=private").decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(track.id, token: ana.accessToken).state == .ready)
            // The contract leaves `result` an open object (the TrackAnalysis); this reads the two parts the test checks.
            struct Result: Decodable {
                struct Embedding: Decodable { var version: String; var vector: [Float] }
                var durationSeconds: Double
                var embedding: Embedding
            }
            var stored: Schemas.StoredAnalysis?
            for _ in 0..<600 {
                let response = try await client.request(.get, "/api/v1/tracks/\(track.id)/analysis", token: ana.accessToken)
                if response.status == .ok {
                    stored = try response.decode(Schemas.StoredAnalysis.self)
                    break
                }
                #expect(response.status == .conflict)
                #expect(try response.problem().code == "analysis_pending")
                try await Task.sleep(for: .milliseconds(100))
            }
            let analysis = try #require(stored)
            let result = try jsonDecoder.decode(Result.self, from: JSONEncoder().encode(analysis.result))
            #expect(abs(result.durationSeconds - 12) < 0.2)
            #expect(result.embedding.version == analysis.embeddingVersion)
            let norm = result.embedding.vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 0.001)
            let bob = try await client.register("bob")
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)/analysis", token: bob.accessToken).status == .notFound)
        }
    }
}
