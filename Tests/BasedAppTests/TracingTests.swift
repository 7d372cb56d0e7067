import BasedApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing
import Tracing

@Suite("Tracing")
struct TracingTests {
    @Test("the default configuration starts no exporter and bootstraps no tracer")
    func offByDefault() throws {
        let exporter = try Telemetry.bootstrap(AppConfiguration(), logger: Logger(label: "test"))
        #expect(exporter == nil)
        #expect(InstrumentationSystem.tracer is NoOpTracer)
    }

    // The tracer is process-wide, so the traced server is the real binary in a
    // child process, exporting to a real OTLP/HTTP receiver on loopback.
    @Test("with BASED_OTLP_ENDPOINT set, a request, a job and its ffmpeg children reach an OTLP/HTTP receiver as spans")
    func spansReachTheCollector() async throws {
        try #require(FileManager.default.fileExists(atPath: ServerProcess.binary.path), "build the based executable first (swift build)")
        let exports = NIOLockedValueBox<[String]>([])
        let router = Router()
        router.post("/v1/traces") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 16 << 20)
            // OTLP protobuf keeps strings as UTF-8 bytes; span names and attributes can be searched for as text.
            exports.withLockedValue { $0.append(String(decoding: body.readableBytesView, as: UTF8.self)) }
            return .ok
        }
        try await Application(router: router).test(.live) { collector in
            let configuration = try await testConfiguration()
            defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
            let audio = configuration.dataDirectory.appendingPathComponent("short.mp3")
            try Data(try await makeAudio(seconds: 3)).write(to: audio)
            let server = try await ServerProcess.start(configuration, log: configuration.dataDirectory.appendingPathComponent("server.log"), environment: [
                "BASED_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port!)",
                // Export every 100 ms rather than every 5 s.
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ])
            defer { server.killHard() }
            let base = "http://127.0.0.1:\(server.port)/api/v1"
            let session = try await server.curl(["-X", "POST", "\(base)/auth/register", "-H", "content-type: application/json",
                "-d", #"{"username":"ana","email":"ana@example.org","password":"correct horse battery","role":"artist"}"#])
            let token = try JSONDecoder().decode(SessionBody.self, from: Data(session.utf8)).accessToken
            _ = try await server.curl(["-X", "POST", "\(base)/tracks?filename=short.mp3", "-H", "authorization: Bearer \(token)", "--data-binary", "@\(audio.path)"])

            let traced = try await waitFor(timeout: .seconds(90)) {
                let text = exports.withLockedValue { $0.joined() }
                return text.contains("/api/v1/auth/register") && text.contains("job process_track") && text.contains("ffmpeg")
            }
            let text = exports.withLockedValue { $0.joined() }
            #expect(traced, "spans seen: request \(text.contains("/api/v1/auth/register")), job \(text.contains("job process_track")), ffmpeg \(text.contains("ffmpeg"))")
            #expect(text.contains("http.response.status_code"))
            #expect(text.contains("job.kind"))
            #expect(text.contains("process.exit.code"))
        }
    }
}
