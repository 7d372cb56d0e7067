/// Penalty points of a masked symbol (7.8.3.1, Table 11): long runs of one
/// colour, 2 × 2 blocks of one colour, shapes a reader could take for a finder
/// pattern, and an unbalanced share of dark modules.
///
/// Every finder-like pattern counts, also one that shares its last module with
/// the next (segno 1.6.6 skips the second, so about one symbol in a hundred
/// gets a different mask there; both read).
///
/// Every code scores eight masks over every row and column, which made a
/// module-by-module scan most of the encoder's time; here each rule works on
/// 64 modules at once with shifts, ANDs and bit counts.
enum MaskPenalty {
    static func score(rows: ModuleBits, columns: ModuleBits) -> Int {
        let size = rows.size
        var score = 0
        for line in 0..<size {
            score += lineScore(rows, line: line) + lineScore(columns, line: line)
        }
        // 2 × 2 blocks: a module equal to its right neighbour, the module below
        // equal to its own, and the two equal to each other.
        for line in 0..<(size - 1) {
            for word in 0..<rows.wordsPerLine {
                let top = rows.word(line: line, word: word, shiftedBy: 0)
                let topRight = rows.word(line: line, word: word, shiftedBy: 1)
                let bottom = rows.word(line: line + 1, word: word, shiftedBy: 0)
                let bottomRight = rows.word(line: line + 1, word: word, shiftedBy: 1)
                let blocks = ~(top ^ topRight) & ~(bottom ^ bottomRight) & ~(top ^ bottom)
                    & ModuleBits.first(size - 1, inWord: word)
                score += 3 * blocks.nonzeroBitCount
            }
        }
        let darkCount = rows.words.reduce(0) { $0 + $1.nonzeroBitCount }
        let total = size * size
        // k whole steps of 5 % away from half dark: |100·dark/total − 50| / 5, in integers.
        score += 10 * (abs(20 * darkCount - 10 * total) / total)
        return score
    }

    /// One row or column: runs of five or more (3 points, plus 1 per module
    /// beyond five), and each 1:1:3:1:1 dark:light:dark:light:dark pattern
    /// with four light modules before or after it (40 points). Beyond the
    /// edge is the quiet zone, which is light.
    private static func lineScore(_ bits: ModuleBits, line: Int) -> Int {
        var score = 0
        var previousFiveEqual: UInt64 = 0
        for word in 0..<bits.wordsPerLine {
            // Bit i of `ahead[k]` is module i + k; of `behind[k]`, module i − k.
            func ahead(_ offset: Int) -> UInt64 { bits.word(line: line, word: word, shiftedBy: offset) }
            func behind(_ offset: Int) -> UInt64 { bits.word(line: line, word: word, shiftedBy: -offset) }
            let here = ahead(0), next1 = ahead(1), next2 = ahead(2), next3 = ahead(3), next4 = ahead(4)

            // A run of n ≥ 5 holds n − 4 starts of five equal modules in a row,
            // in one unbroken stretch: its points are those starts plus 2 per stretch.
            let fiveDark = here & next1 & next2 & next3 & next4
            let fiveLight = ~(here | next1 | next2 | next3 | next4)
            let fiveEqual = (fiveDark | fiveLight) & ModuleBits.first(bits.size - 4, inWord: word)
            let stretchStarts = fiveEqual & ~(fiveEqual << 1 | previousFiveEqual >> 63)
            score += fiveEqual.nonzeroBitCount + 2 * stretchStarts.nonzeroBitCount
            previousFiveEqual = fiveEqual

            let finderLike = here & ~next1 & next2 & next3 & next4 & ~ahead(5) & ahead(6)
            if finderLike != 0 {
                let lightBefore = ~(behind(1) | behind(2) | behind(3) | behind(4))
                let lightAfter = ~(ahead(7) | ahead(8) | ahead(9) | ahead(10))
                score += 40 * (finderLike & (lightBefore | lightAfter)).nonzeroBitCount
            }
        }
        return score
    }
}

/// A symbol's modules as bits, line by line: rows, or columns when built
/// transposed. Module i of a line is bit i % 64 of the line's word i / 64, set
/// when dark. Bits past a line's end stay 0, so looking past the edge finds
/// light modules, like the quiet zone.
struct ModuleBits {
    let size: Int
    let wordsPerLine: Int
    private(set) var words: [UInt64]

