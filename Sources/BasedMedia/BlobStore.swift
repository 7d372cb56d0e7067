import Crypto
import Foundation

/// Files on the local disk under the data directory: originals stored by their
/// SHA-256 and never changed, and per-track derived files that can be rebuilt.
public struct BlobStore: Sendable {
    public let root: URL
    /// `root`'s path, for building the paths the stream's hot path opens
    /// without making a URL per request.
    private let rootPath: String

    public init(root: URL) {
        self.root = root
        self.rootPath = root.path.hasSuffix("/") ? String(root.path.dropLast()) : root.path
    }

    public var temporary: URL { root.appendingPathComponent("tmp", isDirectory: true) }

    /// Where the original with this hash lives (`originals/ab/abcdef…`).
    public func original(hash: String) -> URL {
        root.appendingPathComponent("originals/\(hash.prefix(2))/\(hash)")
    }

    /// The folder of a track's renditions.
    public func renditions(track: String) -> URL {
        root.appendingPathComponent("renditions/\(track)", isDirectory: true)
    }

    /// The path of one rendition file of a track (as `renditions(track:)` + name, without URLs).
    public func renditionPath(track: String, file: String) -> String {
        "\(rootPath)/renditions/\(track)/\(file)"
    }

    /// The path of an original (as `original(hash:)`, without URLs).
    public func originalPath(hash: String) -> String {
        "\(rootPath)/originals/\(hash.prefix(2))/\(hash)"
    }

    public func artwork(hash: String, size: Int) -> URL {
        root.appendingPathComponent("artwork/\(hash)-\(size).jpg")
    }

    /// Moves a fully written temporary file to its content-addressed place;
    /// if an identical original is there already, the temporary file is dropped.
    public func storeOriginal(_ file: URL, hash: String) throws {
        let destination = original(hash: hash)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: destination.path) {
            try? FileManager.default.removeItem(at: file)
            return
        }
        try Self.moveIntoPlace(file, destination)
        // Originals are immutable.
        try? FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: destination.path)
    }

    /// An atomic rename; both paths must be on the same file system.
    public static func moveIntoPlace(_ source: URL, _ destination: URL) throws {
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard rename(source.path, destination.path) == 0 else {
            let code = errno
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename \(source.path) → \(destination.path) failed: \(String(cString: strerror(code)))"])
        }
    }
}

/// Writes a stream of bytes to a temporary file while hashing it, with a size cap.
/// The SHA-256 of a file in hex, read 1 MiB at a time (never whole in memory).
public func sha256Hex(of file: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        hasher.update(data: chunk)
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

public struct HashingFileWriter {
    public enum WriteError: Error, Equatable { case tooLarge(limit: Int) }

    public let url: URL
    private let handle: FileHandle
    private var hasher = SHA256()
    public private(set) var count = 0
    private let limit: Int

    public init(in directory: URL, limit: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        handle = try FileHandle(forWritingTo: url)
        self.limit = limit
    }

    public mutating func write(_ bytes: some Collection<UInt8>) throws {
        count += bytes.count
        guard count <= limit else { throw WriteError.tooLarge(limit: limit) }
        let data = Data(bytes)
        hasher.update(data: data)
        try handle.write(contentsOf: data)
    }

    /// Closes the file and returns its SHA-256 in hex.
    public mutating func finish() throws -> String {
        try handle.close()
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Closes and deletes the file.
    public func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
