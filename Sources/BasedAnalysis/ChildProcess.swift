import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// ffmpeg spawned with its standard output on a pipe and its standard error in a
/// temporary file, which can be stopped at any time (cancellation, time-out) with
/// SIGKILL and is always reaped. A class because its pid and state are shared by
/// the reading thread and whoever stops it.
final class ChildProcess: Sendable {
    private struct State {
        /// Once reaped, the pid may belong to another process and must not be signalled.
        var reaped = false
        var stopReason: DecodeStopReason?
    }

    let pid: pid_t
    /// Read end of the child's standard output; `wait()` closes it.
    let standardOutput: Int32
    private let errorPath: String
    private let executable: String
    private let state = Mutex(State())

    init(_ executable: String, _ arguments: [String]) throws {
        self.executable = executable
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw AnalysisError(code: .toolMissing, message: "\(executable) not found; install ffmpeg (make deps)")
        }
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else {
            throw AnalysisError(code: .decodingFailed, message: "cannot create a pipe: errno \(errno)")
        }
        // Glibc's pipe2 is not visible to Swift; mark the read end close-on-exec by hand.
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        // 1 MiB instead of 64 KiB: fewer wake-ups when ffmpeg and the reader share a core.
        _ = fcntl(output[1], 1031 /* F_SETPIPE_SZ */, 1 << 20)
        errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("based-ffmpeg-\(UUID().uuidString).err").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The child inherits the spawning thread's signal mask, and Swift concurrency's
        // threads block signals such as SIGTERM: give ffmpeg an empty mask and default
        // dispositions, as a shell would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        close(output[1])
        guard status == 0 else {
            close(output[0])
            throw AnalysisError(code: .toolMissing, message: "cannot run \(executable): errno \(status)")
        }
        pid = child
        standardOutput = output[0]
    }

    /// Kills the child with SIGKILL (which no mask can block) unless it was already
    /// reaped; the first reason given is the one `wait()` reports.
    func stop(_ reason: DecodeStopReason) {
        state.withLock { state in
            guard !state.reaped else { return }
            if state.stopReason == nil { state.stopReason = reason }
            kill(pid, SIGKILL)
        }
    }

    /// Waits for the child to exit (after its output was read to the end, or it was
    /// stopped), reaps it and throws: `CancellationError` if it was stopped because
    /// the task was cancelled, `AnalysisError` for a time-out or ffmpeg's own failure.
    func wait() throws {
        close(standardOutput)
        // Wait for the exit without reaping, so that `stop` never signals a reused pid.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        var status: Int32 = 0
        let stopReason = state.withLock { state in
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            state.reaped = true
            return state.stopReason
        }
        let message = (try? String(contentsOfFile: errorPath, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        try? FileManager.default.removeItem(atPath: errorPath)
        switch stopReason {
        case .cancelled:
            throw CancellationError()
        case .timedOut(let limit):
            throw AnalysisError(code: .timedOut, message: "\(executable) did not finish within \(limit); it was killed")
        case nil:
            break
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw AnalysisError(
                code: .decodingFailed,
                message: message.isEmpty ? "\(executable) failed (status \(status))" : message
            )
        }
    }

    /// Runs a short command (ffprobe) and returns its standard output.
    static func output(of executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AnalysisError(code: .toolMissing, message: "cannot run \(executable): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
