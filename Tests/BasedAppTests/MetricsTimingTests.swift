@testable import BasedApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The request duration metric covers the whole response, body included.
@Suite("Request metrics")
struct MetricsTimingTests {
    @Test("a streamed body is timed to its end in the request duration metric")
    func metricsCoverTheBody() async throws {
        var configuration = try await testConfiguration()
        configuration.workers = 0
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let services = try await AppServices.start(configuration, logger: Logger(label: "test"))
        let router = try buildRouter(services)
        let delay = Duration.milliseconds(400)
        // A test-only route whose body takes `delay` to write, after the handler has returned.
        router.get("/test/slow") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "a"))
                try await Task.sleep(for: delay)
                try await writer.write(ByteBuffer(string: "b"))
                try await writer.finish(nil)
            })
        }
        try await Application(router: router, logger: Logger(label: "test")).test(.router) { client in
            let response = try await client.execute(uri: "/test/slow", method: .get)
            #expect(String(buffer: response.body) == "ab")
        }
        let line = services.metrics.render().split(separator: "\n")
            .first { $0.hasPrefix("based_http_request_duration_seconds_sum") && $0.contains(#"route="/test/slow""#) }
        let seconds = try #require(line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) })
        #expect(seconds >= Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
        try await services.database.shutdown()
    }
}
