@testable import BasedQR
import Testing

/// The reference symbols at the end of this file come from segno, an
/// independent encoder (scripts/qr/reference_matrices.py regenerates them).
@Suite("QR code")
struct QRCodeTests {
    @Test("symbols equal segno's, version and mask included", arguments: QRCodeTests.referenceSymbols)
    func matchesReference(_ reference: ReferenceSymbol) throws {
        let code = try QRCode(text: reference.payload, correction: reference.correction)
        #expect(code.version == reference.version)
        #expect(code.mask == reference.mask)
        #expect(Self.hexRows(code) == reference.rows.split(separator: "\n").map(String.init))
    }

    @Test("every version and level at full capacity equals segno's symbol with the same mask", arguments: QRCodeTests.everyVersion)
    func matchesEveryVersion(_ reference: VersionDigest) throws {
        let payload = (0..<reference.byteCapacity).map { UInt8(($0 * 37 + reference.version) % 256) }
        let code = try QRCode(bytes: payload, correction: reference.correction, mask: reference.mask)
        #expect(code.version == reference.version)
        #expect(Self.digest(code) == reference.digest)
    }

    @Test("byte capacities are the standard's for every version and level")
    func capacities() {
        for reference in Self.everyVersion {
            #expect(QRCode.byteCapacity(version: reference.version, correction: reference.correction) == reference.byteCapacity)
        }
    }

    @Test("the smallest version that holds the bytes is chosen")
    func smallestVersion() throws {
        for correction in QRCode.Correction.allCases {
            for version in [1, 2, 9, 10, 26, 27, 39] {
                let capacity = QRCode.byteCapacity(version: version, correction: correction)
                #expect(try QRCode(bytes: Self.bytes(capacity), correction: correction).version == version)
                #expect(try QRCode(bytes: Self.bytes(capacity + 1), correction: correction).version == version + 1)
            }
        }
    }

