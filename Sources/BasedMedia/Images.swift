import Foundation

/// Still images: recognising them by content and making square thumbnails with ffmpeg.
public enum Images {
    public enum Kind: String, Sendable { case png, jpeg, webp }

    /// The image type by its first bytes (magic numbers), never by name.
    public static func kind(of header: some Collection<UInt8>) -> Kind? {
        let bytes = Array(header.prefix(12))
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 12, bytes[0..<4].elementsEqual(Array("RIFF".utf8)), bytes[8..<12].elementsEqual(Array("WEBP".utf8)) {
            return .webp
        }
        return nil
    }

    public struct Probe: Sendable, Equatable {
        public var codec: String
        public var width: Int
        public var height: Int

        public init(codec: String, width: Int, height: Int) {
            self.codec = codec
            self.width = width
            self.height = height
        }
    }

    public enum ImageError: Error, Equatable, Sendable {
        /// ffprobe or ffmpeg could not read it as an image.
        case unreadable(String)
    }

    /// What ffprobe finds in the file's first video stream, without decoding pixels.
    public static func probe(_ file: URL) async throws -> Probe {
        let result = try await Subprocess.run("ffprobe", [
            "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height", "-of", "json", file.path,
        ], timeout: .seconds(20))
        struct Output: Decodable {
            struct Stream: Decodable { var codec_name: String?; var width: Int?; var height: Int? }
            var streams: [Stream]?
        }
        guard result.succeeded,
              let output = try? JSONDecoder().decode(Output.self, from: result.standardOutput),
              let stream = output.streams?.first, let codec = stream.codec_name,
              let width = stream.width, let height = stream.height, width > 0, height > 0
        else {
            throw ImageError.unreadable(String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
        return Probe(codec: codec, width: width, height: height)
    }

    /// Writes a `size`×`size` JPEG of the image's centre to `output`.
    public static func squareThumbnail(of input: URL, size: Int, to output: URL) async throws {
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-i", input.path, "-frames:v", "1",
            "-vf", "scale=\(size):\(size):force_original_aspect_ratio=increase,crop=\(size):\(size)",
            "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", output.path,
        ], timeout: .seconds(30))
        guard result.succeeded, FileManager.default.fileExists(atPath: output.path) else {
            try? FileManager.default.removeItem(at: output)
            throw ImageError.unreadable(String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
    }

    /// Writes a JPEG of the whole image, scaled down (never up) to fit a
    /// `maxSide`×`maxSide` square, to `output`.
    public static func fitted(_ input: URL, maxSide: Int, to output: URL) async throws {
        let result = try await Subprocess.run("ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-i", input.path, "-frames:v", "1",
            "-vf", "scale='min(\(maxSide),iw)':'min(\(maxSide),ih)':force_original_aspect_ratio=decrease",
            "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", output.path,
        ], timeout: .seconds(30))
        guard result.succeeded, FileManager.default.fileExists(atPath: output.path) else {
            try? FileManager.default.removeItem(at: output)
            throw ImageError.unreadable(String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
    }
}