    private init(size: Int) {
        self.size = size
        // Room for the finder rule to look ten modules past the last one.
        wordsPerLine = (size + 10 + 63) / 64
        words = [UInt64](repeating: 0, count: size * wordsPerLine)
    }

    /// Rows and columns of the modules that are `value` in `modules` (row by row).
    static func rowsAndColumns(of modules: [Bool], size: Int, where value: Bool) -> (rows: ModuleBits, columns: ModuleBits) {
        var rows = ModuleBits(size: size)
        var columns = ModuleBits(size: size)
        for y in 0..<size {
            for x in 0..<size {
                let isSet = modules[y * size + x] == value
                rows.set(line: y, index: x, isSet)
                columns.set(line: x, index: y, isSet)
            }
        }
        return (rows, columns)
    }

    /// Rows and columns of the modules that data mask `mask` inverts,
    /// everywhere (masking only data modules is `flipping(_:within:)`'s job).
    /// Every mask repeats every 12 rows and columns (Table 10's conditions use
    /// y mod 2, 3 or 4 and x mod 2, 3 or 6), so one 12 × 12 tile is worked out
    /// and repeated a word at a time.
    static func maskPattern(_ mask: Int, size: Int) -> (rows: ModuleBits, columns: ModuleBits) {
        var tileRows = [UInt64](repeating: 0, count: 12)
        var tileColumns = [UInt64](repeating: 0, count: 12)
        for y in 0..<12 {
            for x in 0..<12 where ModuleGrid.maskInverts(mask, x: x, y: y) {
                tileRows[y] |= 1 << UInt64(x)
                tileColumns[x] |= 1 << UInt64(y)
            }
        }
        return (ModuleBits(repeating: tileRows, size: size), ModuleBits(repeating: tileColumns, size: size))
    }

    /// Line i is `tile[i % 12]` (12 bits) repeated along the line.
    private init(repeating tile: [UInt64], size: Int) {
        self.init(size: size)
        for line in 0..<size {
            let twelveBits = tile[line % 12]
            for word in 0..<wordsPerLine {
                // Word w starts at module 64w, which is 4w modulo 12.
                let phase = UInt64(64 * word % 12)
                let rotated = (twelveBits >> phase | twelveBits << (12 - phase)) & 0xFFF
                let repeated = rotated | rotated << 12 | rotated << 24 | rotated << 36 | rotated << 48 | rotated << 60
                words[line * wordsPerLine + word] = repeated & Self.first(size, inWord: word)
            }
        }
    }

    /// Sets the bit when `isSet`, without a branch: data modules are as good
    /// as random, so a branch would be mispredicted half the time.
    private mutating func set(line: Int, index: Int, _ isSet: Bool) {
        words[line * wordsPerLine + index / 64] |= UInt64(isSet ? 1 : 0) << UInt64(index % 64)
    }

    /// These modules with those set in `pattern` inverted, but only where
    /// `region` is set.
    func flipping(_ pattern: ModuleBits, within region: ModuleBits) -> ModuleBits {
        var result = self
        for index in words.indices {
            result.words[index] ^= pattern.words[index] & region.words[index]
        }
        return result
    }

    /// The bits of word `word` of line `line`, each replaced by the module
    /// `offset` places further along (earlier when negative); 0 outside the line.
    @inline(__always)
    func word(line: Int, word: Int, shiftedBy offset: Int) -> UInt64 {
        let base = line * wordsPerLine + word
        if offset >= 0 {
            // Shifting a UInt64 by 64 gives 0, which is right for offset 0.
            let following = word + 1 < wordsPerLine ? words[base + 1] << (64 - offset) : 0
            return words[base] >> offset | following
        } else {
            let preceding = word > 0 ? words[base - 1] >> (64 + offset) : 0
            return words[base] << -offset | preceding
        }
    }

    /// Bits of word `word` that stand for the first `count` modules of a line.
    static func first(_ count: Int, inWord word: Int) -> UInt64 {
        let bits = count - 64 * word
        if bits <= 0 { return 0 }
        if bits >= 64 { return ~0 }
        return (1 << UInt64(bits)) - 1
    }
}
