import Foundation
import Tracing

/// A finished child process: its exit status and what it printed.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: Data
    public var standardError: Data

    public var succeeded: Bool { status == 0 }
}

/// Errors from running a tool such as ffmpeg.
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable { case notFound, timedOut, failed }
    public var code: Code
    public var tool: String
    public var message: String

    public var description: String { "\(tool): \(code.rawValue): \(message)" }

    public init(code: Code, tool: String, message: String) {
        self.code = code
        self.tool = tool
        self.message = message
    }
}

/// Runs a command-line tool without blocking a thread while it works, with a
/// time limit, and kills it if the awaiting task is cancelled.
public enum Subprocess {
    /// Runs `executable` (a name on PATH or a path) with `arguments`. Each run
    /// is a span named after the tool, for whatever tracer the process
    /// bootstrapped; with none, the span costs nothing.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration = .seconds(60)
    ) async throws -> ProcessResult {
        try await withSpan(URL(fileURLWithPath: executable).lastPathComponent, ofKind: .client) { span in
            span.attributes["process.executable.name"] = executable
            let result = try await runUntraced(executable, arguments, timeout: timeout)
            span.attributes["process.exit.code"] = Int(result.status)
            if !result.succeeded { span.setStatus(SpanStatus(code: .error, message: "exit status \(result.status)")) }
            return result
        }
    }

    static func runUntraced(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> ProcessResult {
        guard let path = locate(executable) else {
            throw ToolError(code: .notFound, tool: executable, message: "not found on PATH; install it (make deps)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        // Output goes to temporary files so a chatty tool can never fill a pipe and stall.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("based-\(UUID().uuidString).out")
        let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("based-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = output
        process.standardError = errors

        let status: Int32 = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Int32?.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                        do {
                            try process.run()
                        } catch {
                            process.terminationHandler = nil
                            continuation.resume(returning: -1)
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                guard let status = first else {
                    Self.stop(process)
                    throw ToolError(code: .timedOut, tool: executable, message: "did not finish within \(timeout)")
                }
                return status
            }
        } onCancel: {
            Self.stop(process)
        }
        try? output.close()
        try? errors.close()
        return ProcessResult(
            status: status,
            standardOutput: (try? Data(contentsOf: outputURL)) ?? Data(),
            standardError: (try? Data(contentsOf: errorURL)) ?? Data()
        )
    }

    /// Stops the child at once. SIGKILL, because children spawned from Swift
    /// concurrency's threads inherit a signal mask that blocks SIGTERM.
    static func stop(_ process: Process) {
        let pid = process.processIdentifier
        if pid > 0, process.isRunning { _ = kill(pid, SIGKILL) }
    }

    /// The full path of `executable` on PATH, or itself when it is a path.
    public static func locate(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
