import BasedMedia
import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The checks every uploaded picture passes (avatars, venue photos): not
/// empty, within a byte cap, a PNG, JPEG or WebP by its content and again by
/// ffprobe, within a pixel cap. Each refusal is the same precise problem
/// wherever pictures are taken.
struct ImageUpload {
    /// How the picture is named in messages: "The avatar", "A photo".
    let noun: String
    let maxBytes: Int
    let maxPixels: Int
    /// Where the bytes are written while they are looked at.
    let scratch: URL

    /// Checks `image` and runs `body` with it on disk, its SHA-256 and its
    /// probe; the file is gone afterwards, whatever happens.
    func withChecked<T>(_ image: Data, _ body: (_ file: URL, _ hash: String, _ probe: Images.Probe) async throws -> T) async throws -> T {
        guard !image.isEmpty else { throw AppError.validation("body", "is empty; send the image bytes") }
        guard image.count <= maxBytes else { throw AppError.payloadTooLarge(limit: maxBytes) }
        guard Images.kind(of: image) != nil else {
            throw AppError.unsupportedMediaType("\(noun) must be a PNG, JPEG or WebP image; the content is none of these.")
        }
        let hash = SHA256.hash(data: image).map { String(format: "%02x", $0) }.joined()
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let file = scratch.appendingPathComponent("image-\(UUID().uuidString)")
        try image.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let probe = try await Self.decoding { try await Images.probe(file) }
        guard ["png", "mjpeg", "webp"].contains(probe.codec) else {
            throw AppError.unsupportedMediaType("\(noun) must be a PNG, JPEG or WebP image, not \(probe.codec).")
        }
        guard probe.width <= maxPixels, probe.height <= maxPixels else {
            throw AppError(.unprocessableContent, code: "image_too_large",
                           "The image is \(probe.width)×\(probe.height) pixels; at most \(maxPixels)×\(maxPixels) are accepted.")
        }
        return try await body(file, hash, probe)
    }

    /// Runs a step that decodes the picture; one it cannot decode is the client's problem, not ours.
    static func decoding<T>(_ step: () async throws -> T) async throws -> T {
        do {
            return try await step()
        } catch Images.ImageError.unreadable {
            throw AppError(.unprocessableContent, code: "unreadable_image", "The image could not be decoded.")
        }
    }
}

extension APIHandler {
    /// A picture's bytes from a request body, at most `limit` of them.
    static func imageBytes(_ body: HTTPBody, limit: Int) async throws -> Data {
        do {
            return try await Data(collecting: body, upTo: limit)
        } catch {
            // BodyLimitMiddleware has already cut the body at the same limit; this is its twin for safety.
            throw AppError.payloadTooLarge(limit: limit)
        }
    }
}
