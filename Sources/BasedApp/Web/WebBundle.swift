import CompressNIO
import Crypto
import Foundation
import NIOCore
import NIOPosix

/// The web app's files (`Public/`), read once at start into memory with their
/// media type, content hash and gzip form, so that serving them never touches
/// the disk or compresses on a request.
public struct WebBundle: Sendable {
    /// One file as it is served.
    struct Asset: Sendable {
        var contentType: String
        var body: ByteBuffer
        /// Present for text whose gzip form is smaller.
        var gzipped: ByteBuffer?
        /// A strong validator of the identity body, quoted; the gzip body's is this with `-gz`.
        var etag: String
        var gzipETag: String { String(etag.dropLast()) + "-gz\"" }
    }

    /// A hash of every file: the `<version>` in `/app/<version>/…` URLs, so a
    /// change to any file gives every module a new URL.
    public let version: String
    /// By path relative to the folder, without a leading slash (`js/main.js`).
    let assets: [String: Asset]
    /// `index.html` with its references to the folder's files rewritten to versioned URLs.
    let shell: Asset

    /// The prefix of versioned URLs.
    static let versionedPrefix = "/app/"

    init(files: [String: Data]) throws {
        var hasher = SHA256()
        for path in files.keys.sorted() {
            hasher.update(data: Data(path.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: files[path]!)
        }
        let version = String(Self.hex(hasher.finalize()).prefix(12))
        self.version = version
        var assets: [String: Asset] = [:]
        for (path, data) in files {
            assets[path] = try Self.asset(path: path, data: data)
        }
        self.assets = assets
        guard let index = files["index.html"] else { throw WebBundleError.noIndex }
        let rewritten = Self.versionReferences(in: String(decoding: index, as: UTF8.self), files: Set(files.keys), version: version)
        self.shell = try Self.asset(path: "index.html", data: Data(rewritten.utf8))
    }

    /// Reads a folder on NIO's thread pool (never an event loop); hidden files are left out.
    public static func load(from directory: URL) async throws -> WebBundle {
        try await NIOThreadPool.singleton.runIfActive {
            let root = directory.standardizedFileURL.resolvingSymlinksInPath()
            guard let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]
            ) else { throw WebBundleError.unreadable(root.path) }
            var files: [String: Data] = [:]
            let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
            for case let url as URL in enumerator {
                guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
                let path = url.standardizedFileURL.resolvingSymlinksInPath().path
                // A symbolic link out of the folder is not part of the app.
                guard path.hasPrefix(rootPath) else { continue }
                files[String(path.dropFirst(rootPath.count))] = try Data(contentsOf: url)
            }
            return try WebBundle(files: files)
        }
    }

    /// The folder to serve: the configured one, else `Public` in the working
    /// directory, else `Public` in a parent of the executable's directory
    /// (`.build/debug/based` in a checkout).
    public static func locate(configured: URL?, executable: URL? = Bundle.main.executableURL) -> URL? {
        if let configured { return configured }
        let manager = FileManager.default
        let here = URL(fileURLWithPath: manager.currentDirectoryPath, isDirectory: true).appendingPathComponent("Public", isDirectory: true)
        if manager.fileExists(atPath: here.appendingPathComponent("index.html").path) { return here }
        var directory = executable?.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            guard let current = directory else { break }
            let candidate = current.appendingPathComponent("Public", isDirectory: true)
            if manager.fileExists(atPath: candidate.appendingPathComponent("index.html").path) { return candidate }
            directory = current.deletingLastPathComponent()
        }
        return nil
    }

    private static func asset(path: String, data: Data) throws -> Asset {
        let contentType = mediaType(of: path)
        let body = ByteBuffer(bytes: data)
        var gzipped: ByteBuffer?
        if isText(contentType), data.count > 256 {
            var input = body
            let compressed = try input.compress(with: ZlibAlgorithm.gzip)
            if compressed.readableBytes < data.count { gzipped = compressed }
        }
        let etag = "\"\(hex(SHA256.hash(data: data)).prefix(20))\""
        return Asset(contentType: contentType, body: body, gzipped: gzipped, etag: etag)
    }

    /// `src="/js/main.js"` → `src="/app/<version>/js/main.js"` for each file of the folder.
    /// Modules import each other by relative paths, so they all load under the versioned prefix.
    static func versionReferences(in html: String, files: Set<String>, version: String) -> String {
        var result = ""
        var rest = Substring(html)
        while let range = rest.range(of: "=\"/") {
            result += rest[..<range.lowerBound]
            result += "=\""
            let afterSlash = rest[range.upperBound...]
            let end = afterSlash.firstIndex(of: "\"") ?? afterSlash.endIndex
            let path = String(afterSlash[..<end])
            result += files.contains(path) ? "\(versionedPrefix)\(version)/\(path)" : "/\(path)"
            rest = afterSlash[end...]
        }
        return result + rest
    }

    static func mediaType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "webmanifest": "application/manifest+json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }

    private static func isText(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType.hasPrefix("application/manifest")
            || contentType.hasPrefix("image/svg")
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Why the web folder could not be served.
public enum WebBundleError: Error, CustomStringConvertible {
    case noIndex
    case unreadable(String)

    public var description: String {
        switch self {
        case .noIndex: "the web folder has no index.html"
        case .unreadable(let path): "the web folder \(path) cannot be read"
        }
    }
}
