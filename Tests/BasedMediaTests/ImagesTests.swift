import BasedMedia
import Foundation
import Testing

@Suite("Images and subprocesses")
struct ImagesTests {
    @Test("image types are recognised by their first bytes")
    func magicNumbers() {
        #expect(Images.kind(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(Images.kind(of: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(Images.kind(of: Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == .webp)
        #expect(Images.kind(of: Array("RIFF\0\0\0\0WAVEfmt ".utf8)) == nil)
        #expect(Images.kind(of: Array("hello".utf8)) == nil)
        #expect(Images.kind(of: [UInt8]()) == nil)
    }

    @Test("ffprobe reads an image's size; a text file is unreadable")
    func probe() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("a.png")
        let made = try await Subprocess.run("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=1", "-frames:v", "1", png.path])
        #expect(made.succeeded)
        #expect(try await Images.probe(png) == .init(codec: "png", width: 320, height: 240))

        let thumb = directory.appendingPathComponent("t.jpg")
        try await Images.squareThumbnail(of: png, size: 100, to: thumb)
        #expect(try await Images.probe(thumb) == .init(codec: "mjpeg", width: 100, height: 100))

        let text = directory.appendingPathComponent("fake.png")
        try Data("not an image".utf8).write(to: text)
        await #expect(throws: Images.ImageError.self) { try await Images.probe(text) }
    }

    @Test("a tool that runs too long is stopped; a missing tool is reported")
    func subprocessLimits() async throws {
        await #expect(throws: ToolError.self) { try await Subprocess.run("sleep", ["5"], timeout: .milliseconds(200)) }
        await #expect(throws: ToolError.self) { try await Subprocess.run("no-such-tool-here", []) }
        let echo = try await Subprocess.run("sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(echo.status == 3)
        #expect(String(decoding: echo.standardOutput, as: UTF8.self) == "out\n")
        #expect(String(decoding: echo.standardError, as: UTF8.self) == "err\n")
    }
}
