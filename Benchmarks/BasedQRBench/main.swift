// `swift run -c release BasedQRBench time`: microseconds per ticket-sized code.
// `BasedQRBench svgs DIRECTORY [low|medium|quartile|high]`: an SVG beside every
// .txt in DIRECTORY, for scripts/qr/check_decodes.sh to scan.
// `BasedQRBench rows [low|medium|quartile|high]`: one hex payload per line on
// standard input; prints version, mask and the rows of 0 and 1, for comparing
// with another encoder.
import BasedQR
import Foundation

func correction(_ name: String?) -> QRCode.Correction {
    switch name {
    case nil, "medium": .medium
    case "low": .low
    case "quartile": .quartile
    case "high": .high
    default: fatalError("unknown correction level \(name ?? "")")
    }
}

/// 132 characters shaped like a ticket code: "BT1." and 128 base64url characters.
func ticketLikeCode(seed: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    var code = "BT1."
    for _ in 0..<128 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        code.append(alphabet[Int(state % 64)])
    }
    return code
}

/// CPU time of this thread, so a busy machine (a build next door) does not
/// inflate the figure the way wall-clock time would.
func threadTime() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func time() throws {
    let codes = (0..<64).map(ticketLikeCode(seed:))
    let rounds = 20_000
    var checksum = 0
    let start = threadTime()
    for round in 0..<rounds {
        checksum &+= try QRCode(text: codes[round % codes.count]).mask
    }
    let encoded = threadTime()
    for round in 0..<rounds {
        checksum &+= try QRCode(text: codes[round % codes.count]).svg().utf8.count
    }
    let drawn = threadTime()
    let version = try QRCode(text: codes[0]).version
    print(String(format: "132-character code, version %d, medium: %.1f µs to encode, %.1f µs to encode and draw as SVG (CPU time; checksum %d)",
                 version, (encoded - start) / Double(rounds) * 1e6, (drawn - encoded) / Double(rounds) * 1e6, checksum))
}

func svgs(directory: String, correction: QRCode.Correction) throws {
    let folder = URL(fileURLWithPath: directory)
    for file in try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) where file.pathExtension == "txt" {
        let code = try QRCode(bytes: Array(try Data(contentsOf: file)), correction: correction)
        let svg = code.svg(title: "QR code")
        try Data(svg.utf8).write(to: file.deletingPathExtension().appendingPathExtension("svg"))
        print("\(file.lastPathComponent): version \(code.version), mask \(code.mask)")
    }
}

func rows(correction: QRCode.Correction) throws {
    while let line = readLine() {
        let hex = Array(line.utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
        let code = try QRCode(bytes: bytes, correction: correction)
        var rows: [String] = []
        for y in 0..<code.size {
            rows.append(String((0..<code.size).map { code.isDark(x: $0, y: y) ? "1" : "0" }))
        }
        print(code.version, code.mask, rows.joined(separator: ","))
    }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "time": try time()
case "svgs": try svgs(directory: arguments.dropFirst().first!, correction: correction(arguments.dropFirst(2).first))
case "rows": try rows(correction: correction(arguments.dropFirst().first))
default: print("usage: BasedQRBench time | svgs DIRECTORY [correction] | rows [correction]")
}
