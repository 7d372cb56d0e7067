import Foundation

/// A Standard MIDI File (format 0) built note by note, for music the project
/// makes itself (the demo library, test material).
public struct MIDIFile: Sendable {
    public static let ticksPerQuarter = 480

    private struct Event {
        var tick: Int
        /// Sort order within a tick: meta first, then note-offs, then note-ons.
        var order: Int
        var bytes: [UInt8]
    }

    private var events: [Event] = []

    public init(tempo bpm: Double, key: Key, timeSignature: (Int, Int) = (4, 4)) {
        let microseconds = Int((60_000_000 / bpm).rounded())
        meta(0x51, [UInt8((microseconds >> 16) & 0xFF), UInt8((microseconds >> 8) & 0xFF), UInt8(microseconds & 0xFF)])
        meta(0x58, [UInt8(timeSignature.0), UInt8(timeSignature.1.trailingZeroBitCount), 24, 8])
        meta(0x59, [UInt8(bitPattern: Int8(key.sharps)), key.minor ? 1 : 0])
    }

    /// A key as a MIDI key signature states it.
    public struct Key: Sendable, Equatable {
        /// Pitch class of the tonic, 0 = C.
        public var tonic: Int
        public var minor: Bool

        public init(tonic: Int, minor: Bool) {
            self.tonic = ((tonic % 12) + 12) % 12
            self.minor = minor
        }

        /// Sharps (positive) or flats (negative) in the signature.
        public var sharps: Int {
            // The relative major's position on the circle of fifths.
            let major = minor ? (tonic + 3) % 12 : tonic
            let fifths = (major * 7) % 12
            return fifths > 6 ? fifths - 12 : fifths
        }

        /// Semitone offsets of the scale from the tonic.
        public var scale: [Int] { minor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11] }
    }

    public mutating func program(_ program: Int, channel: Int) {
        events.append(Event(tick: 0, order: 1, bytes: [UInt8(0xC0 | channel), UInt8(program & 0x7F)]))
    }

    public mutating func note(_ pitch: Int, at tick: Int, length: Int, velocity: Int = 90, channel: Int) {
        guard (0...127).contains(pitch), length > 0 else { return }
        events.append(Event(tick: tick, order: 3, bytes: [UInt8(0x90 | channel), UInt8(pitch), UInt8(max(1, min(127, velocity)))]))
        events.append(Event(tick: tick + length, order: 2, bytes: [UInt8(0x80 | channel), UInt8(pitch), 0]))
    }

    private mutating func meta(_ type: UInt8, _ data: [UInt8]) {
        events.append(Event(tick: 0, order: 0, bytes: [0xFF, type, UInt8(data.count)] + data))
    }

    /// The file's bytes.
    public func data() -> Data {
        var track: [UInt8] = []
        var last = 0
        for event in events.sorted(by: { ($0.tick, $0.order) < ($1.tick, $1.order) }) {
            track += Self.variableLength(event.tick - last) + event.bytes
            last = event.tick
        }
        track += [0x00, 0xFF, 0x2F, 0x00]
        var file: [UInt8] = Array("MThd".utf8) + Self.bigEndian(6, bytes: 4) + [0, 0, 0, 1] + Self.bigEndian(Self.ticksPerQuarter, bytes: 2)
        file += Array("MTrk".utf8) + Self.bigEndian(track.count, bytes: 4) + track
        return Data(file)
    }

    static func variableLength(_ value: Int) -> [UInt8] {
        var value = max(0, value)
        var bytes = [UInt8(value & 0x7F)]
        value >>= 7
        while value > 0 {
            bytes.insert(UInt8(0x80 | (value & 0x7F)), at: 0)
            value >>= 7
        }
        return bytes
    }

    static func bigEndian(_ value: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) }
    }
}

/// Renders MIDI to audio with fluidsynth and a General MIDI soundfont.
public enum Synthesizer {
    /// Debian's soundfonts, in order of preference.
    public static let soundfonts = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2", "/usr/share/sounds/sf2/TimGM6mb.sf2"]

    public static var available: Bool {
        Subprocess.locate("fluidsynth") != nil && soundfonts.contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// Writes a 44.1 kHz WAV of `midi` to `output`.
    public static func render(_ midi: URL, to output: URL) async throws {
        guard let soundfont = soundfonts.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ToolError(code: .notFound, tool: "fluidsynth", message: "no General MIDI soundfont; install fluid-soundfont-gm")
        }
        let result = try await Subprocess.run("fluidsynth", ["-ni", "-g", "0.7", "-r", "44100", "-F", output.path, soundfont, midi.path], timeout: .seconds(300))
        guard result.succeeded, FileManager.default.fileExists(atPath: output.path) else {
            throw ToolError(code: .failed, tool: "fluidsynth", message: String(decoding: result.standardError.prefix(300), as: UTF8.self))
        }
    }
}
