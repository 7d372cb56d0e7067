/// A QR code symbol (ISO/IEC 18004:2015) carrying bytes in byte mode: a square
/// of dark and light modules that a phone camera reads back into those bytes.
public struct QRCode: Sendable, Equatable {
    /// How many damaged codewords a reader can still repair: roughly 7 %, 15 %,
    /// 25 % and 30 % of the symbol. Higher levels need a bigger symbol.
    public enum Correction: Sendable, Hashable, CaseIterable {
        case low, medium, quartile, high
    }

    /// Why bytes could not become a QR code.
    public enum Error: Swift.Error, Sendable, Equatable {
        /// More bytes than the largest symbol (version 40) holds at the chosen
        /// correction level; `capacity` is that limit.
        case tooLong(bytes: Int, capacity: Int)
    }

    /// The symbol's version, 1...40: the smallest that holds the bytes.
    public let version: Int
    /// Modules along each side, without the quiet zone: 17 + 4 × version.
    public let size: Int
    /// The error correction level the symbol was built with.
    public let correction: Correction
    /// The data mask pattern (0...7) that scored the fewest penalty points.
    public let mask: Int
    /// Row by row, `true` for a dark module.
    private let modules: [Bool]

    /// Encodes `bytes` in byte mode in the smallest version that holds them.
    public init(bytes: [UInt8], correction: Correction = .medium) throws(QRCode.Error) {
        try self.init(bytes: bytes, correction: correction, mask: nil)
    }

    /// `forcedMask` replaces the mask the penalty rules would choose, so tests
    /// can compare the rest of the symbol with another encoder's.
    init(bytes: [UInt8], correction: Correction, mask forcedMask: Int?) throws(QRCode.Error) {
        precondition(forcedMask.map { (0..<8).contains($0) } ?? true, "data masks are 0...7")
        guard let version = (1...40).first(where: { Self.byteCapacity(version: $0, correction: correction) >= bytes.count }) else {
            throw .tooLong(bytes: bytes.count, capacity: Self.byteCapacity(version: 40, correction: correction))
        }
        let blocks = BlockLayout(version: version, correction: correction)
        let data = Self.dataCodewords(bytes, version: version, count: blocks.dataCodewordCount)
        var grid = ModuleGrid(version: version)
        grid.place(blocks.interleavedWithErrorCorrection(data))
        let mask = forcedMask ?? grid.bestMask()
        grid.applyMask(mask)
        grid.drawFormatInformation(correction: correction, mask: mask)
        grid.drawVersionInformation()
        self.version = version
        self.size = grid.size
        self.correction = correction
        self.mask = mask
        self.modules = grid.dark
    }

    /// Encodes the UTF-8 bytes of `text`. Readers that assume ISO-8859-1 for
    /// byte mode still read ASCII right, which is what ticket codes use.
    public init(text: String, correction: Correction = .medium) throws(QRCode.Error) {
        try self.init(bytes: Array(text.utf8), correction: correction)
    }

    /// Whether the module in column `x`, row `y` (from the top left, both
    /// 0..<size) is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        precondition((0..<size).contains(x) && (0..<size).contains(y), "module (\(x), \(y)) is outside a \(size)-module symbol")
        return modules[y * size + x]
    }

    /// How many bytes a symbol of `version` holds in byte mode at `correction`.
    public static func byteCapacity(version: Int, correction: Correction) -> Int {
        let dataBits = BlockLayout(version: version, correction: correction).dataCodewordCount * 8
        return (dataBits - modeIndicatorBits - characterCountBits(version: version)) / 8
    }

    private static let modeIndicatorBits = 4

    /// Byte mode's character count indicator is wider from version 10 on (Table 3).
    private static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// The data codewords (7.4): mode, count, the bytes, the terminator, zero
    /// bits to a whole codeword, then the alternating pad codewords.
    private static func dataCodewords(_ bytes: [UInt8], version: Int, count: Int) -> [UInt8] {
        var stream = BitStream(capacity: count)
        stream.append(0b0100, bits: modeIndicatorBits)
        stream.append(bytes.count, bits: characterCountBits(version: version))
        for byte in bytes {
            stream.append(Int(byte), bits: 8)
        }
        stream.append(0, bits: min(4, count * 8 - stream.bitCount))
        stream.append(0, bits: (8 - stream.bitCount % 8) % 8)
        var codewords = stream.bytes
        var pad: UInt8 = 0b1110_1100
        while codewords.count < count {
            codewords.append(pad)
            pad = pad == 0b1110_1100 ? 0b0001_0001 : 0b1110_1100
        }
        return codewords
    }
}

/// Bits appended most significant first, packed into bytes.
private struct BitStream {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0
    /// Bits not yet making a whole byte, in the low `pendingCount` bits.
    private var pending = 0
    private var pendingCount = 0

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `bits` bits of `value` (at most 16); `bytes` holds them
    /// once the stream reaches a byte boundary.
    mutating func append(_ value: Int, bits: Int) {
        pending = (pending << bits) | (value & ((1 << bits) - 1))
        pendingCount += bits
        bitCount += bits
        while pendingCount >= 8 {
            pendingCount -= 8
            bytes.append(UInt8(truncatingIfNeeded: pending >> pendingCount))
        }
        pending &= (1 << pendingCount) - 1
    }
}

extension QRCode {
    /// The symbol as a standalone SVG image: black modules on a white square
    /// that includes `quietZone` light modules on every side (the standard asks
    /// for 4), each module `moduleSize` pixels wide. `title` becomes the
    /// accessible name.
    public func svg(moduleSize: Int = 8, quietZone: Int = 4, title: String? = nil) -> String {
        precondition(moduleSize > 0 && quietZone >= 0, "a module is at least one pixel and the quiet zone is not negative")
        let side = size + 2 * quietZone
        let pixels = side * moduleSize
        // Coordinates are in modules and the viewBox scales them, so the path
        // stays short whatever the pixel size.
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(pixels)" height="\#(pixels)" viewBox="0 0 \#(side) \#(side)" shape-rendering="crispEdges" role="img">"#
        if let title {
            svg += "<title>\(Self.escapedForXML(title))</title>"
        }
        svg += #"<rect width="\#(side)" height="\#(side)" fill="white"/><path fill="black" d=""#
        svg += darkModulesPath(offset: quietZone)
        svg += #""/></svg>"#
        return svg
    }

    /// One rectangle per run of dark modules in a row, as path data. Written
    /// as bytes: string interpolation per rectangle took longer than encoding.
    private func darkModulesPath(offset: Int) -> String {
        var path: [UInt8] = []
        path.reserveCapacity(size * size)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard modules[y * size + x] else {
                    x += 1
                    continue
                }
                let start = x
                while x < size && modules[y * size + x] {
                    x += 1
                }
                // M x y h length v1 h -length z
                path.append(UInt8(ascii: "M"))
                Self.appendDecimal(start + offset, to: &path)
                path.append(UInt8(ascii: " "))
                Self.appendDecimal(y + offset, to: &path)
                path.append(UInt8(ascii: "h"))
                Self.appendDecimal(x - start, to: &path)
                path.append(contentsOf: "v1h-".utf8)
                Self.appendDecimal(x - start, to: &path)
                path.append(UInt8(ascii: "z"))
            }
        }
        return String(decoding: path, as: UTF8.self)
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 {
            appendDecimal(value / 10, to: &bytes)
        }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static func escapedForXML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
