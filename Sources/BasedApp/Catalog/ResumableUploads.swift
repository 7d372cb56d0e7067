import BasedMedia
import Foundation
import HTTPTypes
import NIOCore
import SQLKit

/// Resumable track uploads, the tus 1.0 protocol's core with its creation,
/// expiration and termination extensions: an upload is made with the length
/// it will have, its bytes arrive in PATCHes appended at the offset the server
/// holds, and a PATCH cut short keeps what arrived, so a phone on a flaky
/// network goes on where it stopped instead of starting over. When the last
/// byte arrives, the file goes through the same checks as a one-shot upload
/// (`TrackService.ingest`) and becomes a track; refused, nothing is left.
public struct ResumableUploads: Sendable {
    let database: Database
    let blobs: BlobStore
    let tracks: TrackService
    let maxBytes: Int
    /// An unfinished upload is dropped this long after it was made or last appended to.
    var lifetime: TimeInterval = 24 * 3600
    /// Unfinished uploads one person may have at once.
    static let openLimit = 20
    /// How long a PATCH holds its upload; renewed while bytes arrive, so a
    /// PATCH whose connection died silently frees it this long after.
    static let hold: TimeInterval = 60
    /// Bytes between two records of the offset during a PATCH (and renewals of its hold).
    static let checkpointBytes = 4 << 20
    /// 423: a PATCH holds the upload.
    static let locked = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")

    public struct Upload: Sendable, Equatable {
        public var id: UUID
        public var length: Int
        public var offset: Int
        public var expiresAt: Date
        /// Set once the last byte arrived and the file became this track.
        public var trackID: UUID?
    }

    /// What a PATCH did: the offset now held, and the track when it was the last one.
    public struct Appended: Sendable {
        public var offset: Int
        public var track: Track?
    }

    var directory: URL { Self.directory(in: blobs) }

    func file(_ id: UUID) -> URL { Self.file(id, in: blobs) }

    static func directory(in blobs: BlobStore) -> URL { blobs.temporary.appendingPathComponent("uploads", isDirectory: true) }

    static func file(_ id: UUID, in blobs: BlobStore) -> URL { directory(in: blobs).appendingPathComponent(id.text) }

    // MARK: Creation

    /// Makes an upload of `length` bytes for the caller (artists only). The
    /// title and visibility are checked now, before any byte is sent.
    public func create(_ identity: Identity, length: Int, upload: TrackService.Upload, now: Date = Date()) async throws -> Upload {
        try tracks.checkUploader(identity, upload: upload)
        guard length > 0 else { throw AppError.validation("Upload-Length", "must be at least 1 byte") }
        guard length <= maxBytes else { throw AppError.payloadTooLarge(limit: maxBytes) }
        if let title = upload.title, let problem = Validation.text(title, min: 1, max: 200) { throw AppError.validation("title", problem) }
        if let filename = upload.filename, filename.utf8.count > 255 { throw AppError.validation("filename", "must be at most 255 bytes") }
        await sweep(now: now)
        guard try await UploadQueries.openCount(owner: identity.userID, now: now, on: database.sql) < Self.openLimit else {
            throw AppError(.tooManyRequests, code: "too_many_uploads", "You have \(Self.openLimit) unfinished uploads; finish or cancel one first.")
        }
        let row = UploadQueries.Row(
            id: .v7(now: now), ownerId: identity.userID, lengthBytes: length, offsetBytes: 0,
            filename: upload.filename, title: upload.title, visibility: upload.visibility?.rawValue,
            trackId: nil, busyUntil: nil, createdAt: now, expiresAt: now.addingTimeInterval(lifetime)
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file(row.id).path, contents: nil) else {
            throw AppError(.serviceUnavailable, code: "storage_unavailable", "The upload cannot be stored now.")
        }
        do {
            try await UploadQueries.insert(row, on: database.sql)
        } catch {
            try? FileManager.default.removeItem(at: file(row.id))
            throw error
        }
        return Self.upload(row)
    }

    // MARK: Reading

    /// The caller's upload; another person's, an unknown or an expired one is 404.
    public func upload(_ id: UUID, owner identity: Identity, now: Date = Date()) async throws -> Upload {
        Self.upload(try await owned(id, identity, now: now))
    }

    private func owned(_ id: UUID, _ identity: Identity, now: Date) async throws -> UploadQueries.Row {
        guard let row = try await UploadQueries.upload(id: id, on: database.sql), row.ownerId == identity.userID,
              row.trackId != nil || row.expiresAt > now
        else { throw AppError.notFound("The upload") }
        return row
    }

    private static func upload(_ row: UploadQueries.Row) -> Upload {
        Upload(id: row.id, length: row.lengthBytes, offset: row.offsetBytes, expiresAt: row.expiresAt, trackID: row.trackId)
    }

    // MARK: Appending

