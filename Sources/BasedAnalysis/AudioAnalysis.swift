import Foundation

/// The analysis entry point: `try await AudioAnalysis.analyze(fileAt: path)` decodes
/// any file ffmpeg accepts and returns features, tempo, beats, key, loudness and the
/// embedding (with its version), ready to encode as JSON or store.
public enum AudioAnalysis {
    /// Version of the analysis definitions; stored with every result.
    public static var version: String { TrackAnalyzer.analysisVersion }
    /// Version of the embedding definition.
    public static var embeddingVersion: String { EmbeddingBuilder.version }

    /// Analyses one file. Decoding runs in two ffmpeg processes (mono 22,050 Hz for
    /// the features, 48 kHz in the source's layout for EBU R128) read on threads of
    /// their own, so the concurrency pool is never blocked by pipe reads.
    public static func analyze(
        fileAt path: String, ffmpegPath: String? = nil, ffprobePath: String? = nil
    ) async throws -> TrackAnalysis {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AnalysisError(code: .unreadable, message: "\(path) does not exist or is not readable")
        }
        let decoder = AudioDecoder(ffmpegPath: ffmpegPath, ffprobePath: ffprobePath)
        let sourceChannels = try await onThread { try decoder.channelCount(of: path) }
        // Layouts other than mono and stereo are measured as ffmpeg's 5.1 downmix/upmix.
        let loudnessChannels = sourceChannels <= 2 ? sourceChannels : 6

        async let loudness = onThread {
            var meter = LoudnessMeter(channelWeights: LoudnessMeter.weights(channels: loudnessChannels))
            try decoder.decode(path, sampleRate: LoudnessMeter.sampleRate, channels: loudnessChannels) {
                meter.consume(interleaved: $0)
            }
            return meter.result()
        }
        async let musical = onThread {
            var analyzer = TrackAnalyzer()
            try decoder.decode(path, sampleRate: Int(SpectralAnalyzer.sampleRate), channels: 1, averaging: sourceChannels) {
                analyzer.consume($0)
            }
            return analyzer.finish()
        }
        return try await TrackAnalyzer.assemble(musical, loudness: loudness)
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
