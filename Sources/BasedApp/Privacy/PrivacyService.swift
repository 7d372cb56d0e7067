import BasedMedia
import Foundation
import NIOPosix
import HTTPTypes
import SQLKit

/// A user's data, handed to them: an export is a ZIP built by a job (every
/// row that names them, as JSON with a README, plus their uploads and
/// attachments), announced by a notification and downloadable by them alone,
/// through a signed link, for a week.
public struct PrivacyService: Sendable {
    let database: Database
    let jobs: JobQueue
    let tracks: TrackService
    let attachments: AttachmentService
    let realtime: Realtime
    let signer: StreamSigner
    /// Where finished exports wait to be downloaded.
    let directory: URL
    let lifetime: Duration

    public struct DataExport: Sendable, Equatable {
        public enum Status: String, Sendable { case pending, ready, failed }
        public var id: UUID
        public var status: Status
        public var byteCount: Int?
        public var failure: String?
        public var createdAt: Date
        public var readyAt: Date?
        public var expiresAt: Date?
        /// The signed path to download it from, while ready and unexpired.
        public var downloadPath: String?
    }

    /// Asks for an export (202): one at a time, 409 `export_pending` while one is being built.
    public func requestExport(_ identity: Identity) async throws -> DataExport {
        let now = Date()
        let row = PrivacyQueries.ExportRow(id: .v7(now: now), userId: identity.userID, status: "pending", createdAt: now)
        try await database.transaction { sql in
            if try await PrivacyQueries.exports(of: identity.userID, limit: 1, on: sql).first?.status == "pending" {
                throw AppError.conflict("An export of your data is being built; you will be notified when it is ready.", code: "export_pending")
            }
            try await PrivacyQueries.insert(row, on: sql)
            try await jobs.enqueue(kind: DataExportJob.kind, payload: DataExportJob.Payload(exportId: row.id), dedupeKey: "export:\(row.id.text)", on: sql)
        }
        return present(row, now: now)
    }

    /// One's exports, newest first (the last 20).
    public func exports(of identity: Identity) async throws -> [DataExport] {
        let now = Date()
        return try await PrivacyQueries.exports(of: identity.userID, limit: 20, on: database.sql).map { present($0, now: now) }
    }

    /// The file of a ready export, for its owner with a valid, unexpired link:
    /// 404 for anyone else's (or none), 403 for a bad signature, 410 once expired.
    public func download(_ identity: Identity, export id: UUID, expires: Int, signature: String) async throws -> (URL, Int) {
        guard let row = try await PrivacyQueries.export(id: id, on: database.sql), row.userId == identity.userID else {
            throw AppError.notFound("The export")
        }
        let now = Date()
        if Double(expires) <= now.timeIntervalSince1970 || (row.expiresAt.map { $0 <= now } ?? false) {
            throw AppError(.gone, code: "export_expired", "This export's link has expired; ask for a new export.")
        }
        guard signer.verify(track: id, expires: expires, signature: signature, now: now) else {
            throw AppError.forbidden("This download link is not valid.", code: "invalid_signature")
        }
        guard row.status == "ready", let size = row.byteCount else {
            throw AppError.conflict("The export is not ready yet.", code: "export_not_ready")
        }
        return (file(id), size)
    }

