import BasedMedia
import Foundation
import HTTPTypes
import Logging

/// Transcodes a rendition that does not exist yet while the client listens:
/// ffmpeg writes to the cache and every request for the same rendition reads
/// the growing file, so one process serves them all. When the last listener
/// leaves before the end, ffmpeg is stopped. Finished files stay in a
/// size-capped cache, evicted least recently used first, found again after a restart.
actor LiveTranscoder {
    let root: URL
    let capacity: Int
    /// Most ffmpeg children at once; a request that would start one more is refused with 503.
    let concurrency: Int
    let logger: Logger

    /// How long a client refused for capacity is told to wait (Navidrome tells its clients 5 s too).
    static let retryAfterSeconds = 5

    /// One ffmpeg run. Its outcome stays readable until its last reader has
    /// left, so a reader never mistakes a failed run for a finished one.
    private struct Transcode {
        var readers = 1
        var finished = false
        var failed = false
        var task: Task<Void, Never>?
    }

    /// Runs by id, kept while they have readers.
    private var transcodes: [Int: Transcode] = [:]
    /// The run still writing each cache file, by its path.
    private var writing: [String: Int] = [:]
    private var nextID = 0

    init(root: URL, capacity: Int, concurrency: Int, logger: Logger) {
        self.root = root
        self.capacity = capacity
        self.concurrency = concurrency
        self.logger = logger
    }

    /// The streamable formats: MP4 needs its index at the front, so live AAC is ADTS.
    /// A transcode from `offset` seconds (a seek) is kept under its own name.
    static func fileName(_ rendition: Rendition, offset: Int = 0) -> String {
        let from = offset > 0 ? "-from-\(offset)" : ""
        switch rendition.codec {
        case .aac: return "live-aac-\(rendition.bitRate)\(from).aac"
        case .mp3: return "live-mp3-\(rendition.bitRate)\(from).mp3"
        case .opus: return "live-opus-\(rendition.bitRate)\(from).opus"
        }
    }

    static func mediaType(_ rendition: Rendition) -> String {
        rendition.codec == .aac ? "audio/aac" : rendition.mediaType
    }

    func cachedFile(track: String, rendition: Rendition, offset: Int = 0) -> URL {
        root.appendingPathComponent(track, isDirectory: true).appendingPathComponent(Self.fileName(rendition, offset: offset))
    }

    /// A finished cached file, touched so it counts as recently used.
    func finished(track: String, rendition: Rendition) -> URL? {
        let file = cachedFile(track: track, rendition: rendition)
        guard writing[file.path] == nil, FileManager.default.fileExists(atPath: file.path) else { return nil }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
        return file
    }

    /// Joins (or starts) the transcode of `rendition` from `original`; the
    /// caller reads `partial` until `state(id)` says the writer has finished,
    /// and calls `leave(id)` once whatever happens. Starting one more ffmpeg
    /// than `concurrency` allows is refused with a 503 and `Retry-After`;
    /// joining one that runs is always allowed, since it costs no new child.
    func join(track: String, rendition: Rendition, original: URL, duration: Double, offset: Int = 0) throws -> (partial: URL, id: Int) {
        let final = cachedFile(track: track, rendition: rendition, offset: offset)
        let partial = final.appendingPathExtension("part")
        if let id = writing[final.path] {
            transcodes[id]?.readers += 1
            return (partial, id)
        }
        guard writing.count < concurrency else {
            throw AppError(
                .serviceUnavailable, code: "transcoder_busy",
                "Every live transcoder is busy; try again in \(Self.retryAfterSeconds) seconds.",
                headers: [.retryAfter: String(Self.retryAfterSeconds)]
            )
        }
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: partial)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        nextID += 1
        let id = nextID
        writing[final.path] = id
        // -flush_packets: write each encoded packet at once, so the first audio
        // reaches the listener without waiting for ffmpeg's 32 KiB output buffer.
        let seek = offset > 0 ? ["-ss", String(offset)] : []
        let arguments = ["-nostdin", "-v", "error", "-y"] + seek + ["-i", original.path, "-map", "0:a:0", "-map_metadata", "-1", "-ac", "2"]
            + Self.encoder(rendition) + ["-flush_packets", "1", partial.path]
        var transcode = Transcode()
        transcode.task = Task { [logger] in
            let result = try? await Subprocess.run("ffmpeg", arguments, timeout: .seconds(max(300, Int64(duration))))
            self.finish(id, partial: partial, final: final, succeeded: result?.succeeded == true)
            if result?.succeeded != true { logger.warning("live transcode failed", metadata: ["file": "\(final.lastPathComponent)"]) }
        }
        transcodes[id] = transcode
        return (partial, id)
    }

    static func encoder(_ rendition: Rendition) -> [String] {
        switch rendition.codec {
        case .aac: ["-c:a", "aac", "-b:a", "\(rendition.bitRate)k", "-f", "adts"]
        // No Xing header: ffmpeg would rewrite it at the end, after listeners have read it.
        case .mp3: ["-c:a", "libmp3lame", "-b:a", "\(rendition.bitRate)k", "-write_xing", "0", "-f", "mp3"]
        case .opus: ["-c:a", "libopus", "-b:a", "\(rendition.bitRate)k", "-f", "ogg", "-page_duration", "100000"]
        }
    }

    /// Whether the writer is done, and whether it failed. A run its reader
    /// does not know (it cannot be gone while the reader has not left) counts as failed.
    func state(_ id: Int) -> (done: Bool, failed: Bool) {
        guard let transcode = transcodes[id] else { return (true, true) }
        return (transcode.finished, transcode.failed)
    }

    /// A reader is gone. The last one to leave an unfinished transcode stops it;
    /// the last one to leave a finished one lets its outcome go.
    func leave(_ id: Int) {
        guard var transcode = transcodes[id] else { return }
        transcode.readers -= 1
        if transcode.readers > 0 {
            transcodes[id] = transcode
        } else if transcode.finished {
            transcodes[id] = nil
        } else {
            transcodes[id] = transcode
            transcode.task?.cancel()
        }
    }

    private func finish(_ id: Int, partial: URL, final: URL, succeeded: Bool) {
        if writing[final.path] == id { writing[final.path] = nil }
        var failed = !succeeded
        if succeeded {
            if (try? BlobStore.moveIntoPlace(partial, final)) == nil { failed = true }
        } else {
            try? FileManager.default.removeItem(at: partial)
        }
        if var transcode = transcodes[id] {
            transcode.finished = true
            transcode.failed = failed
            // Mark it failed before anyone can see it gone: readers learn the outcome from here.
            transcodes[id] = transcode.readers > 0 ? transcode : nil
        }
        evict()
    }

    /// Number of ffmpeg children running now (for tests and metrics).
    var active: Int { writing.count }

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
