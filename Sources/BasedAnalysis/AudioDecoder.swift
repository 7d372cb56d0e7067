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
        /// The analysis took longer than its time limit; ffmpeg was killed.
        case timedOut
    }

    public var code: Code
    public var message: String

    public var description: String { "analysis: \(code.rawValue): \(message)" }
}

/// The first audio stream's layout, as ffprobe reports it.
struct SourceFormat: Sendable, Equatable {
    var channels: Int
    var sampleRate: Int
    /// Whether ffmpeg decodes it to 16-bit integers (16-bit FLAC and PCM WAV), so
    /// that 16-bit output loses nothing; anything else is passed on as float.
    var isSixteenBit = false
}

/// The one PCM stream ffmpeg writes for a file: interleaved, in the layout and at
/// the rate the loudness meter measures, and as 16-bit integers when the source
/// is 16-bit (half the bytes of float through the pipe) or else as 32-bit float.
struct PCMFormat: Sendable, Equatable {
    var channels: Int
    var sampleRate: Int
    var isSixteenBit: Bool

    var bytesPerSample: Int { isSixteenBit ? 2 : 4 }
}

/// Why a decode was ended before the end of its file.
enum DecodeStopReason: Sendable {
    case cancelled
    case timedOut(Duration)
}

/// A decode in progress: PCM in `format`, handed on in chunks of whole frames by
/// `decode`, which throws `CancellationError` or `AnalysisError` (`timedOut`) when
/// `stop` was called from another thread, and `AnalysisError` when decoding fails.
protocol PCMSource: Sendable {
    var format: PCMFormat { get }
    func stop(_ reason: DecodeStopReason)
    func decode(_ consume: (UnsafeBufferPointer<Float>) -> Void) throws
}

/// ffmpeg decoding a file into the pipe on its standard output.
struct FFmpegDecoding: PCMSource {
    let child: ChildProcess
    let format: PCMFormat

    func stop(_ reason: DecodeStopReason) { child.stop(reason) }

    func decode(_ consume: (UnsafeBufferPointer<Float>) -> Void) throws {
        AudioDecoder.read(child.standardOutput, format: format, consume: consume)
        try child.wait()
    }
}

/// Decodes any file ffmpeg accepts, once, into one stream of PCM read while ffmpeg
/// is still running, so memory stays flat however long the track. The loudness
/// meter reads that stream as it is; the features read it mixed to mono and
/// resampled to 22,050 Hz in-process with soxr (`MonoResampler`), as librosa loads.
/// One plain output keeps ffmpeg to decoding: an earlier split into two streams in
/// ffmpeg's filter graph (mono 22,050 Hz and full-rate float) cost a third more
/// CPU in ffmpeg and pushed two and a half times the bytes through pipes.
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
            "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels,sample_rate,sample_fmt",
            "-of", "default=noprint_wrappers=1", path,
        ])
        var fields: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        guard let channels = fields["channels"].flatMap({ Int($0) }), channels > 0,
              let rate = fields["sample_rate"].flatMap({ Int($0) }), rate > 0 else {
            throw AnalysisError(code: .noAudio, message: "\(path) has no audio stream")
        }
        return SourceFormat(channels: channels, sampleRate: rate, isSixteenBit: ["s16", "s16p"].contains(fields["sample_fmt"]))
    }

    /// The stream's layout: ffmpeg's ebur128 measures at 48 kHz; 44.1 kHz sources are
    /// measured at their own rate (the K-weighting is designed per rate), which spares
    /// a resampler and changes the result by hundredths of a LU. More than two
    /// channels become 5.1, whose weights the meter knows.
    static func pcmFormat(for source: SourceFormat) -> PCMFormat {
        let rate = source.sampleRate == 44_100 ? 44_100 : 48_000
        return PCMFormat(
            channels: source.channels <= 2 ? source.channels : 6,
            sampleRate: rate,
            isSixteenBit: source.isSixteenBit && rate == source.sampleRate
        )
    }

    /// Starts decoding: in-process for the FLAC layouts `FLACDecoder` handles, else ffmpeg.
    func start(_ path: String, source: SourceFormat) throws -> any PCMSource {
        if let flac = FLACDecoder(path: path, source: source, isFLAC: HeaderProbe.isFLAC(path)) { return flac }
        let format = Self.pcmFormat(for: source)
        return FFmpegDecoding(child: try startFFmpeg(path, format: format, source: source), format: format)
    }

    func startFFmpeg(_ path: String, format: PCMFormat, source: SourceFormat) throws -> ChildProcess {
        let layout = format.channels == 1 ? "mono" : (format.channels == 2 ? "stereo" : "5.1")
        let sampleFormat = format.isSixteenBit ? "s16" : "flt"
        var filters: [String] = []
        if format.sampleRate != source.sampleRate {
            // The same resampler as the features' path, so that a 96 kHz or 8 kHz file
            // reaches 22,050 Hz through soxr twice rather than through a poorer filter.
            filters.append("aresample=\(format.sampleRate):resampler=soxr:precision=20")
        }
        // Negotiation only: no conversion runs when the decoder already delivers this.
        filters.append("aformat=sample_fmts=\(sampleFormat):channel_layouts=\(layout)")
        let codec = format.isSixteenBit ? "pcm_s16le" : "pcm_f32le"
        return try ChildProcess(ffmpegPath, [
            "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-af", filters.joined(separator: ","),
            "-f", format.isSixteenBit ? "s16le" : "f32le", "-acodec", codec, "pipe:1",
        ])
    }

    /// Reads interleaved frames in `format` from `descriptor` until end of file and
    /// hands them on as float (16-bit samples scaled to ±1, as soundfile loads them).
    static func read(_ descriptor: Int32, format: PCMFormat, consume: (UnsafeBufferPointer<Float>) -> Void) {
        let frameBytes = format.bytesPerSample * format.channels
        // 16k frames: the float chunk stays in cache while the meter and then the
        // mono path go over it.
        let capacity = (1 << 14) * frameBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: capacity / format.bytesPerSample)
        defer { floats.deallocate() }
        var filled = 0
        while true {
            let count = Glibc.read(descriptor, buffer + filled, capacity - filled)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
            let usable = filled - filled % frameBytes
            guard usable > 0 else { continue }
            let samples = usable / format.bytesPerSample
            if format.isSixteenBit {
                let integers = buffer.assumingMemoryBound(to: Int16.self)
                for i in 0..<samples { floats[i] = Float(integers[i]) * (1 / 32_768) }
                consume(UnsafeBufferPointer(start: floats, count: samples))
            } else {
                consume(UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: Float.self), count: samples))
            }
            // Keep the partial frame, if any, at the front.
            if filled > usable { buffer.copyMemory(from: buffer + usable, byteCount: filled - usable) }
            filled -= usable
        }
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