    @Test("more bytes than version 40 holds throws, naming the limit")
    func tooLong() throws {
        #expect(throws: QRCode.Error.tooLong(bytes: 2332, capacity: 2331)) {
            try QRCode(bytes: Self.bytes(2332), correction: .medium)
        }
        #expect(throws: QRCode.Error.tooLong(bytes: 1274, capacity: 1273)) {
            try QRCode(bytes: Self.bytes(1274), correction: .high)
        }
        #expect(try QRCode(bytes: Self.bytes(2331), correction: .medium).version == 40)
    }

    @Test("a 132-character ticket code at medium correction is version 8, 49 modules a side")
    func ticketCodeVersion() throws {
        let ticket = "BT1." + String(repeating: "Qm9vdHN0cmFwX3RpY2tldF9jb2RlXw-_", count: 4)
        #expect(ticket.utf8.count == 132)
        let code = try QRCode(text: ticket)
        #expect(code.version == 8)
        #expect(code.size == 49)
    }

    @Test("text is encoded as its UTF-8 bytes")
    func textIsUTF8() throws {
        let text = "Björk – Jóga ♫"
        #expect(try QRCode(text: text, correction: .quartile) == QRCode(bytes: Array(text.utf8), correction: .quartile))
    }

    @Test("both copies of the format information name the level and the chosen mask")
    func formatInformation() throws {
        for correction in QRCode.Correction.allCases {
            let code = try QRCode(text: "format \(correction)", correction: correction)
            let size = code.size
            // Bit 14 first, as 7.9.1 places them.
            let aroundTopLeft = [(0, 8), (1, 8), (2, 8), (3, 8), (4, 8), (5, 8), (7, 8), (8, 8), (8, 7), (8, 5), (8, 4), (8, 3), (8, 2), (8, 1), (8, 0)]
            let besideTheOthers = (0..<7).map { (8, size - 1 - $0) } + (0..<8).map { (size - 8 + $0, 8) }
            let first = Self.bits(code, at: aroundTopLeft) ^ 0b101_0100_0001_0010
            let second = Self.bits(code, at: besideTheOthers) ^ 0b101_0100_0001_0010
            #expect(first == second)
            #expect(first >> 13 == correction.formatBits)
            #expect((first >> 10) & 0b111 == code.mask)
            #expect(Self.bchRemainder(first, generator: 0b101_0011_0111, degree: 10) == 0)
            #expect(code.isDark(x: 8, y: size - 8), "the dark module")
        }
    }

    @Test("Reed–Solomon codewords equal the standard's worked example (Annex I, 1-M)")
    func reedSolomonExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let expected: [UInt8] = [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55]
        #expect(ReedSolomonEncoder(degree: 10).remainder(of: data[...]) == expected)
    }

    @Test("the scored mask penalty equals Table 11 counted module by module")
    func maskPenalty() {
        var random = SplitMix64(seed: 18004)
        var grids: [(size: Int, modules: [Bool])] = []
        for size in [21, 25, 57, 61, 121, 177] {
            // Even odds, and long runs of mostly one colour, so every rule fires.
            grids.append((size, (0..<(size * size)).map { _ in random.next() & 1 == 1 }))
            grids.append((size, (0..<(size * size)).map { _ in random.next() % 8 == 0 }))
        }
        // Two finder-like patterns sharing a module, light only before the
        // first and after the second: both count.
        var overlapping = (0..<(21 * 21)).map { _ in random.next() & 1 == 1 }
        for (x, dark) in Array("0000101110111010000").enumerated() {
            overlapping[10 * 21 + x] = dark == "1"
        }
        grids.append((21, overlapping))

        for (size, modules) in grids {
            let (rows, columns) = ModuleBits.rowsAndColumns(of: modules, size: size, where: true)
            #expect(MaskPenalty.score(rows: rows, columns: columns) == Self.penaltyModuleByModule(modules, size: size), "size \(size)")
        }
    }

    @Test("the SVG's viewBox and size cover the symbol and its quiet zone")
    func svgViewBox() throws {
        let svg = try QRCode(text: "Based", correction: .medium).svg(moduleSize: 8, quietZone: 4)
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="232" height="232" viewBox="0 0 29 29""#))
        #expect(svg.contains(#"shape-rendering="crispEdges""#))
        #expect(svg.contains(#"<rect width="29" height="29" fill="white"/>"#))
        #expect(svg.hasSuffix("</svg>"))
    }

    @Test("the SVG escapes its title")
    func svgTitle() throws {
        let svg = try QRCode(text: "Based").svg(title: #"Tom & Jerry's <"late"> show"#)
        #expect(svg.contains(#"role="img""#))
        #expect(svg.contains("<title>Tom &amp; Jerry&apos;s &lt;&quot;late&quot;&gt; show</title>"))
        #expect(try !QRCode(text: "Based").svg().contains("<title>"))
    }

    @Test("the SVG path draws exactly the dark modules, one rectangle per run in a row")
    func svgPath() throws {
        let code = try QRCode(text: "BT1.path-check", correction: .high)
        let quietZone = 3
        let svg = code.svg(quietZone: quietZone)
        #expect(svg.ranges(of: "<path").count == 1)
        let data = String(svg.split(separator: #"d=""#)[1].prefix { $0 != "\"" })
        var drawn = [Bool](repeating: false, count: code.size * code.size)
        var rectangles: [(x: Int, y: Int, length: Int)] = []
        for rectangle in data.split(separator: "z") {
            // M<x> <y>h<length>v1h-<length>
            let numbers = rectangle.split(whereSeparator: { "Mhv- ".contains($0) }).compactMap { Int($0) }
            #expect(numbers.count == 5 && numbers[3] == 1 && numbers[2] == numbers[4])
            let (x, y, length) = (numbers[0] - quietZone, numbers[1] - quietZone, numbers[2])
            rectangles.append((x, y, length))
            for column in x..<(x + length) {
                #expect(!drawn[y * code.size + column], "drawn twice")
                drawn[y * code.size + column] = true
            }
        }
        for y in 0..<code.size {
            for x in 0..<code.size {
                #expect(drawn[y * code.size + x] == code.isDark(x: x, y: y), "module (\(x), \(y))")
            }
        }
        // Merged runs: no rectangle ends where the next one in its row starts.
        for (left, right) in zip(rectangles, rectangles.dropFirst()) where left.y == right.y {
            #expect(left.x + left.length < right.x)
        }
    }
}

// MARK: - Helpers

extension QRCodeTests {
    struct ReferenceSymbol: Sendable, CustomTestStringConvertible {
        let name: String
        let payload: String
        let correction: QRCode.Correction
        let version: Int
        let mask: Int
        let rows: String
        var testDescription: String { name }
    }

    struct VersionDigest: Sendable, CustomTestStringConvertible {
        let version: Int
        let correction: QRCode.Correction
        let byteCapacity: Int
        let mask: Int
        let digest: UInt64
        var testDescription: String { "version \(version) at \(correction)" }
    }

    static func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    }

    /// Rows as hex digits, four modules a digit, leftmost the high bit.
    static func hexRows(_ code: QRCode) -> [String] {
        (0..<code.size).map { y in
            stride(from: 0, to: code.size, by: 4).map { start in
                let digit = (start..<(start + 4)).reduce(0) { digit, x in
                    digit << 1 | (x < code.size && code.isDark(x: x, y: y) ? 1 : 0)
                }
                return String(digit, radix: 16)
            }.joined()
        }
    }

    /// FNV-1a 64 over one byte a module, 1 for dark, row by row.
    static func digest(_ code: QRCode) -> UInt64 {
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        for y in 0..<code.size {
            for x in 0..<code.size {
                digest = (digest ^ (code.isDark(x: x, y: y) ? 1 : 0)) &* 0x100_0000_01B3
            }
        }
        return digest
    }

    static func bits(_ code: QRCode, at positions: [(x: Int, y: Int)]) -> Int {
        positions.reduce(0) { $0 << 1 | (code.isDark(x: $1.x, y: $1.y) ? 1 : 0) }
    }

    static func bchRemainder(_ value: Int, generator: Int, degree: Int) -> Int {
        var remainder = value
        for shift in stride(from: remainder.bitWidth - 1 - remainder.leadingZeroBitCount, through: degree, by: -1)
        where (remainder >> shift) & 1 == 1 {
            remainder ^= generator << (shift - degree)
        }
        return remainder
    }

    /// Table 11 read literally: N1 = 3 for a run of five plus 1 per extra
    /// module, N2 = 3 per 2 × 2 block, N3 = 40 per 1011101 with 0000 on
    /// either side (outside the symbol is light), N4 = 10 per 5 % from half dark.
    static func penaltyModuleByModule(_ modules: [Bool], size: Int) -> Int {
        func module(_ x: Int, _ y: Int) -> Bool {
            (0..<size).contains(x) && (0..<size).contains(y) && modules[y * size + x]
        }
        var score = 0
        for transposed in [false, true] {
            for line in 0..<size {
                let at = { (index: Int) in transposed ? module(line, index) : module(index, line) }
                var start = 0
                while start < size {
                    var end = start
                    while end < size && at(end) == at(start) { end += 1 }
                    if end - start >= 5 { score += 3 + (end - start - 5) }
                    start = end
                }
                let finder = [true, false, true, true, true, false, true]
                for index in 0...(size - 7) where (0..<7).allSatisfy({ at(index + $0) == finder[$0] }) {
                    let lightBefore = (1...4).allSatisfy { !at(index - $0) }
                    let lightAfter = (7...10).allSatisfy { !at(index + $0) }
                    if lightBefore || lightAfter { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) where [module(x + 1, y), module(x, y + 1), module(x + 1, y + 1)].allSatisfy({ $0 == module(x, y) }) {
                score += 3
            }
        }
        let dark = modules.filter { $0 }.count
        let percent = Double(dark) * 100 / Double(size * size)
        score += 10 * Int(abs(percent - 50) / 5)
        return score
    }
}

/// A small seeded generator, so random grids are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

// MARK: - Reference symbols

extension QRCodeTests {
    // BEGIN reference symbols: generated by scripts/qr/reference_matrices.py
    // (segno 1.6.6; do not edit by hand)
    static let referenceSymbols: [ReferenceSymbol] = [
        ReferenceSymbol(
            name: "version 1 at medium",
            payload: "Based",
            correction: .medium, version: 1, mask: 1,
            rows: """
            fefbf8
            820a08
            bafae8
            ba42e8
            ba5ae8
            82fa08
            feabf8
            000800
            a34128
            619708
            7a5da8
            511748
            ca9f98
            00a000
            fec208
            8228d0
            ba0248
            ba7640
            babdb8
            827640
            fedec8
            """
        ),
        ReferenceSymbol(
            name: "version 2 at low: one alignment pattern",
            payload: "https://based.example/e/42",
            correction: .low, version: 2, mask: 5,
            rows: """
            fe723f8
            821aa08
            ba732e8
            bab4ae8
            baaaae8
            8260208
            feaabf8
            0048000
            c76e8c0
            e8271f0
            6a5bad8
            d5b0e48
            1ae9b08
            d569d10
            b7eb3d8
            b0b9568
            9624fa0
            00dc880
            fe98a88
            82e2880
            ba07fa0
            ba1ae18
            ba42068
            82b2f88
            fecaa48
            """
        ),
        ReferenceSymbol(
            name: "version 3 at quartile: two blocks",
            payload: "listens with based show twic",
            correction: .quartile, version: 3, mask: 2,
            rows: """
            fe9bbbf8
            820f0a08
            ba4aa2e8
            ba33dae8
            bad2bae8
            82b6ea08
            feaaabf8
            00578000
            7f483188
            d14ffbd8
            9230ab00
            c9433f10
            7b6ce028
            61bd7bb8
            2e23c9c0
            d0ae7bc0
            6b6b8c60
            f96f3f98
            9be9a480
            b9272a50
            9fa9cfe8
            00f2b898
            fe85bae0
            82dd18c8
            bab52ff0
            baaf8400
            bab667f0
            82d4bcd0
            fe3c55a0
            """
        ),
        ReferenceSymbol(
            name: "version 5 at high: four blocks of two lengths",
            payload: "together friends listens with based show",
            correction: .high, version: 5, mask: 0,
            rows: """
            feeb8ff3f8
            8234965208
            ba775ca2e8
            bafab60ae8
            ba0eba72e8
            825edc3a08
            feaaaaabf8
            005dd61800
            2ea61e8c48
            d819ef5618
            4aa40e6778
            44eb41c900
            664c5f6f18
            21e7690a18
            caeef72eb8
            39fe827d18
            16a96ece08
            615d3eea68
            36da522e78
            ed59285290
            c3a6a0ce00
            600453ce38
            93d504a918
            140159f408
            da233e3748
            1446376e18
            8ffd9226b8
            592c274d50
            be0c2a5f98
            00f33cc8a8
            fe2ac67ad8
            82e4116898
            bacf42cf98
            ba057de198
            bae8a1e0e8
            8235cedc90
            fe4d11cc98
            """
        ),
        ReferenceSymbol(
            name: "version 7 at medium: version information",
            payload: "tonight and together friends listens with based show twice late plays the record at every tonight and together frie",
            correction: .medium, version: 7, mask: 2,
            rows: """
            fe069057cbf8
            823ca3b1d208
            bac6a1dbd2e8
            ba80ee255ae8
            ba904fd73ae8
            82b3a8f94208
            feaaaaaaabf8
            009ff88ed800
            be17bfa713e0
            ed6960869ca8
            1fb727206a50
            50d2b87f89e0
            cb1d6f635750
            f4ac1d571968
            5bb049f07a70
            8049a59e81a8
            3774f1d54418
            ed4789561d08
            9ebe69e16ef0
            612ba09ec8e0
            afb4ffa74f90
            58fc08cf98d8
            ca90dab13ad0
            b8c5889ba8f0
            ef89df856f88
            494d3fd61078
            7a6b26387db0
            196469d8faf8
            cff968734380
            fdcde69ed828
            12abc8b06c30
            2cd260dff7f8
            9b46898740d8
            c9837b9e1078
            0b6502346d50
            78e2b7ae9ff0
            9a2defc34f80
            00cf08d388c8
            fe531ab1ea90
            829eb8dc98e0
            ba83afa44f98
            bafcbad743f8
            bade84e57c70
            822f4b0edd60
            fed8b7874f10
            """
        ),
        ReferenceSymbol(
            name: "version 8 at medium: a ticket code",
            payload: "BT1.HkBe7Y1SvMpGjAd6X0RuLoFi_c5WzQtKnEh-b4VyPsJmDg9a3UxOrIlCf8Z2TwNqHkBe7Y1SvMpGjAd6X0RuLoFi_c5WzQtKnEh-b4VyPsJmDg9a3UxOrIlCf8Z2TwNq",
            correction: .medium, version: 8, mask: 6,
            rows: """
            feb44a6ea4bf8
            82e0a7a79ba08
            bae9ddf225ae8
            ba545cebd92e8
            baa9aff2142e8
            826636228e208
            feaaaaaaaabf8
            00323a3bd8800
            9f865fec394b8
            0c6c59eef7f60
            6fe689e53a978
            7907764798c78
            926cda8bae0f0
            bce7462fca718
            27139dcda9bb8
            21c2b44cd6120
            cfab6ced69bb8
            a11b11c0f9af0
            ca99ad46092e8
            a00a658a2eb18
            42e24be858e00
            dc368bdf77ed0
            bfa99be1c6f88
            b8860a3a858e0
            eafb56acfead8
            e8ebae2ada8e0
            cfc84bfdeffb8
            885fa3afd2078
            23759dc7a96a8
            6d8de272ec538
            5b9fa926c0388
            84947b529cb48
            abd2ffbf3dbb8
            4432d99ba71b0
            3b0625f2df318
            d1e1a8eb30520
            57322feaa96c8
            4474cbcecb298
            468d09c253758
            70d8f8d0c7db8
            e3438bf7adfb8
            00873222e98b8
            fece9ab391ae8
            82b08a280b8c0
            ba9357ed19ff0
            bafab52ea66e8
            ba4225edaa790
            8204bc0843ef8
            fefdbba45d008
            """
        ),
        ReferenceSymbol(
            name: "version 9 at quartile: eight blocks of two lengths",
            payload: "at every tonight and together friends listens with based show twice late plays the record at every tonight and together ",
            correction: .quartile, version: 9, mask: 3,
            rows: """
            fe3225160c23f8
            82e2c0e7acf208
            bafefa97e812e8
            ba090fe9586ae8
            ba19b7fa13a2e8
            825afa880fe208
            feaaaaaaaaabf8
            00464f8c7ec800
            7635fff910f830
            25aa61bf9830b8
            1ee8f0f2a0e270
            59adb024a98180
            db1a3c3f196df0
            e8af1528930d68
            7235d99f6ef828
            a9215d0da4c450
            961b46e3a34010
            fd42989d7cc7e0
            c72ab398738e80
            492d49d454d7e0
            3697433c7ff860
            41ed58ca07f0b8
            9a3c53b8ea7bf0
            e9938ae5cc24d0
            bfc4d8f9786fa0
            c8b2618d4618f8
            5ad2d4aa43aa98
            a888428f35a8d8
            7f94b7fce74fc0
            84114eb6719140
            fe5e480c2e21c0
            99a753391a9260
            5b92089873d2b8
            3d36ee8a0d7588
            07b2d1bcf5a430
            ede8099aac4808
            dfdcb9bf582020
            38387429cf8508
            aec9e08a033218
            143ddd3980b7c8
            4f93d6e7834990
            e031fb48205910
            df345726ff0880
            60f2e3727a5268
            13fbecf9157ff8
            0085a58badf8a8
            fe3e29a981eaf0
            828aa68b8c0888
            ba6395f8186fb8
            bab6e1dd5796f8
            bafe6c8517e518
            82d22f52d8d090
            fe5ddfaab73b10
            """
        ),
        ReferenceSymbol(
            name: "version 10 at low: a 16-bit character count",
            payload: "the record at every tonight and together friends listens with based show twice late plays the record at every tonight and together friends listens with based show twice late plays the record at every tonight and together friends listens with based sh",
            correction: .low, version: 10, mask: 2,
            rows: """
            fe4213d748673f8
            82f0fdf57a1d208
            ba6b701b97bf2e8
            babd70e31e712e8
            ba12c73f4ce92e8
            82a5b4636e42208
            feaaaaaaaaaabf8
            0060a362c7b8800
            fb94e83f4810550
            e98a07ce9569d68
            026145c82b12e30
            8d4d11db838c9f8
            67d0cc275870610
            455431e61529c28
            6fe79cbc6f82e50
            f5fe72cac1aade8
            b3a4f8215874018
            6d9253d285619f8
            770662916fc72b0
            5c03275ac5b98e0
            87fe61b14e52640
            75311eae0870c18
            1e086b94fb973b0
            a5517a9c9388ce8
            02f1f8033d74648
            d4e753f604e0d08
            2ff6327e7707fb0
            c891e6a2a5a88f0
            8a93aa2a3835a88
            08d874e318e4888
            5fef78ff6346fb0
            99cb3dc1d19db70
            9f85e81b1a70d90
            209407a51560028
            d2ab98ff3242dc0
            1c7b24d0a1ef320
            6f35749b5870190
            d080871205e9078
            6391f4777693438
            b82a8740e0ef720
            b35ce9681e64f80
            309417c61d69668
            e7c9c4a2be07d70
            3179009880ed6a8
            7685cd2b3824398
            48d531861561d48
            a61380f77b0ecd0
            f905303484a9270
            039fb87f5c44fc8
            008416e255308a8
            fecf6d6a6b17ab0
            82617ca3c5f88f0
            baca61ff1834f90
            baf55aaf1cb04a0
            baea69c72e97c20
            82ef7cde85d8d60
            feb2ec015811b10
            """
        ),
        ReferenceSymbol(
            name: "version 10 at high: eight blocks of two lengths",
            payload: "late plays the record at every tonight and together friends listens with based show twice late plays the recor",
            correction: .high, version: 10, mask: 4,
            rows: """
            fe27b13ea3eb3f8
            82f918451d5d208
            ba68a514a11f2e8
            ba69d133d8d52e8
            ba1132bea22d2e8
            82b86423311a208
            feaaaaaaaaaabf8
            009529a29f06000
            0f664ffeed03310
            415832753171b30
            ef44210e70bf2b0
            6520be833d4f440
            b626d8d08f28708
            69ac803cbafdb20
            13f861d9ba393f0
            7d0aadd19c1e508
            3ebbb9f8154a318
            ad52bd65c325b70
            735a8c3c62fd680
            659292185c4db50
            1f57f02fcf7c308
            8178b987ee65a30
            8685da742ba5e50
            34f10fb6c6cad00
            e2e075bfe46d358
            d5ddea597b3dbd0
            cfaece7f0380fe0
            98974fe3c37a890
            9ac462eade6da88
            08a77f63f7fd8b0
            af88747ee3adfd0
            04123142420e398
            56c2d7ab5b2e6d8
            0d4889683a3c310
            ce4ae5ad22e5d90
            24208997144ee40
            1fe4d5841f28698
            b08928e0b37d140
            9bdd6cb98378430
            6911e789c950a80
            978f6bbe031ab88
            a8ff1223676e720
            c79d172a15675d0
            a913ba6b2b0e380
            3e81c1fb6748e98
            ad9d2f98eb7c120
            a6de6bd7abe5d10
            f9ea9b00074ab90
            0348a7bfc528fc8
            00d7e1a2c0798b0
            fefcdcaa49acad0
            828c6a22a57b880
            bad11cbe846ef90
            ba769ea7d9f40b8
            ba3a28ff7dbc6e0
            82413b103faf580
            fe1e0533699bd88
            """
        ),
    ]

    static let everyVersion: [VersionDigest] = [
        VersionDigest(version: 1, correction: .low, byteCapacity: 17, mask: 4, digest: 0xfa72ca954132bae1),
        VersionDigest(version: 1, correction: .medium, byteCapacity: 14, mask: 3, digest: 0x9564462b3557d211),
        VersionDigest(version: 1, correction: .quartile, byteCapacity: 11, mask: 6, digest: 0x4f74e7975fd9a685),
        VersionDigest(version: 1, correction: .high, byteCapacity: 7, mask: 0, digest: 0xa9b397f29c312c8d),
        VersionDigest(version: 2, correction: .low, byteCapacity: 32, mask: 6, digest: 0x03c1feb09727c355),
        VersionDigest(version: 2, correction: .medium, byteCapacity: 26, mask: 1, digest: 0x5f8d566db0a8f46f),
        VersionDigest(version: 2, correction: .quartile, byteCapacity: 20, mask: 6, digest: 0x3d7da53dcf47a0c5),
        VersionDigest(version: 2, correction: .high, byteCapacity: 14, mask: 2, digest: 0xe5b98b9602043c5f),
        VersionDigest(version: 3, correction: .low, byteCapacity: 53, mask: 1, digest: 0xa1ad59dff58e118f),
        VersionDigest(version: 3, correction: .medium, byteCapacity: 42, mask: 1, digest: 0xe3126f0ab20474cb),
        VersionDigest(version: 3, correction: .quartile, byteCapacity: 32, mask: 2, digest: 0x00a76cee79effeb4),
        VersionDigest(version: 3, correction: .high, byteCapacity: 24, mask: 4, digest: 0x948a0f4aa7f95dd0),
        VersionDigest(version: 4, correction: .low, byteCapacity: 78, mask: 2, digest: 0xbcd4ffe1e3bef206),
        VersionDigest(version: 4, correction: .medium, byteCapacity: 62, mask: 5, digest: 0xcfdd0f35fab0a029),
        VersionDigest(version: 4, correction: .quartile, byteCapacity: 46, mask: 7, digest: 0x1de884ba1363bbae),
        VersionDigest(version: 4, correction: .high, byteCapacity: 34, mask: 1, digest: 0x9b0e7bad2e31e749),
        VersionDigest(version: 5, correction: .low, byteCapacity: 106, mask: 4, digest: 0x45ce26a72f2de8a9),
        VersionDigest(version: 5, correction: .medium, byteCapacity: 84, mask: 6, digest: 0x3358bec1ba042bd1),
        VersionDigest(version: 5, correction: .quartile, byteCapacity: 60, mask: 3, digest: 0x37b6ba1ce7cd5a55),
        VersionDigest(version: 5, correction: .high, byteCapacity: 44, mask: 1, digest: 0x827aab16864429e9),
        VersionDigest(version: 6, correction: .low, byteCapacity: 134, mask: 5, digest: 0xffd0ed8b575376aa),
        VersionDigest(version: 6, correction: .medium, byteCapacity: 106, mask: 3, digest: 0x78ae800cf639b68d),
        VersionDigest(version: 6, correction: .quartile, byteCapacity: 74, mask: 4, digest: 0x40e22cc93bb7f140),
        VersionDigest(version: 6, correction: .high, byteCapacity: 58, mask: 3, digest: 0x9d7d0c68dd7b2a81),
        VersionDigest(version: 7, correction: .low, byteCapacity: 154, mask: 7, digest: 0x6d44edaa9b3c3883),
        VersionDigest(version: 7, correction: .medium, byteCapacity: 122, mask: 0, digest: 0x37a1f20340ea4975),
        VersionDigest(version: 7, correction: .quartile, byteCapacity: 86, mask: 5, digest: 0x670edddfc450bd8d),
        VersionDigest(version: 7, correction: .high, byteCapacity: 64, mask: 2, digest: 0x0afc3fa7f03ea0d3),
        VersionDigest(version: 8, correction: .low, byteCapacity: 192, mask: 1, digest: 0x40fe062c505aed1a),
        VersionDigest(version: 8, correction: .medium, byteCapacity: 152, mask: 0, digest: 0x996a2662214e83cb),
        VersionDigest(version: 8, correction: .quartile, byteCapacity: 108, mask: 3, digest: 0xcf6cf8541ae38cd7),
        VersionDigest(version: 8, correction: .high, byteCapacity: 84, mask: 1, digest: 0xf6a5703bd9886a7a),
        VersionDigest(version: 9, correction: .low, byteCapacity: 230, mask: 7, digest: 0x32f400f7a48c4ace),
        VersionDigest(version: 9, correction: .medium, byteCapacity: 180, mask: 2, digest: 0x3e7f9279e53369ad),
        VersionDigest(version: 9, correction: .quartile, byteCapacity: 130, mask: 2, digest: 0x4124a61c3d976cb7),
        VersionDigest(version: 9, correction: .high, byteCapacity: 98, mask: 6, digest: 0x46790025fdd10194),
        VersionDigest(version: 10, correction: .low, byteCapacity: 271, mask: 7, digest: 0x6863fabdf84fa75d),
        VersionDigest(version: 10, correction: .medium, byteCapacity: 213, mask: 7, digest: 0xae19199a94bf87ab),
        VersionDigest(version: 10, correction: .quartile, byteCapacity: 151, mask: 7, digest: 0xf543036310884f87),
        VersionDigest(version: 10, correction: .high, byteCapacity: 119, mask: 5, digest: 0x5e56233a4b550265),
        VersionDigest(version: 11, correction: .low, byteCapacity: 321, mask: 5, digest: 0x81bbc586a2df6b2c),
        VersionDigest(version: 11, correction: .medium, byteCapacity: 251, mask: 1, digest: 0x5b73e864df91bf18),
        VersionDigest(version: 11, correction: .quartile, byteCapacity: 177, mask: 2, digest: 0x39a435e0c44ee757),
        VersionDigest(version: 11, correction: .high, byteCapacity: 137, mask: 2, digest: 0x1af3579d57dae483),
        VersionDigest(version: 12, correction: .low, byteCapacity: 367, mask: 2, digest: 0xa84e94da753b7d2b),
        VersionDigest(version: 12, correction: .medium, byteCapacity: 287, mask: 5, digest: 0xba102736c0b0dae6),
        VersionDigest(version: 12, correction: .quartile, byteCapacity: 203, mask: 1, digest: 0xc37ec2e888aecdfa),
        VersionDigest(version: 12, correction: .high, byteCapacity: 155, mask: 4, digest: 0x6467e36138d60f3f),
        VersionDigest(version: 13, correction: .low, byteCapacity: 425, mask: 3, digest: 0x90fb8eddf85dce21),
        VersionDigest(version: 13, correction: .medium, byteCapacity: 331, mask: 2, digest: 0x49c27d9d070a7629),
        VersionDigest(version: 13, correction: .quartile, byteCapacity: 241, mask: 6, digest: 0x70438136b47dba69),
        VersionDigest(version: 13, correction: .high, byteCapacity: 177, mask: 0, digest: 0xfbc4de2ac1059e4b),
        VersionDigest(version: 14, correction: .low, byteCapacity: 458, mask: 6, digest: 0x43017343dc5ecb57),
        VersionDigest(version: 14, correction: .medium, byteCapacity: 362, mask: 5, digest: 0x110e96002260600e),
        VersionDigest(version: 14, correction: .quartile, byteCapacity: 258, mask: 1, digest: 0xaaba790dda4d4564),
        VersionDigest(version: 14, correction: .high, byteCapacity: 194, mask: 5, digest: 0xd2aec91206e0f0e4),
        VersionDigest(version: 15, correction: .low, byteCapacity: 520, mask: 1, digest: 0x4486798f75f58136),
        VersionDigest(version: 15, correction: .medium, byteCapacity: 412, mask: 6, digest: 0x43880459cabbbe34),
        VersionDigest(version: 15, correction: .quartile, byteCapacity: 292, mask: 1, digest: 0xbe921914e83a7028),
        VersionDigest(version: 15, correction: .high, byteCapacity: 220, mask: 3, digest: 0x71211de8e1aac0e8),
        VersionDigest(version: 16, correction: .low, byteCapacity: 586, mask: 1, digest: 0x88233a913263de3a),
        VersionDigest(version: 16, correction: .medium, byteCapacity: 450, mask: 5, digest: 0xf8c249e74d86ac6b),
        VersionDigest(version: 16, correction: .quartile, byteCapacity: 322, mask: 7, digest: 0xad005743e5c82428),
        VersionDigest(version: 16, correction: .high, byteCapacity: 250, mask: 0, digest: 0x1c5e3f8f7ba29d85),
        VersionDigest(version: 17, correction: .low, byteCapacity: 644, mask: 6, digest: 0xad4dc464691e0bfd),
        VersionDigest(version: 17, correction: .medium, byteCapacity: 504, mask: 1, digest: 0x0ffd5d38628356a2),
        VersionDigest(version: 17, correction: .quartile, byteCapacity: 364, mask: 4, digest: 0xf7082261095ba7a8),
        VersionDigest(version: 17, correction: .high, byteCapacity: 280, mask: 2, digest: 0x47564e38778a3b17),
        VersionDigest(version: 18, correction: .low, byteCapacity: 718, mask: 4, digest: 0x2d4f3db0bcfb8b64),
        VersionDigest(version: 18, correction: .medium, byteCapacity: 560, mask: 2, digest: 0x7fa656593335d51d),
        VersionDigest(version: 18, correction: .quartile, byteCapacity: 394, mask: 4, digest: 0xf86581660e23f05a),
        VersionDigest(version: 18, correction: .high, byteCapacity: 310, mask: 0, digest: 0x5b495e22a0dd1237),
        VersionDigest(version: 19, correction: .low, byteCapacity: 792, mask: 2, digest: 0x69fea55711ca7a5d),
        VersionDigest(version: 19, correction: .medium, byteCapacity: 624, mask: 6, digest: 0xd77a9c0b43391af7),
        VersionDigest(version: 19, correction: .quartile, byteCapacity: 442, mask: 3, digest: 0xe830d6162f188705),
        VersionDigest(version: 19, correction: .high, byteCapacity: 338, mask: 3, digest: 0x2cf2dfef061b5e4b),
        VersionDigest(version: 20, correction: .low, byteCapacity: 858, mask: 7, digest: 0x4ece545678ed02db),
        VersionDigest(version: 20, correction: .medium, byteCapacity: 666, mask: 7, digest: 0x24e39dcc0a12cb87),
        VersionDigest(version: 20, correction: .quartile, byteCapacity: 482, mask: 3, digest: 0xe1cbf1d0c3293277),
        VersionDigest(version: 20, correction: .high, byteCapacity: 382, mask: 1, digest: 0xf20cc5d98a6885ac),
        VersionDigest(version: 21, correction: .low, byteCapacity: 929, mask: 0, digest: 0xaf2772198172c789),
        VersionDigest(version: 21, correction: .medium, byteCapacity: 711, mask: 3, digest: 0xee81c85d5e19d8e7),
        VersionDigest(version: 21, correction: .quartile, byteCapacity: 509, mask: 0, digest: 0x8af0a9e2906e4e85),
        VersionDigest(version: 21, correction: .high, byteCapacity: 403, mask: 4, digest: 0xf89f3c0d43876de3),
        VersionDigest(version: 22, correction: .low, byteCapacity: 1003, mask: 6, digest: 0xda502d0837257473),
        VersionDigest(version: 22, correction: .medium, byteCapacity: 779, mask: 6, digest: 0xe7cf901739554569),
        VersionDigest(version: 22, correction: .quartile, byteCapacity: 565, mask: 5, digest: 0xbf62c1940a7476bb),
        VersionDigest(version: 22, correction: .high, byteCapacity: 439, mask: 7, digest: 0xc0a9a35623e20441),
        VersionDigest(version: 23, correction: .low, byteCapacity: 1091, mask: 7, digest: 0x689eea241f888463),
        VersionDigest(version: 23, correction: .medium, byteCapacity: 857, mask: 1, digest: 0xac204db9af7f690e),
        VersionDigest(version: 23, correction: .quartile, byteCapacity: 611, mask: 0, digest: 0x0d084a5e7fc67f3d),
        VersionDigest(version: 23, correction: .high, byteCapacity: 461, mask: 2, digest: 0x003fca99abb6ce61),
        VersionDigest(version: 24, correction: .low, byteCapacity: 1171, mask: 3, digest: 0x7bcc164fbd15b151),
        VersionDigest(version: 24, correction: .medium, byteCapacity: 911, mask: 6, digest: 0x01328bdc4253012d),
        VersionDigest(version: 24, correction: .quartile, byteCapacity: 661, mask: 7, digest: 0x19a02f47e58894df),
        VersionDigest(version: 24, correction: .high, byteCapacity: 511, mask: 1, digest: 0x47cb1933d76d445e),
        VersionDigest(version: 25, correction: .low, byteCapacity: 1273, mask: 0, digest: 0xf705ca413779575f),
        VersionDigest(version: 25, correction: .medium, byteCapacity: 997, mask: 2, digest: 0x191bb5453ac18931),
        VersionDigest(version: 25, correction: .quartile, byteCapacity: 715, mask: 6, digest: 0x976718db1c4c7f46),
        VersionDigest(version: 25, correction: .high, byteCapacity: 535, mask: 2, digest: 0x897f2475c821a26f),
        VersionDigest(version: 26, correction: .low, byteCapacity: 1367, mask: 1, digest: 0x8ed25f40d5f2a306),
        VersionDigest(version: 26, correction: .medium, byteCapacity: 1059, mask: 1, digest: 0x5954699e945063fc),
        VersionDigest(version: 26, correction: .quartile, byteCapacity: 751, mask: 2, digest: 0x519d708d9f30cdcb),
        VersionDigest(version: 26, correction: .high, byteCapacity: 593, mask: 4, digest: 0x9d9afd4f453b08f5),
        VersionDigest(version: 27, correction: .low, byteCapacity: 1465, mask: 4, digest: 0xb34a29dd62dc1ccd),
        VersionDigest(version: 27, correction: .medium, byteCapacity: 1125, mask: 6, digest: 0xa878f50aface9b89),
        VersionDigest(version: 27, correction: .quartile, byteCapacity: 805, mask: 4, digest: 0xd8d06aca2d5dbc1d),
        VersionDigest(version: 27, correction: .high, byteCapacity: 625, mask: 6, digest: 0x4d2f207627b41863),
        VersionDigest(version: 28, correction: .low, byteCapacity: 1528, mask: 7, digest: 0x1b8d30850c704a42),
        VersionDigest(version: 28, correction: .medium, byteCapacity: 1190, mask: 4, digest: 0x6d8a674f560436b4),
        VersionDigest(version: 28, correction: .quartile, byteCapacity: 868, mask: 1, digest: 0x4a4afe442f511614),
        VersionDigest(version: 28, correction: .high, byteCapacity: 658, mask: 5, digest: 0x378a748ed901af9b),
        VersionDigest(version: 29, correction: .low, byteCapacity: 1628, mask: 1, digest: 0xe47ac4ad276a2306),
        VersionDigest(version: 29, correction: .medium, byteCapacity: 1264, mask: 1, digest: 0x6fc7a015009349a4),
        VersionDigest(version: 29, correction: .quartile, byteCapacity: 908, mask: 2, digest: 0xbdb9527c66425f97),
        VersionDigest(version: 29, correction: .high, byteCapacity: 698, mask: 4, digest: 0xe9180f98dd6d8c78),
        VersionDigest(version: 30, correction: .low, byteCapacity: 1732, mask: 6, digest: 0xa666f5603518bf8e),
        VersionDigest(version: 30, correction: .medium, byteCapacity: 1370, mask: 2, digest: 0x0df01d3ec166de5f),
        VersionDigest(version: 30, correction: .quartile, byteCapacity: 982, mask: 5, digest: 0x63c3b30f5008a046),
        VersionDigest(version: 30, correction: .high, byteCapacity: 742, mask: 5, digest: 0xd253e553069e93b6),
        VersionDigest(version: 31, correction: .low, byteCapacity: 1840, mask: 5, digest: 0x1147eec7ab8934cd),
        VersionDigest(version: 31, correction: .medium, byteCapacity: 1452, mask: 4, digest: 0x4f6c67c537aabf7f),
        VersionDigest(version: 31, correction: .quartile, byteCapacity: 1030, mask: 3, digest: 0x073470a4907d681a),
        VersionDigest(version: 31, correction: .high, byteCapacity: 790, mask: 7, digest: 0x814b900daf21d426),
        VersionDigest(version: 32, correction: .low, byteCapacity: 1952, mask: 6, digest: 0xf392eb66e8a2abdc),
        VersionDigest(version: 32, correction: .medium, byteCapacity: 1538, mask: 2, digest: 0x683226c6f0727386),
        VersionDigest(version: 32, correction: .quartile, byteCapacity: 1112, mask: 1, digest: 0x6118ad54bfc2b3cc),
        VersionDigest(version: 32, correction: .high, byteCapacity: 842, mask: 6, digest: 0x6d3bd09b07f374ce),
        VersionDigest(version: 33, correction: .low, byteCapacity: 2068, mask: 6, digest: 0x56e9d31445e724b5),
        VersionDigest(version: 33, correction: .medium, byteCapacity: 1628, mask: 1, digest: 0x6a5031ccac8d8bc6),
        VersionDigest(version: 33, correction: .quartile, byteCapacity: 1168, mask: 2, digest: 0xee46e9fc54ee14e0),
        VersionDigest(version: 33, correction: .high, byteCapacity: 898, mask: 7, digest: 0x79ab39be54d50227),
        VersionDigest(version: 34, correction: .low, byteCapacity: 2188, mask: 3, digest: 0x7124438a98f9cb19),
        VersionDigest(version: 34, correction: .medium, byteCapacity: 1722, mask: 1, digest: 0x2cb3de61db9a1378),
        VersionDigest(version: 34, correction: .quartile, byteCapacity: 1228, mask: 3, digest: 0x4334c179d6f95b49),
        VersionDigest(version: 34, correction: .high, byteCapacity: 958, mask: 2, digest: 0x73ac4bfa945ce17b),
        VersionDigest(version: 35, correction: .low, byteCapacity: 2303, mask: 1, digest: 0x9b5030cd0ff585be),
        VersionDigest(version: 35, correction: .medium, byteCapacity: 1809, mask: 1, digest: 0x771d313e9c375cac),
        VersionDigest(version: 35, correction: .quartile, byteCapacity: 1283, mask: 6, digest: 0x47c8d699eec73991),
        VersionDigest(version: 35, correction: .high, byteCapacity: 983, mask: 4, digest: 0x24b52f6d3b01384d),
        VersionDigest(version: 36, correction: .low, byteCapacity: 2431, mask: 1, digest: 0x5dc3c079b5ff51d0),
        VersionDigest(version: 36, correction: .medium, byteCapacity: 1911, mask: 7, digest: 0x1bea9a2bad6a6000),
        VersionDigest(version: 36, correction: .quartile, byteCapacity: 1351, mask: 3, digest: 0x777990f55ccafd30),
        VersionDigest(version: 36, correction: .high, byteCapacity: 1051, mask: 4, digest: 0x6573d99098a9d72d),
        VersionDigest(version: 37, correction: .low, byteCapacity: 2563, mask: 0, digest: 0xbf280207d44decef),
        VersionDigest(version: 37, correction: .medium, byteCapacity: 1989, mask: 2, digest: 0xacd853d722ffd5fb),
        VersionDigest(version: 37, correction: .quartile, byteCapacity: 1423, mask: 2, digest: 0xc4153e76ce2229ab),
        VersionDigest(version: 37, correction: .high, byteCapacity: 1093, mask: 0, digest: 0x814077e3ad339803),
        VersionDigest(version: 38, correction: .low, byteCapacity: 2699, mask: 2, digest: 0x2c1b8a342425e359),
        VersionDigest(version: 38, correction: .medium, byteCapacity: 2099, mask: 6, digest: 0x89d47a99da6e56d7),
        VersionDigest(version: 38, correction: .quartile, byteCapacity: 1499, mask: 0, digest: 0xeed739a30c0a0673),
        VersionDigest(version: 38, correction: .high, byteCapacity: 1139, mask: 7, digest: 0x08a910359ad593ad),
        VersionDigest(version: 39, correction: .low, byteCapacity: 2809, mask: 3, digest: 0x17ad37a2bf4b4cbc),
        VersionDigest(version: 39, correction: .medium, byteCapacity: 2213, mask: 6, digest: 0x5f4deda073c4d8ac),
        VersionDigest(version: 39, correction: .quartile, byteCapacity: 1579, mask: 0, digest: 0x2972aa84f57d012f),
        VersionDigest(version: 39, correction: .high, byteCapacity: 1219, mask: 4, digest: 0x580649499e4fa7d7),
        VersionDigest(version: 40, correction: .low, byteCapacity: 2953, mask: 6, digest: 0x46c778f55fd50b39),
        VersionDigest(version: 40, correction: .medium, byteCapacity: 2331, mask: 0, digest: 0x20b010acf892d6f7),
        VersionDigest(version: 40, correction: .quartile, byteCapacity: 1663, mask: 7, digest: 0x292f61e743029363),
        VersionDigest(version: 40, correction: .high, byteCapacity: 1273, mask: 0, digest: 0x69f7a6e89a41105b),
    ]
    // END reference symbols
}
