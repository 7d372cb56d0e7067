import Foundation

/// Secrets that the operator did not set are generated once and kept, readable
/// only by the server's user, in `<data dir>/secrets/`.
enum Secrets {
    static func load(named name: String, in dataDirectory: URL) throws -> String {
        let directory = dataDirectory.appendingPathComponent("secrets", isDirectory: true)
        let file = directory.appendingPathComponent(name)
        if let existing = try? String(contentsOf: file, encoding: .utf8), existing.utf8.count >= 32 {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        // Written under a temporary name and linked into place, so two processes
        // starting at once agree on one secret.
        let partial = directory.appendingPathComponent("\(name).\(UUID().uuidString)")
        try Data(secret.utf8).write(to: partial)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: partial.path)
        defer { try? FileManager.default.removeItem(at: partial) }
        if link(partial.path, file.path) != 0 {
            // Someone else won the race; use theirs.
            return try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return secret
    }
}
