import Foundation
import Logging
import OTel
import ServiceLifecycle

/// Tracing export: spans of requests, jobs and ffmpeg children go to an
/// OpenTelemetry collector over OTLP/HTTP when `BASED_OTLP_ENDPOINT` is set.
public enum Telemetry {
    /// Bootstraps the process-wide tracer and answers the exporter, a `Service`
    /// for the application's service group; nil, touching nothing, when no
    /// endpoint is configured. Call it once per process (the tracer is global).
    public static func bootstrap(_ configuration: AppConfiguration, serviceName: String = "based", logger: Logger) throws -> (any Service)? {
        guard let endpoint = configuration.otlpEndpoint else { return nil }
        return try OTel.bootstrap(configuration: otelConfiguration(endpoint: endpoint, serviceName: serviceName, logger: logger))
    }

    /// Traces only (logs and metrics have their own paths: stdout and `/metrics`),
    /// exported as protobuf to `<endpoint>/v1/traces`, as `OTEL_EXPORTER_OTLP_ENDPOINT` would.
    /// `OTEL_*` variables (sampler, batch delay, headers, …) still override it.
    static func otelConfiguration(endpoint: URL, serviceName: String, logger: Logger) -> OTel.Configuration {
        var otel = OTel.Configuration.default
        otel.serviceName = serviceName
        otel.diagnosticLogger = .custom(logger)
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.enabled = true
        otel.traces.exporter = .otlp
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        otel.traces.otlpExporter.endpoint = base + "/v1/traces"
        return otel
    }
}
