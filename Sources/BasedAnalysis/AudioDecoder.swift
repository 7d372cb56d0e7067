import Foundation

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

/// Decodes any file ffmpeg accepts to 32-bit float PCM and hands it over in
/// chunks while ffmpeg is still running, so memory stays flat however long the
/// track is. Reads block, so callers run it on a thread of their own.
struct AudioDecoder: Sendable {
    var ffmpegPath: String
    var ffprobePath: String
    /// Samples per chunk handed to the consumer (per channel frame × channels).
    var chunkBytes = 1 << 18

    init(ffmpegPath: String? = nil, ffprobePath: String? = nil) {
        self.ffmpegPath = ffmpegPath ?? Self.locate("ffmpeg") ?? "/usr/bin/ffmpeg"
        self.ffprobePath = ffprobePath ?? Self.locate("ffprobe") ?? "/usr/bin/ffprobe"
    }

    /// Channel count of the first audio stream.
    func channelCount(of path: String) throws -> Int {
        let output = try run(ffprobePath, [
            "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels",
            "-of", "default=noprint_wrappers=1:nokey=1", path,
        ])
        guard let channels = Int(output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").first ?? ""),
              channels > 0 else {
            throw AnalysisError(code: .noAudio, message: "\(path) has no audio stream")
        }
        return channels
    }

    /// Streams the first audio stream as interleaved float PCM at `sampleRate` with
    /// `channels` channels (ffmpeg's standard downmix or upmix), calling `consume`
    /// with whole sample frames.
    /// - Parameter averaging: when set, the output is the plain mean of this many source
    ///   channels (librosa's `to_mono`) rather than ffmpeg's −3 dB downmix, and is
    ///   resampled with soxr at 20 bits, the resampler librosa loads with (`soxr_hq`), so both
    ///   see the same PCM.
    func decode(
        _ path: String, sampleRate: Int, channels: Int, averaging sourceChannels: Int? = nil,
        consume: (UnsafeBufferPointer<Float>) -> Void
    ) throws {
        var arguments = ["-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-vn"]
        if let sourceChannels, channels == 1 {
            let weight = 1 / Double(sourceChannels)
            let sum = (0..<sourceChannels).map { "\(weight)*c\($0)" }.joined(separator: "+")
            // Float before pan: averaging in the source's 16-bit format would add rounding
            // noise that shows up as zero crossings in quiet passages.
            arguments += ["-af", "aformat=sample_fmts=flt,pan=mono|c0=\(sum),aresample=\(sampleRate):resampler=soxr:precision=20"]
        } else {
            arguments += ["-ac", String(channels)]
        }
        arguments += ["-ar", String(sampleRate), "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]

        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpegPath)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw AnalysisError(code: .toolMissing, message: "cannot run \(ffmpegPath): \(error)")
        }
        // ffmpeg's error text is small; drain it concurrently so it can never block ffmpeg.
        let errorText = ErrorText()
        let errorReader = Thread { errorText.append(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()

        let frameBytes = 4 * channels
        var pending = Data()
        var samples: [Float] = []
        let reader = output.fileHandleForReading
        while true {
            let chunk = (try? reader.read(upToCount: chunkBytes)) ?? nil
            guard let chunk, !chunk.isEmpty else { break }
            pending.append(chunk)
            let usable = pending.count - pending.count % frameBytes
            guard usable > 0 else { continue }
            // Copy into a Float array: Data's bytes carry no alignment guarantee.
            if samples.count != usable / 4 { samples = [Float](repeating: 0, count: usable / 4) }
            samples.withUnsafeMutableBytes { target in
                _ = pending.copyBytes(to: target, from: pending.startIndex..<(pending.startIndex + usable))
            }
            samples.withUnsafeBufferPointer { consume($0) }
            pending = pending.count == usable ? Data() : Data(pending.suffix(from: pending.startIndex + usable))
        }
        process.waitUntilExit()
        while !errorText.finished { Thread.sleep(forTimeInterval: 0.001) }
        guard process.terminationStatus == 0 else {
            let message = errorText.text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw AnalysisError(code: .decodingFailed, message: message.isEmpty ? "ffmpeg exited with \(process.terminationStatus)" : message)
        }
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AnalysisError(code: .toolMissing, message: "cannot run \(executable): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
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

/// ffmpeg's standard error, collected on the reader thread and read once it has finished.
private final class ErrorText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    func append(_ bytes: Data) {
        lock.withLock {
            data.append(bytes)
            done = true
        }
    }

    var finished: Bool { lock.withLock { done } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
