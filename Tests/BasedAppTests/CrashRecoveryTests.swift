import BasedAPI
import BasedApp
import BasedMedia
import Foundation
import Testing

/// Runs the real `based` binary as a child process and talks to it with curl.
struct ServerProcess {
    let process: Process
    let port: Int

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("based")
    }

    static func start(_ configuration: AppConfiguration, log: URL, environment extra: [String: String] = [:]) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BASED_") }
        environment["BASED_DATA_DIR"] = configuration.dataDirectory.path
        environment["BASED_DATABASE_URL"] = configuration.databaseURL
        environment["BASED_PORT"] = "0"
        environment["BASED_BCRYPT_COST"] = "4"
        environment["BASED_JOB_LEASE_SECONDS"] = "3"
        environment.merge(extra) { $1 }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // The start-up line names the port it got.
        for _ in 0..<600 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").last(where: { $0.hasPrefix("Based listening on http://127.0.0.1:") }),
               let port = Int(line.dropFirst("Based listening on http://127.0.0.1:".count).prefix { $0.isNumber }) {
                return ServerProcess(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw ToolError(code: .timedOut, tool: "based", message: "did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    func curl(_ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run("curl", ["-s", "--max-time", "60"] + arguments)
        return String(decoding: result.standardOutput, as: UTF8.self)
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test("kill -9 in the middle of processing: after a restart the job resumes and the track becomes ready")
    func killDuringProcessing() async throws {
        try #require(FileManager.default.fileExists(atPath: ServerProcess.binary.path), "build the based executable first (swift build)")
        let configuration = try await testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let log = configuration.dataDirectory.appendingPathComponent("server.log")
        let audio = configuration.dataDirectory.appendingPathComponent("long.flac")
        // Long enough that the steps after the first take seconds, short enough
        // that a machine running the whole suite beside it redoes them in minutes.
        try Data(try await makeAudio(seconds: 90, format: "flac", frequency: 220)).write(to: audio)

        var server = try await ServerProcess.start(configuration, log: log)
        let base = "http://127.0.0.1:\(server.port)/api/v1"
        let session = try await server.curl(["-X", "POST", "\(base)/auth/register", "-H", "content-type: application/json",
            "-d", #"{"username":"ana","email":"ana@example.org","password":"correct horse battery","role":"artist"}"#])
        let token = try jsonDecoder.decode(Schemas.Session.self, from: Data(session.utf8)).accessToken
        let uploaded = try await server.curl(["-X", "POST", "\(base)/tracks", "-H", "authorization: Bearer \(token)", "--data-binary", "@\(audio.path)"])
        let id = try jsonDecoder.decode(Schemas.Track.self, from: Data(uploaded.utf8)).id

        // Wait until processing is under way (a step is done), then kill the server outright.
        // The waits are deadlines on the clock, not counts of polls: under CI's load one poll can take seconds.
        let clock = ContinuousClock()
        var killedDuring = false
        let started = clock.now
        while clock.now - started < .seconds(300) {
            let track = try jsonDecoder.decode(Schemas.Track.self, from: Data(try await server.curl(["\(base)/tracks/\(id)", "-H", "authorization: Bearer \(token)"]).utf8))
            if !track.progress.additionalProperties.isEmpty {
                killedDuring = track.state == .processing
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.killHard()
        #expect(killedDuring, "the server was killed while the track was processing")

        server = try await ServerProcess.start(configuration, log: log)
        defer { server.killHard() }
        let restarted = "http://127.0.0.1:\(server.port)/api/v1"
        var last: Schemas.Track?
        let resumed = clock.now
        while clock.now - resumed < .seconds(900) {
            let track = try jsonDecoder.decode(Schemas.Track.self, from: Data(try await server.curl(["\(restarted)/tracks/\(id)", "-H", "authorization: Bearer \(token)"]).utf8))
            last = track
            if track.state != .processing { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        // On a failure, say how far it got and what the server said.
        let context = "after \(clock.now - resumed): state \(last.map { "\($0.state)" } ?? "unknown"), progress \(last?.progress.additionalProperties ?? [:]), \(last?.failureReason ?? "no failure reason")\nserver log (end):\n\(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(3000))"
        #expect(last?.state == .ready, "\(context)")
        #expect(last?.progress.additionalProperties["hls"] == "done", "\(context)")
        let renditions = configuration.dataDirectory.appendingPathComponent("media/renditions/\(id)")
        for rendition in Rendition.progressive {
            #expect(FileManager.default.fileExists(atPath: renditions.appendingPathComponent(rendition.fileName).path))
        }
    }
}
