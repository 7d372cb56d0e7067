import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Prometheus

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

    func record(method: HTTPRequest.Method, route: String, status: Int, duration: Duration) {
        let labels = [("method", method.rawValue), ("route", route), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(namespace: "based", metricName: "http_requests", unitName: "total", helpText: "HTTP requests handled."),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "based", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency."),
            labels: labels,
            buckets: Self.buckets
        ).record(duration)
    }

    public func render() -> String {
        registry.emitToString()
    }
}
