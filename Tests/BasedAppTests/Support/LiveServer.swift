@testable import BasedApp
import BasedMedia
import Foundation
import HummingbirdTesting
import Logging
import Testing

/// A server on a real port, with its services, for the length of `body`
/// (`withLiveApp` with the port last).
func withLiveServer(
    _ adjust: (inout AppConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol, AppServices, Int) async throws -> Void
) async throws {
    try await withLiveApp(adjust) { client, port, services in try await body(client, services, port) }
}

/// curl's view of a GET: the status, the bytes (into `file`), and its exit code (0 only for a body that ended properly).
/// Five minutes at most: a live transcode of a ten-minute file while the whole suite runs on two cores is slow (a limit, not a timing).
func curl(_ url: String, token: String? = nil, range: String? = nil, into file: URL) async throws -> (status: String, exit: String) {
    var command = "curl -s -o '\(file.path)' -w '%{http_code}'"
    if let token { command += " -H 'authorization: Bearer \(token)'" }
    if let range { command += " -H 'range: \(range)'" }
    command += " '\(url)'; echo \" $?\""
    let result = try await Subprocess.run("sh", ["-c", command], timeout: .seconds(300))
    let parts = String(decoding: result.standardOutput, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    return (parts.first ?? "", parts.last ?? "")
}

/// An upload over a real connection by curl, with no deadline but curl's own
/// two minutes: the upload's full decode of a ten-minute file (the server
/// checks every upload decodes) can take longer than the test client's fixed
/// 20 seconds while the whole suite shares two cores.
func uploadByCurl(_ bytes: [UInt8], token: String, port: Int, scratch: URL) async throws -> TrackBody {
    let file = scratch.appendingPathComponent("upload-\(UUID().uuidString)")
    try Data(bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try await Subprocess.run("curl", [
        "-s", "-S", "--max-time", "120", "-X", "POST", "--data-binary", "@\(file.path)",
        "-H", "authorization: Bearer \(token)", "-H", "content-type: application/octet-stream",
        "http://127.0.0.1:\(port)/api/v1/tracks",
    ], timeout: .seconds(150))
    #expect(result.succeeded, "curl exited with \(result.status)")
    return try jsonDecoder.decode(TrackBody.self, from: Data(result.standardOutput))
}
