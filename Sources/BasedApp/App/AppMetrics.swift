import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Prometheus
import Synchronization

/// The application's own Prometheus registry, rendered at `/metrics`. One per
/// application rather than a process-wide bootstrap, so tests stay isolated.
public final class AppMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {}

    /// The counter and histogram of each (method, route, status), made once:
    /// the registry's lookup builds names and takes its lock, too much for every request.
    private let requestMetrics = Mutex<[String: (Counter, DurationHistogram)]>([:])

    func record(method: HTTPRequest.Method, route: String, status: Int, duration: Duration) {
        let key = "\(method.rawValue) \(status) \(route)"
        let metrics = requestMetrics.withLock { $0[key] } ?? {
            let labels = [("method", method.rawValue), ("route", route), ("status", String(status))]
            let made = (
                registry.makeCounter(
                    descriptor: .init(namespace: "based", metricName: "http_requests", unitName: "total", helpText: "HTTP requests handled."),
                    labels: labels
                ),
                registry.makeDurationHistogram(
                    descriptor: .init(namespace: "based", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency."),
                    labels: labels,
                    buckets: Self.buckets
                )
            )
            requestMetrics.withLock { $0[key] = made }
            return made
        }()
        metrics.0.increment()
        metrics.1.record(duration)
    }

    private static let fanOutBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(20), .milliseconds(30), .milliseconds(40), .milliseconds(50), .milliseconds(60),
        .milliseconds(70), .milliseconds(80), .milliseconds(90), .milliseconds(100), .milliseconds(150), .milliseconds(250),
        .milliseconds(500), .seconds(1),
    ]

    /// One message's delivery to this process's sockets: from the start of the
    /// fan-out until every socket's frame was handed to the kernel.
    func recordFanOut(sockets: Int, duration: Duration) {
        let audience = sockets <= 10 ? "1-10" : sockets <= 1000 ? "11-1000" : "1001+"
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "based", metricName: "realtime_fanout_duration", unitName: "seconds",
                helpText: "From the start of a message's fan-out until every socket on this process had its frame written."
            ),
            labels: [("audience", audience)],
            buckets: Self.fanOutBuckets
        ).record(duration)
        registry.makeCounter(
            descriptor: .init(namespace: "based", metricName: "realtime_frames_fanned_out", unitName: "total", helpText: "Message frames written by fan-outs."),
            labels: [("audience", audience)]
        ).increment(by: Int64(sockets))
    }

    public func render() -> String {
        registry.emitToString()
    }
}
