import BasedMedia
import Foundation
import Logging

/// Transcodes a rendition that does not exist yet while the client listens:
/// ffmpeg writes to the cache and every request for the same rendition reads
/// the growing file, so one process serves them all. When the last listener
/// leaves before the end, ffmpeg is stopped. Finished files stay in a
/// size-capped cache, evicted least recently used first, found again after a restart.
actor LiveTranscoder {
    let root: URL
    let capacity: Int
    let logger: Logger

    private final class Transcode: @unchecked Sendable {
        // Safe: only the actor touches these fields; the class is shared to keep identity.
        var readers = 0
        var finished = false
        var failed = false
        var task: Task<Void, Never>?
    }

    private var running: [String: Transcode] = [:]

    init(root: URL, capacity: Int, logger: Logger) {
        self.root = root
        self.capacity = capacity
        self.logger = logger
    }

    /// The streamable formats: MP4 needs its index at the front, so live AAC is ADTS.
    static func fileName(_ rendition: Rendition) -> String {
        switch rendition.codec {
        case .aac: "live-aac-\(rendition.bitRate).aac"
        case .mp3: "live-mp3-\(rendition.bitRate).mp3"
        case .opus: "live-opus-\(rendition.bitRate).opus"
        }
    }

    static func mediaType(_ rendition: Rendition) -> String {
        rendition.codec == .aac ? "audio/aac" : rendition.mediaType
    }

    func cachedFile(track: String, rendition: Rendition) -> URL {
        root.appendingPathComponent(track, isDirectory: true).appendingPathComponent(Self.fileName(rendition))
    }

    /// A finished cached file, touched so it counts as recently used.
    func finished(track: String, rendition: Rendition) -> URL? {
        let file = cachedFile(track: track, rendition: rendition)
        guard running[file.path] == nil, FileManager.default.fileExists(atPath: file.path) else { return nil }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
        return file
    }

    /// Joins (or starts) the transcode of `rendition` from `original`; the
    /// caller reads `partial` until `isDone` says the writer has finished.
    func join(track: String, rendition: Rendition, original: URL, duration: Double) throws -> (partial: URL, key: String) {
        let final = cachedFile(track: track, rendition: rendition)
        let partial = final.appendingPathExtension("part")
        let key = final.path
        if let transcode = running[key] {
            transcode.readers += 1
            return (partial, key)
        }
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: partial)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let transcode = Transcode()
        transcode.readers = 1
        running[key] = transcode
        // -flush_packets: write each encoded packet at once, so the first audio
        // reaches the listener without waiting for ffmpeg's 32 KiB output buffer.
        let arguments = ["-nostdin", "-v", "error", "-y", "-i", original.path, "-map", "0:a:0", "-map_metadata", "-1", "-ac", "2"]
            + Self.encoder(rendition) + ["-flush_packets", "1", partial.path]
        transcode.task = Task { [logger] in
            let result = try? await Subprocess.run("ffmpeg", arguments, timeout: .seconds(max(300, Int64(duration))))
            self.finish(key: key, partial: partial, final: final, succeeded: result?.succeeded == true)
            if result?.succeeded != true { logger.warning("live transcode failed", metadata: ["file": "\(final.lastPathComponent)"]) }
        }
        return (partial, key)
    }

    static func encoder(_ rendition: Rendition) -> [String] {
        switch rendition.codec {
        case .aac: ["-c:a", "aac", "-b:a", "\(rendition.bitRate)k", "-f", "adts"]
        // No Xing header: ffmpeg would rewrite it at the end, after listeners have read it.
        case .mp3: ["-c:a", "libmp3lame", "-b:a", "\(rendition.bitRate)k", "-write_xing", "0", "-f", "mp3"]
        case .opus: ["-c:a", "libopus", "-b:a", "\(rendition.bitRate)k", "-f", "ogg", "-page_duration", "100000"]
        }
    }

    /// Whether the writer is done, and whether it failed.
    func state(_ key: String) -> (done: Bool, failed: Bool) {
        guard let transcode = running[key] else { return (true, false) }
        return (transcode.finished, transcode.failed)
    }

    /// A reader is gone. The last one to leave an unfinished transcode stops it.
    func leave(_ key: String) {
        guard let transcode = running[key] else { return }
        transcode.readers -= 1
        if transcode.readers <= 0 && !transcode.finished {
            transcode.task?.cancel()
        }
    }

    private func finish(key: String, partial: URL, final: URL, succeeded: Bool) {
        guard let transcode = running.removeValue(forKey: key) else { return }
        transcode.finished = true
        if succeeded {
            if (try? BlobStore.moveIntoPlace(partial, final)) == nil { transcode.failed = true }
        } else {
            transcode.failed = true
            try? FileManager.default.removeItem(at: partial)
        }
        evict()
    }

    /// Number of transcodes running now (for tests and metrics).
    var active: Int { running.count }

    /// Drops least recently used finished files until the cache fits its cap.
    func evict() {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]) else { return }
        var files: [(url: URL, size: Int, used: Date)] = []
        while let url = enumerator.nextObject() as? URL {
            guard url.pathExtension != "part",
                  let values = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]),
                  values.isRegularFile == true
            else { continue }
            files.append((url, values.fileSize ?? 0, values.contentModificationDate ?? .distantPast))
        }
        var total = files.reduce(0) { $0 + $1.size }
        for file in files.sorted(by: { $0.used < $1.used }) where total > capacity {
            try? FileManager.default.removeItem(at: file.url)
            total -= file.size
        }
    }
}
