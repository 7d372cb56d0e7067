import Foundation

/// What ffprobe says about an audio file, and whether Based accepts it.
public struct AudioProbe: Sendable, Equatable {
    /// The container, in our words: mp3, flac, wav, aiff, ogg, m4a, aac.
    public var format: String
    public var codec: String
    public var duration: Double
    public var sampleRate: Int
    public var channels: Int
    public var bitRate: Int?
    public var hasCoverArt: Bool
    /// Tags by lower-cased key (title, artist, album, track, disc, date, genre).
    public var tags: [String: String]

    public enum Rejection: Error, Equatable, Sendable {
        /// Not audio at all, or a container/codec we do not take.
        case unsupported(String)
        /// Audio, but unusable: too short, too long, corrupt.
        case invalid(String)
    }

    public static let minimumDuration = 1.0
    public static let maximumDuration = 3.0 * 3600

    static let codecs: Set<String> = ["mp3", "flac", "vorbis", "opus", "aac", "alac"]
    static let formats: [String: String] = [
        "mp3": "mp3", "flac": "flac", "wav": "wav", "aiff": "aiff", "ogg": "ogg",
        "mov,mp4,m4a,3gp,3g2,mj2": "m4a", "aac": "aac",
    ]

    /// Probes `file` and checks it against what Based accepts.
    public static func inspect(_ file: URL) async throws -> AudioProbe {
        let result = try await Subprocess.run("ffprobe", [
            "-v", "error", "-show_format", "-show_streams", "-of", "json", file.path,
        ], timeout: .seconds(60))
        struct Output: Decodable {
            struct Stream: Decodable {
                var codec_type: String?
                var codec_name: String?
                var sample_rate: String?
                var channels: Int?
                var duration: String?
                var disposition: [String: Int]?
                var tags: [String: String]?
            }
            struct Format: Decodable {
                var format_name: String?
                var duration: String?
                var bit_rate: String?
                var tags: [String: String]?
            }
            var streams: [Stream]?
            var format: Format?
        }
        guard result.succeeded, let output = try? JSONDecoder().decode(Output.self, from: result.standardOutput),
              let formatName = output.format?.format_name
        else {
            throw Rejection.unsupported("the file is not audio that ffprobe can read")
        }
        let streams = output.streams ?? []
        guard let audio = streams.first(where: { $0.codec_type == "audio" }), let codecName = audio.codec_name else {
            throw Rejection.unsupported("the file has no audio stream")
        }
        guard let format = formats[formatName] else {
            throw Rejection.unsupported("the container \(formatName) is not accepted; send MP3, FLAC, WAV, AIFF, Ogg, Opus or AAC/M4A/ALAC")
        }
        guard codecs.contains(codecName) || codecName.hasPrefix("pcm_") else {
            throw Rejection.unsupported("the codec \(codecName) is not accepted")
        }
        let duration = Double(output.format?.duration ?? audio.duration ?? "") ?? 0
        guard duration.isFinite, duration >= minimumDuration else {
            throw Rejection.invalid("the audio is \(String(format: "%.2f", duration)) s long; at least \(Int(minimumDuration)) s is needed")
        }
        guard duration <= maximumDuration else {
            throw Rejection.invalid("the audio is \(Int(duration)) s long; at most 3 hours are accepted")
        }
        let sampleRate = Int(audio.sample_rate ?? "") ?? 0
        let channels = audio.channels ?? 0
        guard (8000...384_000).contains(sampleRate), (1...8).contains(channels) else {
            throw Rejection.invalid("the audio has \(channels) channels at \(sampleRate) Hz; 1–8 channels at 8–384 kHz are accepted")
        }
        var tags: [String: String] = [:]
        for (key, value) in (output.format?.tags ?? [:]).merging(audio.tags ?? [:], uniquingKeysWith: { first, _ in first }) {
            tags[key.lowercased()] = value
        }
        let cover = streams.contains { $0.codec_type == "video" && ($0.disposition?["attached_pic"] ?? 0) == 1 }
        return AudioProbe(
            format: format, codec: codecName, duration: duration, sampleRate: sampleRate, channels: channels,
            bitRate: Int(output.format?.bit_rate ?? ""), hasCoverArt: cover, tags: tags
        )
    }

    /// Reads the whole file through the decoder, so truncated or corrupt audio
    /// is caught at upload rather than in the middle of a listener's stream.
    /// Returns the duration that actually decodes.
    @discardableResult
    public static func verifyDecodes(_ file: URL, duration: Double) async throws -> Double {
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-v", "error", "-xerror", "-nostats", "-progress", "pipe:1",
            "-i", file.path, "-map", "0:a:0", "-f", "null", "-",
        ], timeout: .seconds(max(60, Int64(duration / 20))))
        guard result.succeeded else {
            let reason = String(decoding: result.standardError.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Rejection.invalid("the audio does not decode cleanly: \(reason)")
        }
        // -progress prints key=value lines; the last out_time_us is how far decoding got.
        let progress = String(decoding: result.standardOutput, as: UTF8.self)
        let decoded = progress.split(separator: "\n").last { $0.hasPrefix("out_time_us=") }
            .flatMap { Double($0.dropFirst("out_time_us=".count)) }.map { $0 / 1_000_000 } ?? 0
        // A file cut off midway still has headers that promise the full length.
        if decoded + max(1, duration * 0.02) < duration {
            throw Rejection.invalid(String(format: "the file is truncated: %.1f of %.1f seconds decode", decoded, duration))
        }
        guard decoded >= minimumDuration else {
            throw Rejection.invalid(String(format: "only %.2f s of audio decode; at least %d s is needed", decoded, Int(minimumDuration)))
        }
        return decoded
    }
}
