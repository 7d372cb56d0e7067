/// The symbol while it is being built: function patterns (6.3), codeword
/// placement (7.7), data masking (7.8), format and version information (7.9, 7.10).
struct ModuleGrid {
    let version: Int
    let size: Int
    /// Row by row, `true` for dark.
    private(set) var dark: [Bool]
    /// Modules that are not data: patterns, and the areas reserved for format
    /// and version information. Masks and codewords leave them alone.
    private var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        dark = [Bool](repeating: false, count: size * size)
        isFunction = [Bool](repeating: false, count: size * size)
        drawTimingPatterns()
        drawFinderPatterns()
        drawAlignmentPatterns()
        reserveInformationAreas()
    }

    /// Modules left for data and error correction codewords, including the
    /// remainder bits that do not fill a codeword (Table 1).
    static func dataModuleCount(version: Int) -> Int {
        let side = 17 + 4 * version
        var count = side * side
        count -= 3 * 8 * 8  // finder patterns with their separators
        count -= 2 * (side - 16)  // timing patterns between the separators
        count -= 31  // both copies of the format information and the dark module
        let alignmentCount = alignmentCenters[version - 1].count
        if alignmentCount > 0 {
            let patterns = alignmentCount * alignmentCount - 3
            // Those on row or column 6 share 5 modules with a timing pattern.
            count -= patterns * 25 - (alignmentCount - 2) * 2 * 5
        }
        if version >= 7 {
            count -= 2 * 18  // both copies of the version information
        }
        return count
    }

    private mutating func set(x: Int, y: Int, dark isDark: Bool) {
        dark[y * size + x] = isDark
        isFunction[y * size + x] = true
    }

    private mutating func drawTimingPatterns() {
        for index in 0..<size {
            set(x: 6, y: index, dark: index % 2 == 0)
            set(x: index, y: 6, dark: index % 2 == 0)
        }
    }

    /// The three 7 × 7 finder patterns with their light separators.
    private mutating func drawFinderPatterns() {
        for (left, top) in [(0, 0), (size - 7, 0), (0, size - 7)] {
            for y in (top - 1)...(top + 7) where (0..<size).contains(y) {
                for x in (left - 1)...(left + 7) where (0..<size).contains(x) {
                    let ring = max(abs(x - left - 3), abs(y - top - 3))
                    set(x: x, y: y, dark: ring != 2 && ring != 4)
                }
            }
        }
    }

    /// 5 × 5 alignment patterns on every pair of centres, except the three
    /// that would overlap a finder pattern.
    private mutating func drawAlignmentPatterns() {
        let centers = Self.alignmentCenters[version - 1]
        guard let first = centers.first, let last = centers.last else { return }
        for centerY in centers {
            for centerX in centers {
                let overlapsFinder = (centerX == first && centerY == first)
                    || (centerX == first && centerY == last)
                    || (centerX == last && centerY == first)
                if overlapsFinder { continue }
                for y in (centerY - 2)...(centerY + 2) {
                    for x in (centerX - 2)...(centerX + 2) {
                        set(x: x, y: y, dark: max(abs(x - centerX), abs(y - centerY)) != 1)
                    }
                }
            }
        }
    }

    /// Format and version areas stay light until a mask is chosen, because the
    /// standard generates them after masking (7.1, steps 6 and 7) and so scores
    /// masks without them; the dark module goes in with the format information.
    private mutating func reserveInformationAreas() {
        for index in 0...8 where index != 6 {
            set(x: 8, y: index, dark: false)
            set(x: index, y: 8, dark: false)
        }
        for index in 0..<8 {
            set(x: size - 1 - index, y: 8, dark: false)
            set(x: 8, y: size - 1 - index, dark: false)
        }
        if version >= 7 {
            for index in 0..<18 {
                set(x: size - 11 + index % 3, y: index / 3, dark: false)
                set(x: index / 3, y: size - 11 + index % 3, dark: false)
            }
        }
    }

    /// Puts the codewords' bits, most significant first, in two-module-wide
    /// columns from the bottom right, up then down, skipping the vertical timing
    /// pattern and every function module. The few modules left over are the
    /// remainder bits and stay light.
    mutating func place(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        var upward = true
        while right >= 1 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in stride(from: right, through: right - 1, by: -1) where !isFunction[y * size + x] {
                    if bitIndex < bitCount {
                        dark[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                    }
                    bitIndex += 1
                }
            }
            right -= 2
            upward.toggle()
        }
    }

    /// Data mask condition (Table 10) for the module in row `y`, column `x`.
    static func maskInverts(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (y + x) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (y + x) % 3 == 0
        case 4: (y / 2 + x / 3) % 2 == 0
        case 5: (y * x) % 2 + (y * x) % 3 == 0
        case 6: ((y * x) % 2 + (y * x) % 3) % 2 == 0
        default: ((y + x) % 2 + (y * x) % 3) % 2 == 0
        }
    }

    /// The mask with the fewest penalty points, the lowest numbered on a tie.
    func bestMask() -> Int {
        let (rows, columns) = ModuleBits.rowsAndColumns(of: dark, size: size, where: true)
        let (dataRows, dataColumns) = ModuleBits.rowsAndColumns(of: isFunction, size: size, where: false)
        var best = 0
        var bestPenalty = Int.max
        for mask in 0..<8 {
            let pattern = ModuleBits.maskPattern(mask, size: size)
            let penalty = MaskPenalty.score(
                rows: rows.flipping(pattern.rows, within: dataRows),
                columns: columns.flipping(pattern.columns, within: dataColumns)
            )
            if penalty < bestPenalty {
                best = mask
                bestPenalty = penalty
            }
        }
        return best
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskInverts(mask, x: x, y: y) {
                dark[y * size + x].toggle()
            }
        }
    }

    /// Two copies of the level and mask with their BCH(15,5) check bits,
    /// masked with 101010000010010 so they are never all light (7.9.1).
    mutating func drawFormatInformation(correction: QRCode.Correction, mask: Int) {
        let data = correction.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 {
            remainder = (remainder << 1) ^ ((remainder >> 9) * 0b101_0011_0111)
        }
        let bits = (data << 10 | remainder) ^ 0b101_0100_0001_0010
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

        // Around the top left finder: bits 0...7 down column 8, 8...14 leftwards along row 8,
        // stepping over the timing patterns.
        for index in 0...5 {
            set(x: 8, y: index, dark: bit(index))
        }
        set(x: 8, y: 7, dark: bit(6))
        set(x: 8, y: 8, dark: bit(7))
        set(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 {
            set(x: 14 - index, y: 8, dark: bit(index))
        }
        // Split between the other two finders.
        for index in 0..<8 {
            set(x: size - 1 - index, y: 8, dark: bit(index))
        }
        for index in 8..<15 {
            set(x: 8, y: size - 15 + index, dark: bit(index))
        }
        set(x: 8, y: size - 8, dark: true)
    }

    /// From version 7: the version number with its BCH(18,6) check bits, in a
    /// 6 × 3 block beside the top right and bottom left finders (7.10).
    mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        var remainder = version
        for _ in 0..<12 {
            remainder = (remainder << 1) ^ ((remainder >> 11) * 0b1_1111_0010_0101)
        }
        let bits = version << 12 | remainder
        for index in 0..<18 {
            let isDark = (bits >> index) & 1 == 1
            set(x: size - 11 + index % 3, y: index / 3, dark: isDark)
            set(x: index / 3, y: size - 11 + index % 3, dark: isDark)
        }
    }

    /// Row and column coordinates of alignment pattern centres (Annex E), by version.
    static let alignmentCenters: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86], [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142], [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158],
        [6, 32, 58, 84, 110, 136, 162], [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]
}
