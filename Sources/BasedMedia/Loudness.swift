import Foundation

/// EBU R128 loudness of a file, measured by ffmpeg's ebur128 filter.
public struct Loudness: Sendable, Equatable, Codable {
    /// Integrated loudness in LUFS.
    public var integrated: Double
    /// Loudness range in LU.
    public var range: Double
    /// True peak in dBTP.
    public var truePeak: Double

    /// The gain that brings the track to ReplayGain 2.0's reference of −18 LUFS.
    public var replayGain: Double { -18 - integrated }

    public static func measure(_ file: URL, duration: Double) async throws -> Loudness {
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-hide_banner", "-nostats", "-i", file.path, "-map", "0:a:0",
            "-af", "ebur128=peak=true", "-f", "null", "-",
        ], timeout: .seconds(max(120, Int64(duration / 10))))
        guard result.succeeded else { throw ToolError(code: .failed, tool: "ffmpeg", message: "ebur128 failed") }
        return try parse(String(decoding: result.standardError, as: UTF8.self))
    }

    /// Reads the filter's summary block ("I: -14.2 LUFS", "LRA: 5.1 LU", "Peak: -0.9 dBFS").
    static func parse(_ log: String) throws -> Loudness {
        // ffmpeg 5 logs every 100 ms frame before the summary; only the summary is wanted.
        guard let summary = log.range(of: "Summary:", options: .backwards) else {
            throw ToolError(code: .failed, tool: "ffmpeg", message: "no ebur128 summary")
        }
        let text = log[summary.upperBound...]
        func value(after label: String) -> Double? {
            guard let range = text.range(of: label) else { return nil }
            let rest = text[range.upperBound...].drop { $0 == " " }
            let number = rest.prefix { "-+.0123456789inf".contains($0) }
            if number == "-inf" { return -.infinity }
            return Double(number)
        }
        guard let integrated = value(after: "I:"), let range = value(after: "LRA:") else {
            throw ToolError(code: .failed, tool: "ffmpeg", message: "unreadable ebur128 summary")
        }
        let peak = value(after: "Peak:") ?? 0
        // Digital silence measures -70 LUFS (the gate) and -inf peak; keep numbers finite.
        return Loudness(
            integrated: integrated.isFinite ? integrated : -70,
            range: range.isFinite ? range : 0,
            truePeak: peak.isFinite ? peak : -144
        )
    }
}
