import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be analysed.
public struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// ffmpeg or ffprobe is not installed.
        case toolMissing
        /// The file does not exist or is not readable.
        case unreadable
        /// The file has no audio stream ffmpeg can decode.
        case noAudio
        /// ffmpeg started but failed while decoding.
        case decodingFailed
    }

    public var code: Code
    public var message: String

    public var description: String { "analysis: \(code.rawValue): \(message)" }
}

/// The first audio stream's layout, as ffprobe reports it.
struct SourceFormat: Sendable, Equatable {
    var channels: Int
    var sampleRate: Int
}

/// Decodes any file ffmpeg accepts, once, into two streams of 32-bit float PCM
/// read while ffmpeg is still running, so memory stays flat however long the track:
/// mono 22,050 Hz for the features (the plain channel mean, resampled with soxr as
/// librosa loads) on the child's stdout, and the loudness stream (the source's
/// layout as mono, stereo or 5.1, at 44.1 or 48 kHz) on its file descriptor 3.
struct AudioDecoder: Sendable {
    var ffmpegPath: String
    var ffprobePath: String

    init(ffmpegPath: String? = nil, ffprobePath: String? = nil) {
        self.ffmpegPath = ffmpegPath ?? Self.locate("ffmpeg") ?? "/usr/bin/ffmpeg"
        self.ffprobePath = ffprobePath ?? Self.locate("ffprobe") ?? "/usr/bin/ffprobe"
    }

    func probe(_ path: String) throws -> SourceFormat {
        if let format = HeaderProbe.format(of: path) { return format }
        return try probeWithFFprobe(path)
    }

    func probeWithFFprobe(_ path: String) throws -> SourceFormat {
        let output = try ChildProcess.output(of: ffprobePath, [
            "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels,sample_rate",
            "-of", "default=noprint_wrappers=1", path,
        ])
        var fields: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                fields[String(parts[0])] = value
            }
        }
        guard let channels = fields["channels"], channels > 0, let rate = fields["sample_rate"], rate > 0 else {
            throw AnalysisError(code: .noAudio, message: "\(path) has no audio stream")
        }
        return SourceFormat(channels: channels, sampleRate: rate)
    }

    /// The loudness stream's layout: ffmpeg's ebur128 measures at 48 kHz; 44.1 kHz
    /// sources are measured at their own rate (the K-weighting is designed per rate),
    /// which spares a resampler and changes the result by hundredths of a LU.
    static func loudnessFormat(for source: SourceFormat) -> SourceFormat {
        SourceFormat(
            channels: source.channels <= 2 ? source.channels : 6,
            sampleRate: source.sampleRate == 44_100 ? 44_100 : 48_000
        )
    }

    func start(_ path: String, source: SourceFormat, monoRate: Int) throws -> ChildProcess {
        let loudness = Self.loudnessFormat(for: source)
        let weight = 1 / Double(source.channels)
        let mean = (0..<source.channels).map { "\(weight)*c\($0)" }.joined(separator: "+")
        let layout = ["mono", "stereo"].indices.contains(loudness.channels - 1) ? ["mono", "stereo"][loudness.channels - 1] : "5.1"
        // Float before pan: averaging in a 16-bit source format would add rounding
        // noise that shows up as zero crossings in quiet passages.
        let graph = "[0:a:0]asplit=2[m][l];"
            + "[m]aformat=sample_fmts=flt,pan=mono|c0=\(mean),aresample=\(monoRate):resampler=soxr:precision=20[mono];"
            + "[l]aformat=sample_fmts=flt,aresample=\(loudness.sampleRate),aformat=channel_layouts=\(layout)[loud]"
        return try ChildProcess(ffmpegPath, [
            "-nostdin", "-v", "error", "-i", path, "-filter_complex", graph,
            "-map", "[mono]", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1",
            "-map", "[loud]", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:3",
        ])
    }

    /// Reads float frames of `channels` samples from `descriptor` until end of file.
    static func read(_ descriptor: Int32, channels: Int, consume: (UnsafeBufferPointer<Float>) -> Void) {
        let frameBytes = 4 * channels
        let capacity = (1 << 14) * frameBytes  // 16k frames: small enough to stay in cache
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            let count = Glibc.read(descriptor, buffer + filled, capacity - filled)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
            let usable = filled - filled % frameBytes
            guard usable > 0 else { continue }
            consume(UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: Float.self), count: usable / 4))
            // Keep the partial frame, if any, at the front.
            if filled > usable { (buffer).copyMemory(from: buffer + usable, byteCount: filled - usable) }
            filled -= usable
        }
        close(descriptor)
    }

    private static func locate(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
