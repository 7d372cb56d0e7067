import BasedMedia
import Foundation
import Testing

@Suite("MIDI and synthesis")
struct MIDITests {
    @Test("variable-length quantities and key signatures follow the SMF specification")
    func encoding() {
        let file = MIDIFile(tempo: 120, key: .init(tonic: 9, minor: true))
        let bytes = Array(file.data())
        #expect(Array(bytes.prefix(14)) == Array("MThd".utf8) + [0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0])
        // 500,000 µs per quarter note at 120 BPM.
        #expect(bytes.windows(ofCount: 6).contains([0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]))
        // A minor: no sharps or flats, minor.
        #expect(bytes.windows(ofCount: 5).contains([0xFF, 0x59, 0x02, 0x00, 0x01]))
        #expect(MIDIFile.Key(tonic: 7, minor: false).sharps == 1)
        #expect(MIDIFile.Key(tonic: 5, minor: false).sharps == -1)
        #expect(MIDIFile.Key(tonic: 2, minor: true).sharps == -1)
        #expect(MIDIFile.Key(tonic: 10, minor: false).sharps == -2)
    }

    @Test("a composed piece renders through fluidsynth to audio of the expected length")
    func render() async throws {
        try #require(Synthesizer.available, "fluidsynth and a GM soundfont are installed by scripts/install-deps.sh")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("based-midi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let midi = directory.appendingPathComponent("piece.mid")
        let wav = directory.appendingPathComponent("piece.wav")
        let style = Composer.Style(chordProgram: 0, bassProgram: 33, leadProgram: 73, drums: true)
        try Composer(key: .init(tonic: 0, minor: false), tempo: 120, bars: 4, style: style, seed: 1).midi().data().write(to: midi)
        try await Synthesizer.render(midi, to: wav)
        let probe = try await AudioProbe.inspect(wav)
        // 4 bars at 120 BPM is 8 s, plus the 4 s closing chord and the synthesizer's release tail.
        #expect(probe.duration > 11 && probe.duration < 16)
        let loudness = try await Loudness.measure(wav, duration: probe.duration)
        #expect(loudness.integrated > -40)
    }
}

extension Array {
    func windows(ofCount count: Int) -> [[Element]] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { Array(self[$0..<($0 + count)]) }
    }
}