    /// Deletes the files of a user's exports (their account is being erased; the rows go with it).
    func eraseExports(of user: UUID) async throws {
        for row in try await PrivacyQueries.exports(of: user, limit: 10_000, on: database.sql) {
            try? FileManager.default.removeItem(at: file(row.id))
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("build-\(row.id.text)", isDirectory: true))
        }
    }

    func file(_ id: UUID) -> URL { directory.appendingPathComponent("\(id.text).zip") }

    private func present(_ row: PrivacyQueries.ExportRow, now: Date) -> DataExport {
        var path: String?
        if row.status == "ready", let expiresAt = row.expiresAt, expiresAt > now {
            let signed = signer.sign(track: row.id, lifetime: .seconds(Int64(expiresAt.timeIntervalSince(now))), now: now)
            path = "/api/v1/me/exports/\(row.id.text)/download?expires=\(signed.expires)&sig=\(signed.signature)"
        }
        return DataExport(
            id: row.id, status: .init(rawValue: row.status) ?? .failed, byteCount: row.byteCount, failure: row.failure,
            createdAt: row.createdAt, readyAt: row.readyAt, expiresAt: row.expiresAt, downloadPath: path
        )
    }

    // MARK: Building (the job)

    /// Builds the ZIP: `data/<table>.json` for every table with a row that
    /// names the user (secrets redacted), `files/tracks/…` and
    /// `files/attachments/…`, and a README; then marks it ready and notifies.
    func build(_ id: UUID) async throws {
        guard var row = try await PrivacyQueries.export(id: id, on: database.sql), row.status == "pending" else { return }
        let work = directory.appendingPathComponent("build-\(id.text)", isDirectory: true)
        try? FileManager.default.removeItem(at: work)
        defer { try? FileManager.default.removeItem(at: work) }
        let data = work.appendingPathComponent("data", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var tables: [(String, Int)] = []
        for (table, rows) in try await database.rows(naming: row.userId, ignoring: ["blocked_id", "muted_id"]) where table != "data_exports" {
            let redacted = rows.map { values in
                Dictionary(uniqueKeysWithValues: values.map { column, value in
                    (column, Self.isSecret(column) && value != .null ? ScannedValue.string("(redacted)") : value)
                })
            }
            try encoder.encode(redacted).write(to: data.appendingPathComponent("\(table).json"))
            tables.append((table, rows.count))
        }
        var files: [String] = []
        let tracksFolder = work.appendingPathComponent("files/tracks", isDirectory: true)
        for (track, original) in try await tracks.originals(of: row.userId) where FileManager.default.fileExists(atPath: original.path) {
            try FileManager.default.createDirectory(at: tracksFolder, withIntermediateDirectories: true)
            let name = "\(track.id.text).\(track.originalFormat)"
            // Copies can be large: off the executors (NIO's event loops), on NIO's thread pool.
            try await NIOThreadPool.singleton.runIfActive { try FileManager.default.copyItem(at: original, to: tracksFolder.appendingPathComponent(name)) }
            files.append("files/tracks/\(name) — \(track.title)")
        }
        let attachmentsFolder = work.appendingPathComponent("files/attachments", isDirectory: true)
        for (attachment, file) in try await attachments.files(of: row.userId) where FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.createDirectory(at: attachmentsFolder, withIntermediateDirectories: true)
            try await NIOThreadPool.singleton.runIfActive { try FileManager.default.copyItem(at: file, to: attachmentsFolder.appendingPathComponent(attachment.id.text)) }
            files.append("files/attachments/\(attachment.id.text) — \(attachment.contentType)")
        }
        try Self.readme(user: row.userId, tables: tables, files: files, at: Date()).write(to: work.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)

        let zip = file(id)
        try? FileManager.default.removeItem(at: zip)
        let result = try await Subprocess.run("sh", ["-c", "cd '\(work.path)' && zip -q -r -X '\(zip.path)' ."], timeout: .seconds(600))
        guard result.succeeded else { throw JobFailure("zip failed: \(String(decoding: result.standardError, as: UTF8.self))") }
        let size = (try FileManager.default.attributesOfItem(atPath: zip.path)[.size] as? NSNumber)?.intValue ?? 0
        let now = Date()
        row.status = "ready"
        row.byteCount = size
        row.readyAt = now
        row.expiresAt = now.addingTimeInterval(Double(lifetime.components.seconds))
        try await PrivacyQueries.update(row, on: database.sql)
        let shown = present(row, now: now)
        _ = await realtime.notify(row.userId, kind: .exportReady, actor: nil, subject: id.text, data: [
            "exportId": id.text, "url": shown.downloadPath ?? "", "bytes": String(size),
        ])
    }

    /// A build that gave up: the user sees why and may ask again.
    func failed(_ id: UUID, reason: String) async {
        guard var row = try? await PrivacyQueries.export(id: id, on: database.sql) else { return }
        row.status = "failed"
        row.failure = reason
        try? await PrivacyQueries.update(row, on: database.sql)
    }

    /// Columns whose values are credentials, not data about the person.
    static func isSecret(_ column: String) -> Bool {
        ["password", "token", "secret", "signature"].contains { column.contains($0) }
    }

    static func readme(user: UUID, tables: [(String, Int)], files: [String], at date: Date) -> String {
        """
        # Your data on Based

        Exported \(date.formatted(.iso8601)) for the account \(user.text).

        ## data/

        One JSON file per table of the database that has a row naming you
        (your account, or a row whose id columns point at you: your tracks,
        plays, likes, follows, messages you sent, and so on). Each file is an
        array of rows, each row an object of column → value, exactly as
        stored; times are ISO 8601 or seconds since 1970. Passwords, tokens
        and other credentials are shown as "(redacted)".

        \(tables.map { "- `data/\($0.0).json`: \($0.1) row\($0.1 == 1 ? "" : "s")" }.joined(separator: "\n"))

        ## files/

        The files you uploaded: the originals of your tracks and the
        attachments you sent in messages.

        \(files.isEmpty ? "(none)" : files.map { "- \($0)" }.joined(separator: "\n"))
        """
    }
}

/// Builds a data export.
struct DataExportJob: JobHandler {
    static let kind = "data_export"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var exportId: UUID }

    let privacy: PrivacyService

    func run(_ job: Job) async throws {
        try await privacy.build(try job.decodePayload(Payload.self).exportId)
    }

    func gaveUp(_ job: Job, reason: String) async {
        guard let payload = try? job.decodePayload(Payload.self) else { return }
        await privacy.failed(payload.exportId, reason: reason)
    }
}
