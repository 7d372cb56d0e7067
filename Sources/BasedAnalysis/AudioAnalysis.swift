import Foundation

/// The analysis entry point: `try await AudioAnalysis.analyze(fileAt: path)` decodes
/// any file ffmpeg accepts and returns features, tempo, beats, key, loudness and the
/// embedding (with its version), ready to encode as JSON or store.
public enum AudioAnalysis {
    /// Version of the analysis definitions; stored with every result.
    public static var version: String { TrackAnalyzer.analysisVersion }
    /// Version of the embedding definition.
    public static var embeddingVersion: String { EmbeddingBuilder.version }

    /// Analyses one file. One ffmpeg process decodes it into two pipes (mono 22,050 Hz
    /// for the features, the source's layout at 44.1 or 48 kHz for EBU R128), each read
    /// on a thread of its own, so the concurrency pool is never blocked by pipe reads.
    public static func analyze(
        fileAt path: String, ffmpegPath: String? = nil, ffprobePath: String? = nil
    ) async throws -> TrackAnalysis {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AnalysisError(code: .unreadable, message: "\(path) does not exist or is not readable")
        }
        let decoder = AudioDecoder(ffmpegPath: ffmpegPath, ffprobePath: ffprobePath)
        let source = try await onThread { try decoder.probe(path) }
        let loudnessFormat = AudioDecoder.loudnessFormat(for: source)
        let child = try decoder.start(path, source: source, monoRate: Int(SpectralAnalyzer.sampleRate))

        // Both pipes are drained at once, each on its own thread, so ffmpeg never
        // blocks on one output while we wait on the other.
        async let loudness = onThread {
            var meter = LoudnessMeter(
                sampleRate: loudnessFormat.sampleRate,
                channelWeights: LoudnessMeter.weights(channels: loudnessFormat.channels)
            )
            AudioDecoder.read(child.descriptor3, channels: loudnessFormat.channels) { meter.consume(interleaved: $0) }
            return meter.result()
        }
        async let musical = onThread {
            var analyzer = TrackAnalyzer()
            AudioDecoder.read(child.standardOutput, channels: 1) { analyzer.consume($0) }
            return analyzer.finish()
        }
        let (musicalResult, loudnessResult) = try await (musical, loudness)
        try await onThread { try child.wait() }
        return TrackAnalyzer.assemble(musicalResult, loudness: loudnessResult)
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