    /// Appends a PATCH's bytes at `offset`, which must be the offset the server
    /// holds (409 otherwise). Bytes that arrive before the connection breaks
    /// are kept; a PATCH with bytes past the upload's length is refused whole
    /// (413), the offset back where it began. The last byte turns the file into a track.
    public func append<Bytes: AsyncSequence & Sendable>(
        _ id: UUID, by identity: Identity, offset: Int, bytes: Bytes, now: Date = Date()
    ) async throws -> Appended where Bytes.Element == ByteBuffer {
        let row = try await owned(id, identity, now: now)
        guard row.trackId == nil else {
            throw AppError.conflict("The upload is finished; it became a track.", code: "upload_finished")
        }
        guard offset == row.offsetBytes else { throw Self.offsetMismatch(row.offsetBytes) }
        guard try await UploadQueries.claim(id: id, offset: offset, until: now.addingTimeInterval(Self.hold), now: now, on: database.sql) else {
            let current = try await owned(id, identity, now: now)
            if current.offsetBytes != offset { throw Self.offsetMismatch(current.offsetBytes) }
            throw AppError(Self.locked, code: "upload_busy", "Another request is sending this upload's bytes; ask for its offset (HEAD) and go on from there.")
        }
        let path = file(id)
        let handle: FileHandle
        do {
            handle = try FileHandle(forUpdating: path)
            // A PATCH cut short after its bytes were written but before the
            // offset was recorded leaves a tail; the recorded offset wins.
            try handle.truncate(atOffset: UInt64(offset))
            try handle.seekToEnd()
        } catch {
            try? await UploadQueries.delete(id: id, on: database.sql)
            throw AppError(.gone, code: "upload_lost", "The upload's bytes are gone; start it again.")
        }
        var held = offset
        var recorded = offset
        var overflow = false
        var broken = false
        do {
            for try await chunk in bytes {
                let room = row.lengthBytes - held
                if chunk.readableBytes > room { overflow = true }
                if room > 0 {
                    let part = chunk.readableBytesView.prefix(room)
                    try handle.write(contentsOf: Data(part))
                    held += part.count
                }
                if overflow { break }
                if held - recorded >= Self.checkpointBytes {
                    try handle.synchronize()
                    let at = Date()
                    try await UploadQueries.advance(id: id, offset: held, busyUntil: at.addingTimeInterval(Self.hold), expiresAt: at.addingTimeInterval(lifetime), on: database.sql)
                    recorded = held
                }
            }
        } catch {
            // The client went away or sent less than it declared: what arrived is kept.
            broken = true
        }
        if overflow {
            // More bytes than the upload has room for: the PATCH is refused whole, as if never sent.
            held = offset
            try? handle.truncate(atOffset: UInt64(held))
        }
        try? handle.synchronize()
        try? handle.close()
        let at = Date()
        let finished = held == row.lengthBytes && !broken && !overflow
        // The hold stays on while the finished file is checked, so no second PATCH can finish it too.
        try await UploadQueries.advance(
            id: id, offset: held, busyUntil: finished ? at.addingTimeInterval(3600) : nil, expiresAt: at.addingTimeInterval(lifetime), on: database.sql
        )
        if overflow {
            throw AppError(.contentTooLarge, code: "upload_too_long", "The bytes go past the upload's length of \(row.lengthBytes); none of them were kept.")
        }
        if broken {
            throw AppError(.badRequest, code: "upload_interrupted", "The request ended early; \(held) bytes are held. Ask for the offset (HEAD) and go on from there.")
        }
        guard finished else { return Appended(offset: held, track: nil) }
        return Appended(offset: held, track: try await finish(row, by: identity))
    }

    /// The last byte arrived: the file is checked and becomes a track, or the upload is dropped.
    private func finish(_ row: UploadQueries.Row, by identity: Identity) async throws -> Track {
        let path = file(row.id)
        let upload = TrackService.Upload(filename: row.filename, title: row.title, visibility: row.visibility.flatMap(Visibility.init(rawValue:)))
        let track: Track
        do {
            let hash = try sha256Hex(of: path)
            // `ingest` owns the file from here: it becomes the original or is removed.
            track = try await tracks.ingest(identity, upload: upload, file: path, hash: hash, size: row.lengthBytes)
        } catch {
            try? FileManager.default.removeItem(at: path)
            try? await UploadQueries.delete(id: row.id, on: database.sql)
            throw error
        }
        try await UploadQueries.finish(id: row.id, track: track.id, on: database.sql)
        return track
    }

    private static func offsetMismatch(_ held: Int) -> AppError {
        AppError.conflict("Upload-Offset must be the offset the server holds, \(held).", code: "offset_mismatch")
    }

    // MARK: Ending

    /// Cancels an unfinished upload (tus termination): its bytes and row go.
    public func terminate(_ id: UUID, by identity: Identity, now: Date = Date()) async throws {
        let row = try await owned(id, identity, now: now)
        if row.trackId == nil, let busy = row.busyUntil, busy > now {
            throw AppError(Self.locked, code: "upload_busy", "A request is sending this upload's bytes; try again when it ends.")
        }
        try await UploadQueries.delete(id: id, on: database.sql)
        try? FileManager.default.removeItem(at: file(id))
    }

    /// Drops expired uploads and their files, and files whose upload is gone
    /// (an erased account's). Safe in every process at once.
    func sweep(now: Date = Date()) async {
        do {
            for id in try await UploadQueries.deleteExpired(now: now, limit: 100, on: database.sql) {
                try? FileManager.default.removeItem(at: file(id))
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.prefix(1000) {
                guard let id = UUID(uuidString: name) else { continue }
                let path = file(id)
                let modified = (try? FileManager.default.attributesOfItem(atPath: path.path)[.modificationDate] as? Date) ?? now
                if now.timeIntervalSince(modified) > Self.hold * 2, try await !UploadQueries.exists(id: id, on: database.sql) {
                    try? FileManager.default.removeItem(at: path)
                }
            }
        } catch {
            // The next creation sweeps again.
        }
    }

    /// Every upload of an account, bytes and rows, for its erasure (`TrackService.erase`).
    static func erase(owner: UUID, database: Database, blobs: BlobStore) async throws {
        for id in try await UploadQueries.ids(owner: owner, on: database.sql) {
            try await UploadQueries.delete(id: id, on: database.sql)
            try? FileManager.default.removeItem(at: file(id, in: blobs))
        }
    }
}
