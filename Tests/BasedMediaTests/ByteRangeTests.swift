import BasedMedia
import Testing

@Suite("Byte ranges")
struct ByteRangeTests {
    @Test("RFC 9110 range forms resolve against the size", arguments: [
        ("bytes=0-9", 100, ByteRange.partial(0...9)),
        ("bytes=90-", 100, .partial(90...99)),
        ("bytes=-10", 100, .partial(90...99)),
        ("bytes=-500", 100, .partial(0...99)),
        ("bytes=95-200", 100, .partial(95...99)),
        ("bytes=100-", 100, .unsatisfiable),
        ("bytes=100-200", 100, .unsatisfiable),
        ("bytes=-0", 100, .unsatisfiable),
        ("bytes=0-0", 0, .unsatisfiable),
        ("bytes=5-1", 100, .full),
        ("bytes=a-b", 100, .full),
        ("bytes=0-1,3-4", 100, .full),
        ("lines=0-1", 100, .full),
        ("bytes=", 100, .full),
        ("bytes=-", 100, .full),
        ("bytes=1234567890123456789012-", 100, .full),
    ])
    func resolve(header: String, size: Int, expected: ByteRange) {
        #expect(ByteRange.resolve(header, size: size) == expected)
    }

    @Test("no header means the whole file")
    func absent() {
        #expect(ByteRange.resolve(nil, size: 10) == .full)
    }

    @Test("renditions are chosen by codec and bit-rate ceiling")
    func renditionChoice() {
        #expect(Rendition.choose(.aac, maxBitRate: nil) == Rendition(.aac, 256))
        #expect(Rendition.choose(.aac, maxBitRate: 200) == Rendition(.aac, 128))
        #expect(Rendition.choose(.opus, maxBitRate: 10) == Rendition(.opus, 64))
        #expect(Rendition.choose(.mp3, maxBitRate: 320) == Rendition(.mp3, 320))
    }
}
