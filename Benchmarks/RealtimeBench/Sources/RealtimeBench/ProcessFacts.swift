#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The monotonic clock that stamps sends and receipts. Both ends of every
/// measurement are in this process, so one clock and no synchronisation.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// What the harness needs to know about processes: its own descriptor limit
/// and the server's resident memory.
enum ProcessFacts {
    /// Raises this process's open-file limit so that it can hold `needed`
    /// sockets; returns the soft limit in force afterwards.
    @discardableResult
    static func raiseFileLimit(to needed: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(fileLimitResource, &limit) == 0 else { return 0 }
        let wanted = rlim_t(needed)
        if limit.rlim_cur >= wanted { return Int(limit.rlim_cur) }
        // Root may raise the hard limit too; anyone may raise the soft one up to it.
        if limit.rlim_max < wanted {
            var raised = rlimit(rlim_cur: wanted, rlim_max: wanted)
            if setrlimit(fileLimitResource, &raised) == 0 { return needed }
        }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        _ = setrlimit(fileLimitResource, &limit)
        _ = getrlimit(fileLimitResource, &limit)
        return Int(limit.rlim_cur)
    }

    /// The resident set size of `pid` in KiB, from `/proc/PID/status`
    /// (`VmRSS`); nil where there is no such file or line.
    static func residentKiB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            // "VmRSS:	  123456 kB"
            let fields = line.split(whereSeparator: \.isWhitespace)
            return fields.count >= 2 ? Int(fields[1]) : nil
        }
        return nil
    }

    #if os(Linux)
    private static let fileLimitResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let fileLimitResource = RLIMIT_NOFILE
    #endif
}
