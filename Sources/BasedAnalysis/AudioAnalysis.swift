import Dispatch
import Foundation

/// The analysis entry point: `try await AudioAnalysis.analyze(fileAt: path)` decodes
/// any file ffmpeg accepts and returns features, tempo, beats, key, loudness and the
/// embedding (with its version), ready to encode as JSON or store.
public enum AudioAnalysis {
    /// Version of the analysis definitions; stored with every result.
    public static var version: String { TrackAnalyzer.analysisVersion }
    /// Version of the embedding definition.
    public static var embeddingVersion: String { EmbeddingBuilder.version }
    /// Long enough for a many-hour file on a slow machine (3 hours take about 25 s of
    /// CPU), short enough that a stuck ffmpeg does not hold a worker forever.
    public static let defaultTimeLimit = Duration.seconds(15 * 60)

    /// Analyses one file. libFLAC (mono and stereo FLAC at 44.1 or 48 kHz) or one ffmpeg
    /// process (anything else, into one pipe) decodes it on a thread of its own (so
    /// the concurrency pool is never blocked), feeding the loudness meter and, mixed
    /// to mono and resampled, the feature analysis.
    ///
    /// Cancelling the calling task, or passing `timeLimit`, stops decoding (ffmpeg is
    /// killed with SIGKILL and reaped) and throws `CancellationError` or
    /// `AnalysisError` with code `timedOut`.
    public static func analyze(
        fileAt path: String, ffmpegPath: String? = nil, ffprobePath: String? = nil,
        timeLimit: Duration = defaultTimeLimit
    ) async throws -> TrackAnalysis {
        let (musical, loudness) = try await decode(
            fileAt: path, ffmpegPath: ffmpegPath, ffprobePath: ffprobePath, timeLimit: timeLimit, analyse
        )
        return TrackAnalyzer.assemble(musical, loudness: loudness)
    }

    /// Opens `path` (libFLAC or ffmpeg), then runs `work` over its PCM on a thread of its
    /// own under `timeLimit` and the caller's cancellation: the analysis and the
    /// fingerprint share this, so both stop ffmpeg the same way.
    static func decode<T: Sendable>(
        fileAt path: String, ffmpegPath: String?, ffprobePath: String?, timeLimit: Duration,
        _ work: @escaping @Sendable (any PCMSource) throws -> T
    ) async throws -> T {
        try Task.checkCancellation()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AnalysisError(code: .unreadable, message: "\(path) does not exist or is not readable")
        }
        let decoder = AudioDecoder(ffmpegPath: ffmpegPath, ffprobePath: ffprobePath)
        let source = try await onThread { try decoder.probe(path) }
        let pcm = try decoder.start(path, source: source)

        // A Dispatch timer on a queue of its own rather than a sleeping task: the time
        // limit must fire even when blocking work has taken every thread of the
        // concurrency pool.
        let watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "BasedAnalysis.timeLimit"))
        watchdog.schedule(deadline: .now() + .nanoseconds(Int(min(timeLimit / .nanoseconds(1), Double(Int.max / 2)))))
        watchdog.setEventHandler { pcm.stop(.timedOut(timeLimit)) }
        watchdog.resume()
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await onThread { try work(pcm) }
        } onCancel: {
            pcm.stop(.cancelled)
        }
    }

    /// Decodes the whole file before the (whole-track) finishing steps, so that a
    /// stopped or failed decode throws without analysing a fragment.
    private static func analyse(_ pcm: any PCMSource) throws -> (TrackAnalyzer.Musical, Loudness) {
        let format = pcm.format
        var meter = LoudnessMeter(sampleRate: format.sampleRate, channelWeights: LoudnessMeter.weights(channels: format.channels))
        var analyzer = TrackAnalyzer()
        let mono = MonoResampler(
            channels: format.channels, inputRate: format.sampleRate, outputRate: Int(SpectralAnalyzer.sampleRate)
        )
        try pcm.decode { samples in
            meter.consume(interleaved: samples)
            mono.process(interleaved: samples) { analyzer.consume($0) }
        }
        mono.finish { analyzer.consume($0) }
        return (analyzer.finish(), meter.result())
    }

    /// Runs blocking work on a dedicated thread and resumes the caller when it is done.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 23
            thread.start()
        }
    }
}
