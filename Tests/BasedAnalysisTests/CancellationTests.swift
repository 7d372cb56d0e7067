@testable import BasedAnalysis
import Foundation
import Testing

/// Cancelling an analysis, or letting it overrun its time limit, kills and reaps
/// ffmpeg and throws, rather than decoding the rest of a long file.
///
/// Promptness is shown by the ffmpeg process vanishing within seconds (polled
/// without the concurrency pool, which other suites' synchronous DSP tests can keep
/// busy for a while in debug builds); the throw itself is only bounded loosely,
/// since it resumes on that pool.
@Suite("Stopping an analysis")
struct CancellationTests {
    /// Half an hour of tone as 8 kHz WAV (29 MB), which goes through ffmpeg (FLAC would
    /// be decoded in-process): far longer to analyse than these tests wait.
    static func longFile(_ name: String) throws -> String {
        try FileAnalysisTests.makeFile(name, [
            "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=8000:duration=1800",
        ])
    }

    /// Pids of processes (zombies included) whose command line mentions `path`.
    static func processes(mentioning path: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(path) ? pid : nil
        }
    }

    static func waitForDecoder(of path: String) async throws -> pid_t {
        for _ in 0..<3000 {
            if let pid = processes(mentioning: path).first { return pid }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("ffmpeg never started for \(path)")
        throw CancellationError()
    }

    /// How long until no process mentions `path` (killed and reaped: zombies count),
    /// polled on this thread; nil if one is still there after `limit`.
    static func timeUntilGone(_ path: String, limit: Duration = .seconds(5)) -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if processes(mentioning: path).isEmpty { return ContinuousClock.now - start }
            usleep(5_000)
        }
        return nil
    }

    @Test("cancelling the task kills ffmpeg, reaps it and throws CancellationError")
    func cancellation() async throws {
        let path = try Self.longFile("cancel-long.wav")
        let analysis = Task { try await AudioAnalysis.analyze(fileAt: path) }
        let pid = try await Self.waitForDecoder(of: path)
        try await Task.sleep(for: .milliseconds(100))
        #expect(Self.processes(mentioning: path) == [pid])
        analysis.cancel()
        #expect(Self.timeUntilGone(path) != nil)
        // Thrown as CancellationError, not a finished analysis of the half hour.
        await #expect(throws: CancellationError.self) { _ = try await analysis.value }
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)/cmdline") || !Self.processes(mentioning: path).contains(pid))
    }

    @Test("an analysis over its time limit kills ffmpeg and throws timedOut")
    func timeLimit() async throws {
        let path = try Self.longFile("timeout-long.wav")
        let analysis = Task { try await AudioAnalysis.analyze(fileAt: path, timeLimit: .milliseconds(500)) }
        _ = try await Self.waitForDecoder(of: path)
        #expect(Self.timeUntilGone(path, limit: .seconds(10)) != nil)
        do {
            _ = try await analysis.value
            Issue.record("half an hour of audio was analysed within its 500 ms limit")
        } catch let error as AnalysisError {
            #expect(error.code == .timedOut)
        }
    }

    @Test("a task cancelled before it starts never spawns ffmpeg")
    func cancelledBeforeStart() async throws {
        let path = try FileAnalysisTests.makeFile("cancel-early.wav", [
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
        ])
        let analysis = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await AudioAnalysis.analyze(fileAt: path)
        }
        await #expect(throws: CancellationError.self) { _ = try await analysis.value }
        #expect(Self.processes(mentioning: path).isEmpty)
    }

    @Test("cancelling the in-process FLAC decode throws CancellationError")
    func flacCancellation() async throws {
        let path = try FileAnalysisTests.makeFile("cancel-long.flac", [
            "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=1800",
        ])
        let analysis = Task { try await AudioAnalysis.analyze(fileAt: path) }
        try await Task.sleep(for: .milliseconds(300))
        analysis.cancel()
        await #expect(throws: CancellationError.self) { _ = try await analysis.value }
    }
}
