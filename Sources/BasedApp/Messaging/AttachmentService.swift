import BasedMedia
import Crypto
import Foundation
import HTTPTypes

/// Images and audio clips sent in messages: checked by their content,
/// stored by their hash, readable by their uploader and by the members of
/// conversations they were sent in.
public struct AttachmentService: Sendable {
    public static let maxBytes = 20 * 1024 * 1024
    public static let maxClipSeconds = 600.0
    static let maxPixels = 8000

    let database: Database
    let blobs: BlobStore

    public func upload(by owner: UUID, data: Data) async throws -> Attachment {
        guard !data.isEmpty else { throw AppError.validation("body", "is empty; send the file's bytes") }
        guard data.count <= Self.maxBytes else { throw AppError.payloadTooLarge(limit: Self.maxBytes) }
        try FileManager.default.createDirectory(at: blobs.temporary, withIntermediateDirectories: true)
        let file = blobs.temporary.appendingPathComponent("attachment-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let kind: Attachment.Kind
        let contentType: String
        var duration: Double?
        if let image = Images.kind(of: data.prefix(12)) {
            let probe: Images.Probe
            do {
                probe = try await Images.probe(file)
            } catch {
                throw AppError(.unprocessableContent, code: "unreadable_image", "The image could not be decoded.")
            }
            guard probe.width <= Self.maxPixels, probe.height <= Self.maxPixels else {
                throw AppError(.unprocessableContent, code: "image_too_large", "Images may be \(Self.maxPixels)×\(Self.maxPixels) pixels at most.")
            }
            kind = .image
            contentType = switch image {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .webp: "image/webp"
            }
        } else {
            let probe: AudioProbe
            do {
                probe = try await AudioProbe.inspect(file)
            } catch {
                throw AppError.unsupportedMediaType("Attachments are PNG, JPEG or WebP images or audio clips; this is neither.")
            }
            guard probe.duration <= Self.maxClipSeconds else {
                throw AppError(.unprocessableContent, code: "clip_too_long", "Audio clips may be \(Int(Self.maxClipSeconds / 60)) minutes at most; share longer audio as a track.")
            }
            do {
                _ = try await AudioProbe.verifyDecodes(file, duration: probe.duration)
            } catch {
                throw AppError(.unprocessableContent, code: "invalid_audio", "The audio does not decode to its end; it is truncated or corrupt.")
            }
            kind = .audio
            duration = probe.duration
            contentType = Self.audioType(format: probe.format)
        }
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let stored = blobs.temporary.appendingPathComponent("attachment-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: file, to: stored)
        try blobs.storeOriginal(stored, hash: hash)
        let now = Date()
        let attachment = Attachment(
            id: .v7(now: now), ownerId: owner, kind: kind, contentType: contentType, blobHash: hash,
            byteCount: data.count, durationSeconds: duration, createdAt: now
        )
        try await MessagingQueries.insert(attachment, on: database.sql)
        return attachment
    }

    /// The attachment and its file, when `viewer` may read it; otherwise not found.
    public func file(_ id: UUID, viewer: UUID?) async throws -> (Attachment, URL) {
        guard let viewer, let attachment = try await MessagingQueries.attachment(id, on: database.sql) else {
            throw AppError.notFound("The attachment")
        }
        let allowed = attachment.ownerId == viewer ? true : try await MessagingQueries.canSee(attachment: id, user: viewer, on: database.sql)
        guard allowed else { throw AppError.notFound("The attachment") }
        return (attachment, blobs.original(hash: attachment.blobHash))
    }

    /// Every attachment `owner` uploaded, with its file (a data export).
    public func files(of owner: UUID) async throws -> [(Attachment, URL)] {
        try await MessagingQueries.attachments(owner: owner, on: database.sql).map { ($0, blobs.original(hash: $0.blobHash)) }
    }

    /// Deletes a user's attachments (their account is being deleted; their
    /// messages are tombstones by then) and each file no other attachment
    /// or track uses. Safe to run again.
    public func erase(owner: UUID, tracks: TrackService) async throws {
        for attachment in try await MessagingQueries.attachments(owner: owner, on: database.sql) {
            try await MessagingQueries.deleteAttachment(id: attachment.id, on: database.sql)
            let shared = try await MessagingQueries.attachmentsUsing(blobHash: attachment.blobHash, on: database.sql) > 0
            if !shared, try await !tracks.usesOriginal(attachment.blobHash) {
                try? FileManager.default.removeItem(at: blobs.original(hash: attachment.blobHash))
            }
        }
    }

    static func audioType(format: String) -> String {
        let first = format.split(separator: ",").first.map(String.init) ?? format
        return switch first {
        case "mp3": "audio/mpeg"
        case "ogg": "audio/ogg"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "mov", "mp4", "m4a": "audio/mp4"
        case "matroska", "webm": "audio/webm"
        default: "application/octet-stream"
        }
    }
}
