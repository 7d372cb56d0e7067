import Foundation

/// The analysis entry point: `try await AudioAnalysis.analyze(fileAt: path)` decodes
/// any file ffmpeg accepts and returns features, tempo, beats, key, loudness and the
/// embedding (with its version), ready to encode as JSON or store.
public enum AudioAnalysis {
    /// Version of the analysis definitions; stored with every result.
    public static var version: String { TrackAnalyzer.analysisVersion }
    /// Version of the embedding definition.
    public static var embeddingVersion: String { EmbeddingBuilder.version }
    /// Long enough for a many-hour file on a slow machine (3 hours take about 15 s
    /// on one core), short enough that a stuck ffmpeg does not hold a worker forever.
    public static let defaultTimeLimit = Duration.seconds(15 * 60)

    /// Analyses one file. One ffmpeg process decodes it into one pipe, read on a thread
    /// of its own (so the concurrency pool is never blocked by pipe reads) by the
    /// loudness meter and, mixed to mono and resampled, by the feature analysis.
    ///
    /// Cancelling the calling task, or passing `timeLimit`, kills ffmpeg (SIGKILL),
    /// reaps it and throws `CancellationError` or `AnalysisError` with code `timedOut`.
    public static func analyze(
        fileAt path: String, ffmpegPath: String? = nil, ffprobePath: String? = nil,
        timeLimit: Duration = defaultTimeLimit
    ) async throws -> TrackAnalysis {
        try Task.checkCancellation()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AnalysisError(code: .unreadable, message: "\(path) does not exist or is not readable")
        }
        let decoder = AudioDecoder(ffmpegPath: ffmpegPath, ffprobePath: ffprobePath)
        let source = try await onThread { try decoder.probe(path) }
        let format = AudioDecoder.pcmFormat(for: source)
        let child = try decoder.start(path, format: format, source: source)

        let watchdog = Task {
            try await Task.sleep(for: timeLimit)
            child.stop(.timedOut(timeLimit))
        }
        defer { watchdog.cancel() }
        let (musical, loudness) = try await withTaskCancellationHandler {
            try await onThread { try decode(child, format: format) }
        } onCancel: {
            child.stop(.cancelled)
        }
        return TrackAnalyzer.assemble(musical, loudness: loudness)
    }

    /// Reads the whole stream, then reaps ffmpeg before the (whole-track) finishing
    /// steps, so that a killed or failed decode throws without analysing a fragment.
    private static func decode(_ child: ChildProcess, format: PCMFormat) throws -> (TrackAnalyzer.Musical, Loudness) {
        var meter = LoudnessMeter(sampleRate: format.sampleRate, channelWeights: LoudnessMeter.weights(channels: format.channels))
        var analyzer = TrackAnalyzer()
        let mono = MonoResampler(
            channels: format.channels, inputRate: format.sampleRate, outputRate: Int(SpectralAnalyzer.sampleRate)
        )
        AudioDecoder.read(child.standardOutput, format: format) { samples in
            meter.consume(interleaved: samples)
            mono.process(interleaved: samples) { analyzer.consume($0) }
        }
        try child.wait()
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
