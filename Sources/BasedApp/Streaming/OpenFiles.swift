import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(CoreFoundation)
import CoreFoundation  // where Swift on Linux finds `timespec`'s fields
#endif
#if canImport(CDispatch)
// Which clang module owns `stat` depends on what the compiler loaded first for
// the files compiled in the same batch as this one; CDispatch's is one of them.
import CDispatch
#endif
import NIOCore
import NIOPosix
import Synchronization

/// A file held open for reading, with the size and modification time it had
/// when opened. Its descriptor closes when the last user lets go of it, so a
/// request that took it from the cache can still send from it after eviction.
final class OpenFile: Sendable {
    let descriptor: CInt
    let size: Int
    /// Modification time in milliseconds since 1970, for ETag and Last-Modified.
    let modifiedMilliseconds: Int64
    /// The modification time as an HTTP date, made once rather than per request.
    let lastModified: String
    /// The entity tag: size and modification time in hex.
    let etag: String
    let device: UInt64
    let inode: UInt64

    init(descriptor: CInt, status: stat) {
        self.descriptor = descriptor
        size = Int(status.st_size)
        modifiedMilliseconds = Int64(status.st_mtim.tv_sec) * 1000 + Int64(status.st_mtim.tv_nsec) / 1_000_000
        lastModified = StreamRoutes.httpDate(Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec)))
        etag = "\"\(String(size, radix: 16))-\(String(modifiedMilliseconds, radix: 16))\""
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }

    deinit { _ = close(descriptor) }

    func isSameFile(as status: stat) -> Bool {
        device == UInt64(status.st_dev) && inode == UInt64(status.st_ino) && size == Int(status.st_size)
            && modifiedMilliseconds == Int64(status.st_mtim.tv_sec) * 1000 + Int64(status.st_mtim.tv_nsec) / 1_000_000
    }
}

/// A small, bounded cache of open files (nginx's `open_file_cache`): a hit
/// costs no system call, and opening, `stat` and revalidation run on NIO's
/// thread pool, never on an event loop or Swift's cooperative threads. An
/// entry is trusted for `validity`, then checked again with one `stat`;
/// a file replaced in place (renamed over, as renditions are) is reopened.
final class OpenFiles: Sendable {
    private struct Entry {
        var file: OpenFile
        var checked: ContinuousClock.Instant
        var used: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int
    let validity: Duration
    private let threadPool: NIOThreadPool

    init(capacity: Int = 256, validity: Duration = .seconds(2), threadPool: NIOThreadPool = .singleton) {
        self.capacity = capacity
        self.validity = validity
        self.threadPool = threadPool
    }

    /// The open file at `path`, or nil when there is no regular file there.
    func open(_ path: String) async throws -> OpenFile? {
        let now = ContinuousClock.now
        let cached = entries.withLock { entries -> Entry? in
            guard var entry = entries[path] else { return nil }
            entry.used = now
            entries[path] = entry
            return entry
        }
        if let cached, now - cached.checked < validity { return cached.file }
        let file: OpenFile? = try await threadPool.runIfActive {
            var status = stat()
            if let cached {
                guard stat(path, &status) == 0 else { return nil }
                if cached.file.isSameFile(as: status) { return cached.file }
            }
            let descriptor = openForReading(path)
            guard descriptor >= 0 else { return nil }
            guard fstat(descriptor, &status) == 0, (status.st_mode & Glibc.S_IFMT) == Glibc.S_IFREG else {
                _ = close(descriptor)
                return nil
            }
            return OpenFile(descriptor: descriptor, status: status)
        }
        entries.withLock { entries in
            guard let file else {
                entries[path] = nil
                return
            }
            entries[path] = Entry(file: file, checked: now, used: now)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
        }
        return file
    }

    /// The open file at `path` if the cache holds it and checked it within
    /// `validity`, else nil: no system call, no wait (the stream fast path
    /// runs on an event loop and leaves every miss to `open`).
    func cached(_ path: String) -> OpenFile? {
        let now = ContinuousClock.now
        return entries.withLock { entries -> OpenFile? in
            guard var entry = entries[path], now - entry.checked < validity else { return nil }
            entry.used = now
            entries[path] = entry
            return entry.file
        }
    }

    /// Forgets `path`, for a caller that just removed or replaced the file.
    func forget(_ path: String) {
        entries.withLock { $0[path] = nil }
    }

    /// Forgets every file under `folder`.
    func forget(under folder: String) {
        entries.withLock { entries in
            for path in entries.keys where path.hasPrefix(folder) { entries[path] = nil }
        }
    }
}

/// `open(2)` for reading; a free function, since inside `OpenFiles` the name `open` is the method.
private func openForReading(_ path: String) -> CInt {
    open(path, O_RDONLY | O_CLOEXEC)
}
