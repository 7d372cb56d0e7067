import Foundation

/// Writes short, deterministic pieces (chords, bass, melody, drums) in a
/// given key and tempo, so the project has real music of its own.
public struct Composer: Sendable {
    public struct Style: Sendable {
        public var chordProgram: Int
        public var bassProgram: Int
        public var leadProgram: Int
        public var drums: Bool

        public init(chordProgram: Int, bassProgram: Int, leadProgram: Int, drums: Bool) {
            self.chordProgram = chordProgram
            self.bassProgram = bassProgram
            self.leadProgram = leadProgram
            self.drums = drums
        }
    }

    public var key: MIDIFile.Key
    public var tempo: Double
    public var bars: Int
    public var style: Style
    public var seed: UInt64

    public init(key: MIDIFile.Key, tempo: Double, bars: Int, style: Style, seed: UInt64) {
        self.key = key
        self.tempo = tempo
        self.bars = bars
        self.style = style
        self.seed = seed
    }

    public func midi() -> MIDIFile {
        var file = MIDIFile(tempo: tempo, key: key)
        var random = SplitMix64(seed: seed)
        let beat = MIDIFile.ticksPerQuarter
        let bar = beat * 4
        file.program(style.chordProgram, channel: 0)
        file.program(style.bassProgram, channel: 1)
        file.program(style.leadProgram, channel: 2)
        // Scale degrees of each bar's chord: I–V–vi–IV in major, i–VI–III–VII in minor.
        let progression = key.minor ? [0, 5, 2, 6] : [0, 4, 5, 3]
        let root = 48 + key.tonic
        func pitch(degree: Int, octave: Int) -> Int {
            let scale = key.scale
            let wrapped = ((degree % 7) + 7) % 7
            return root + 12 * (octave + (degree - wrapped) / 7) + scale[wrapped]
        }
        var melodyDegree = 7
        for index in 0..<bars {
            let start = index * bar
            let chord = progression[index % progression.count]
            for third in [0, 2, 4] { file.note(pitch(degree: chord + third, octave: 1), at: start, length: bar - 20, velocity: 62, channel: 0) }
            for eighth in 0..<8 {
                file.note(pitch(degree: chord, octave: 0) - 12, at: start + eighth * beat / 2, length: beat / 2 - 30, velocity: eighth % 2 == 0 ? 96 : 78, channel: 1)
            }
            var tick = start
            while tick < start + bar {
                let length = random.next() % 3 == 0 ? beat : beat / 2
                melodyDegree += Int(random.next() % 5) - 2
                melodyDegree = min(max(melodyDegree, 4), 13)
                // Land on chord tones on the strong beats, so the key is heard.
                let degree = (tick - start) % (2 * beat) == 0 ? chord + [0, 2, 4][Int(random.next() % 3)] + 7 : melodyDegree
                file.note(pitch(degree: degree, octave: 1), at: tick, length: length - 20, velocity: 100, channel: 2)
                tick += length
            }
            if style.drums {
                for quarter in 0..<4 {
                    file.note(quarter % 2 == 0 ? 36 : 38, at: start + quarter * beat, length: beat / 4, velocity: 110, channel: 9)
                }
                for eighth in 0..<8 { file.note(42, at: start + eighth * beat / 2, length: beat / 8, velocity: 70, channel: 9) }
            }
        }
        // The last chord rings out.
        for third in [0, 2, 4] { file.note(pitch(degree: progression[0] + third, octave: 1), at: bars * bar, length: bar * 2, velocity: 70, channel: 0) }
        file.note(pitch(degree: progression[0], octave: 0) - 12, at: bars * bar, length: bar * 2, velocity: 90, channel: 1)
        return file
    }
}

/// A small, fast, seedable random number generator (SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A file read as a sequence of byte chunks, for feeding uploads from disk.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ArraySlice<UInt8>
    let url: URL
    let chunkSize: Int

    public init(_ url: URL, chunkSize: Int = 1 << 16) {
        self.url = url
        self.chunkSize = chunkSize
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        let chunkSize: Int
        var failed = false

        public mutating func next() async throws -> ArraySlice<UInt8>? {
            guard let handle else { throw CocoaError(.fileReadNoSuchFile) }
            guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ArraySlice(data)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: try? FileHandle(forReadingFrom: url), chunkSize: chunkSize)
    }
}
