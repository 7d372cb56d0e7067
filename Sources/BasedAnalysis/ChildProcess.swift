import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// ffmpeg spawned with two output pipes (stdout and descriptor 3) and its standard
/// error in a temporary file. Foundation's `Process` can hand a child only the three
/// standard descriptors, and decoding once for both streams halves the decode cost.
struct ChildProcess: Sendable {
    let pid: pid_t
    /// Read ends of the child's stdout and descriptor 3.
    let standardOutput: Int32
    let descriptor3: Int32
    private let errorPath: String
    private let executable: String

    init(_ executable: String, _ arguments: [String]) throws {
        self.executable = executable
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw AnalysisError(code: .toolMissing, message: "\(executable) not found; install ffmpeg (make deps)")
        }
        var output: [Int32] = [0, 0], extra: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&extra) == 0 else {
            throw AnalysisError(code: .decodingFailed, message: "cannot create pipes: errno \(errno)")
        }
        // Glibc's pipe2 is not visible to Swift; mark the read ends close-on-exec by hand.
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(extra[0], F_SETFD, FD_CLOEXEC)
        // 1 MiB pipes instead of 64 KiB: fewer wake-ups when ffmpeg and the reader share a core.
        _ = fcntl(output[1], 1031 /* F_SETPIPE_SZ */, 1 << 20)
        _ = fcntl(extra[1], 1031 /* F_SETPIPE_SZ */, 1 << 20)
        // Move the write ends above 3 so that dup2 onto 1 and 3 never collides with them.
        let outputWrite = fcntl(output[1], F_DUPFD_CLOEXEC, 10), extraWrite = fcntl(extra[1], F_DUPFD_CLOEXEC, 10)
        close(output[1])
        close(extra[1])
        errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("based-ffmpeg-\(UUID().uuidString).err").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputWrite, 1)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, extraWrite, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(outputWrite)
        close(extraWrite)
        guard status == 0 else {
            close(output[0])
            close(extra[0])
            throw AnalysisError(code: .toolMissing, message: "cannot run \(executable): errno \(status)")
        }
        pid = child
        standardOutput = output[0]
        descriptor3 = extra[0]
    }

    /// Waits for the child (after both pipes were read to the end) and throws its error text on failure.
    func wait() throws {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let message = (try? String(contentsOfFile: errorPath, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        try? FileManager.default.removeItem(atPath: errorPath)
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
