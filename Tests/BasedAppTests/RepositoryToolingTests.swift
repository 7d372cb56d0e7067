import Foundation
import Testing

/// The Makefile and scripts a newcomer runs: they must not lose data or hide a failed build.
@Suite("Repository tooling")
struct RepositoryToolingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("make clean removes build products and leaves ./data alone")
    func cleanKeepsData() throws {
        let work = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Makefile"), to: work.appendingPathComponent("Makefile"))
        let database = work.appendingPathComponent("data/based.sqlite")
        let product = work.appendingPathComponent(".build/debug/based")
        for file in [database, product] {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: file)
        }
        let result = try Self.run("/usr/bin/env", ["make", "clean"], in: work)
        #expect(result.status == 0, "\(result.output)")
        #expect(FileManager.default.fileExists(atPath: database.path))
        #expect(!FileManager.default.fileExists(atPath: product.path))
    }

    @Test("a failed swift build fails the quiet build script, showing the error")
    func failedBuildFails() throws {
        let work = try Self.toolingCopy(swiftStub: "echo 'Sources/x.swift:1:1: error: boom'; exit 1")
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try Self.run(work.appendingPathComponent("scripts/build-quietly.sh").path, ["-c", "release"], in: work, path: work.appendingPathComponent("bin").path)
        #expect(result.status != 0)
        #expect(result.output.contains("error: boom"))
    }

    @Test("a successful swift build passes the quiet build script")
    func successfulBuildPasses() throws {
        let work = try Self.toolingCopy(swiftStub: "echo 'Compiling'; exit 0")
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try Self.run(work.appendingPathComponent("scripts/build-quietly.sh").path, [], in: work, path: work.appendingPathComponent("bin").path)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("no script or make target pipes swift build into `|| true`")
    func noHiddenBuildFailures() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("scripts").path)
            .filter { $0.hasSuffix(".sh") }.map { "scripts/\($0)" } + ["Makefile"]
        for script in scripts {
            let text = try String(contentsOf: Self.root.appendingPathComponent(script), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("swift build") && line.contains("|") && line.contains("|| true") {
                Issue.record("\(script):\(number + 1) hides a failed build: \(line)")
            }
        }
    }

    // MARK: - Helpers

    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-tooling-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A scratch copy of `scripts/build-quietly.sh` with a stand-in `swift` in `bin/`.
    static func toolingCopy(swiftStub: String) throws -> URL {
        let work = try scratchDirectory()
        for folder in ["scripts", "bin"] {
            try FileManager.default.createDirectory(at: work.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(at: root.appendingPathComponent("scripts/build-quietly.sh"), to: work.appendingPathComponent("scripts/build-quietly.sh"))
        let stub = work.appendingPathComponent("bin/swift")
        try Data("#!/bin/sh\n\(swiftStub)\n".utf8).write(to: stub)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        return work
    }

    static func run(_ executable: String, _ arguments: [String], in directory: URL, path: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let path {
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = "\(path):\(environment["PATH"] ?? "/usr/bin:/bin")"
            process.environment = environment
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
