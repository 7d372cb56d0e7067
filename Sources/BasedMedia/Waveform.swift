import Foundation

/// Peak amplitudes for drawing a player's waveform.
public enum Waveform {
    /// `points` peaks (0…1) spread evenly over the track, from 16-bit mono PCM decoded at a low rate.
    public static func peaks(of file: URL, points: Int = 800, duration: Double, scratch: URL) async throws -> [Float] {
        let pcm = scratch.appendingPathComponent("waveform-\(UUID().uuidString).pcm")
        defer { try? FileManager.default.removeItem(at: pcm) }
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-i", file.path, "-map", "0:a:0",
            "-ac", "1", "-ar", "4000", "-f", "s16le", "-c:a", "pcm_s16le", pcm.path,
        ], timeout: .seconds(max(120, Int64(duration / 10))))
        guard result.succeeded else { throw ToolError(code: .failed, tool: "ffmpeg", message: "decoding for the waveform failed") }
        let handle = try FileHandle(forReadingFrom: pcm)
        defer { try? handle.close() }
        let totalSamples = Int((try FileManager.default.attributesOfItem(atPath: pcm.path)[.size] as? Int ?? 0) / 2)
        return try peaks(reading: handle, totalSamples: totalSamples, points: points)
    }

    /// Streams through the samples once, keeping one bucket's maximum at a time.
    static func peaks(reading handle: FileHandle, totalSamples: Int, points: Int) throws -> [Float] {
        guard totalSamples > 0, points > 0 else { return [Float](repeating: 0, count: max(points, 0)) }
        var peaks = [Float](repeating: 0, count: points)
        var index = 0
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            chunk.withUnsafeBytes { raw in
                for sample in raw.bindMemory(to: Int16.self) {
                    let bucket = min(points - 1, index * points / totalSamples)
                    let magnitude = Float(abs(Int32(Int16(littleEndian: sample)))) / 32768
                    if magnitude > peaks[bucket] { peaks[bucket] = magnitude }
                    index += 1
                }
            }
        }
        return peaks.map { min(1, $0) }
    }
}
