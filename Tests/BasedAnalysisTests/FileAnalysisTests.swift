@testable import BasedAnalysis
import Foundation
import Testing

/// End to end through ffmpeg: files in different layouts, rates and lengths.
@Suite("Analysing files")
struct FileAnalysisTests {
    /// Renders an ffmpeg lavfi source to a file in a temporary folder.
    static func makeFile(_ name: String, _ arguments: [String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-analysis-tests-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-nostdin", "-v", "error", "-y"] + arguments + [path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return path
    }

    @Test("mono, stereo and 5.1 files of the same tone agree on features", arguments: [
        ("mono.wav", "mono"), ("stereo.flac", "stereo"), ("surround.wav", "5.1"),
    ])
    func layouts(name: String, layout: String) async throws {
        let path = try Self.makeFile(name, [
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
            "-af", "aformat=channel_layouts=\(layout)",
        ])
        let analysis = try await AudioAnalysis.analyze(fileAt: path)
        #expect(abs(analysis.durationSeconds - 3) < 0.05)
        #expect(abs(analysis.features.centroid.mean - 440) < 30)
        #expect(analysis.loudness.integratedLUFS > -40 && analysis.loudness.integratedLUFS < 0)
    }

    @Test("8 kHz and 192 kHz sources are resampled to 22,050 Hz", arguments: [8000, 192_000])
    func sampleRates(rate: Int) async throws {
        let path = try Self.makeFile("rate-\(rate).wav", [
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=\(rate):duration=2",
        ])
        let analysis = try await AudioAnalysis.analyze(fileAt: path)
        #expect(analysis.sampleRate == 22_050)
        #expect(abs(analysis.durationSeconds - 2) < 0.05)
        #expect(abs(analysis.features.centroid.mean - 1000) < 60)
    }

    @Test("a 1-second file and a silent file give defined values")
    func shortAndSilent() async throws {
        let short = try Self.makeFile("short.mp3", ["-f", "lavfi", "-i", "sine=frequency=660:duration=1"])
        let shortAnalysis = try await AudioAnalysis.analyze(fileAt: short)
        #expect(abs(shortAnalysis.durationSeconds - 1) < 0.1)
        let silent = try Self.makeFile("silent.wav", ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3"])
        let silence = try await AudioAnalysis.analyze(fileAt: silent)
        #expect(silence.tempo.bpm == nil && silence.tempo.confidence == 0)
        #expect(silence.loudness.integratedLUFS == -70)
        #expect(silence.key.name == nil)
        _ = try JSONEncoder().encode(silence)  // throws on NaN or infinity
    }

    @Test("FLAC and WAV headers give the same channels and rate as ffprobe", arguments: [
        ("probe-stereo.flac", "stereo", 44_100), ("probe-51.wav", "5.1", 48_000),
        ("probe-mono.wav", "mono", 8000), ("probe-hi.flac", "stereo", 192_000),
    ])
    func headers(name: String, layout: String, rate: Int) throws {
        let path = try Self.makeFile(name, [
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=\(rate):duration=0.5",
            "-af", "aformat=channel_layouts=\(layout)",
        ])
        let fromHeader = try #require(HeaderProbe.format(of: path))
        #expect(fromHeader == (try AudioDecoder().probeWithFFprobe(path)))
        #expect(fromHeader.sampleRate == rate)
    }

    @Test("a file that is not audio is refused with a clear error")
    func notAudio() async throws {
        let directory = FileManager.default.temporaryDirectory
        let path = directory.appendingPathComponent("not-audio-\(getpid()).txt").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(throws: AnalysisError.self) { try await AudioAnalysis.analyze(fileAt: path) }
        await #expect(throws: AnalysisError.self) { try await AudioAnalysis.analyze(fileAt: "/no/such/file.wav") }
    }
}
