/// How a version's codewords split into Reed–Solomon blocks at one correction
/// level (Table 9), and the final interleaved codeword sequence (7.6).
struct BlockLayout {
    let errorCorrectionCodewordsPerBlock: Int
    let blockCount: Int
    let totalCodewordCount: Int

    init(version: Int, correction: QRCode.Correction) {
        precondition((1...40).contains(version), "QR code versions are 1...40")
        let level = correction.tableRow
        errorCorrectionCodewordsPerBlock = Self.errorCorrectionCodewordsPerBlock[level][version - 1]
        blockCount = Self.blockCounts[level][version - 1]
        totalCodewordCount = ModuleGrid.dataModuleCount(version: version) / 8
    }

    var dataCodewordCount: Int {
        totalCodewordCount - errorCorrectionCodewordsPerBlock * blockCount
    }

    /// When the codewords do not divide evenly, the first blocks are one data
    /// codeword shorter than the rest (Table 9's two groups).
    private var shortBlockCount: Int {
        blockCount - totalCodewordCount % blockCount
    }

    private var shortBlockDataCount: Int {
        totalCodewordCount / blockCount - errorCorrectionCodewordsPerBlock
    }

    /// Data codewords of every block in turn, then their error correction
    /// codewords in turn, so damage in one place spreads over many blocks.
    func interleavedWithErrorCorrection(_ data: [UInt8]) -> [UInt8] {
        precondition(data.count == dataCodewordCount, "expected \(dataCodewordCount) data codewords")
        let encoder = ReedSolomonEncoder(degree: errorCorrectionCodewordsPerBlock)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var correctionBlocks: [[UInt8]] = []
        dataBlocks.reserveCapacity(blockCount)
        correctionBlocks.reserveCapacity(blockCount)
        var start = 0
        for block in 0..<blockCount {
            let length = shortBlockDataCount + (block < shortBlockCount ? 0 : 1)
            let blockData = data[start..<(start + length)]
            dataBlocks.append(blockData)
            correctionBlocks.append(encoder.remainder(of: blockData))
            start += length
        }
        var result: [UInt8] = []
        result.reserveCapacity(totalCodewordCount)
        for index in 0...shortBlockDataCount {
            for block in dataBlocks where index < block.count {
                result.append(block[block.startIndex + index])
            }
        }
        for index in 0..<errorCorrectionCodewordsPerBlock {
            for block in correctionBlocks {
                result.append(block[index])
            }
        }
        return result
    }

    // Table 9, one row per correction level (low, medium, quartile, high),
    // one column per version 1...40.
    private static let errorCorrectionCodewordsPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    private static let blockCounts: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]
}

extension QRCode.Correction {
    /// The level's row in the tables, in the standard's order L, M, Q, H.
    var tableRow: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two bits that name the level in the format information (Table 12).
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }
}

/// Reed–Solomon error correction codewords over GF(256) with the QR code's
/// field polynomial x⁸ + x⁴ + x³ + x² + 1 and generator ∏ (x − αⁱ), i = 0..<degree (7.5.2).
struct ReedSolomonEncoder {
    /// Logarithms of the generator's coefficients after its leading 1, highest
    /// power first. Every coefficient of these generators is a nonzero power of
    /// α (Annex A lists them that way), so each has a logarithm.
    private let generatorLogarithms: [Int]

    init(degree: Int) {
        var polynomial: [UInt8] = [1]
        for power in 0..<degree {
            // Multiply by (x + αᵖᵒʷᵉʳ); minus is plus in a field of characteristic 2.
            let root = GaloisField.exponents[power]
            var product = [UInt8](repeating: 0, count: polynomial.count + 1)
            for (index, coefficient) in polynomial.enumerated() {
                product[index] ^= coefficient
                product[index + 1] ^= GaloisField.multiply(coefficient, root)
            }
            polynomial = product
        }
        assert(!polynomial.contains(0), "a generator coefficient is 0")
        generatorLogarithms = polynomial.dropFirst().map { GaloisField.logarithms[Int($0)] }
    }

    /// The remainder of data(x) · x^degree divided by the generator: the block's
    /// error correction codewords.
    func remainder(of data: ArraySlice<UInt8>) -> [UInt8] {
        // Local copies: each read of a global table would check that it is initialised.
        let exponents = GaloisField.exponents
        let logarithms = GaloisField.logarithms
        let degree = generatorLogarithms.count
        var remainder = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ remainder[0]
            for index in 0..<(degree - 1) {
                remainder[index] = remainder[index + 1]
            }
            remainder[degree - 1] = 0
            guard factor != 0 else { continue }
            let factorLogarithm = logarithms[Int(factor)]
            for index in 0..<degree {
                remainder[index] ^= exponents[generatorLogarithms[index] + factorLogarithm]
            }
        }
        return remainder
    }
}

/// Arithmetic in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1 (0x11D), through tables of
/// powers of α = 2 and their logarithms.
enum GaloisField {
    /// αⁱ for i in 0..<510, twice round the group so a sum of two logarithms
    /// needs no reduction modulo 255.
    static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            table[power + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 {
            table[Int(exponents[power])] = power
        }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exponents[logarithms[Int(a)] + logarithms[Int(b)]]
    }
}
