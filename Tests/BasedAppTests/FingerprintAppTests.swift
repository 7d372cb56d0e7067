import BasedAPI
import BasedMedia
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Fingerprints: identify and copyright", .serialized)
struct FingerprintAppTests {
    @Test("a noisy MP3 clip is identified with its offset; silence, a 1-second clip, text and unknown music are refused precisely")
    func identify() async throws {
        try await withApp { client, _ in
            let artist = try await client.register("melodist", role: "artist")
            let song = try await melody(seed: 3, seconds: 24, format: "flac")
            let created = try await client.upload(song, token: artist.accessToken, query: "title=Three").decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(created.id, token: artist.accessToken).state == .ready)
            let ana = try await client.register("ana")

            // A phone at a show: 7 s from 9 s in, noisy, squeezed into a 64 kbps MP3.
            let clip = try await excerpt(song, from: 9, seconds: 7, noise: 0.08, format: "mp3")
            let found = try await identify(client, clip, token: ana.accessToken)
            #expect(found.status == .ok, "\(String(buffer: found.body))")
            let identification = try found.decode(Schemas.Identification.self)
            #expect(identification.track.id == created.id)
            #expect(abs(identification.offsetSeconds - 9) < 0.5, "offset \(identification.offsetSeconds)")
            #expect(identification.score >= 10)

            let unknown = try await identify(client, try await excerpt(try await melody(seed: 11, seconds: 10, format: "wav"), from: 1, seconds: 7, noise: 0, format: "mp3"), token: ana.accessToken)
            #expect(unknown.status == .notFound)
            #expect(try unknown.problem().code == "no_match")
            let silence = try await identify(client, try await ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "6"], format: "wav"), token: ana.accessToken)
            #expect(silence.status == .unprocessableContent)
            #expect(try silence.problem().code == "no_audio")
            let short = try await identify(client, try await excerpt(song, from: 2, seconds: 1, noise: 0, format: "wav"), token: ana.accessToken)
            #expect(short.status == .unprocessableContent)
            #expect(try short.problem().code == "clip_too_short")
            let text = try await identify(client, Array("this is not audio at all".utf8), token: ana.accessToken)
            #expect(text.status == .unprocessableContent)
            #expect(try text.problem().code == "not_audio")
            #expect(try await client.execute(uri: "/api/v1/identify", method: .post, headers: [:], body: ByteBuffer(bytes: clip)).status == .unauthorized)
        }
    }

    @Test("a recording taken down for copyright is refused when another account uploads it trimmed, re-encoded and noisy; other music still goes through")
    func copyright() async throws {
        try await withApp { client, services in
            let owner = try await client.register("rightsholder", role: "artist")
            let song = try await melody(seed: 5, seconds: 30, format: "flac")
            let original = try await client.upload(song, token: owner.accessToken, query: "title=Five").decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(original.id, token: owner.accessToken).state == .ready)

            // Reported for copyright and taken down by a moderator.
            let ana = try await client.register("ana")
            let receipt = try await client.request(
                .post, "/api/v1/reports", json: #"{"kind":"track","id":"\#(original.id)","reason":"copyright","details":"my song"}"#, token: ana.accessToken
            ).decode(Schemas.ReportReceipt.self)
            let admin = try await signInAdmin(client, services)
            let decided = try await client.request(
                .post, "/api/v1/admin/moderation/cases/\(receipt.caseId)/decision", json: #"{"action":"hide","reason":"Not your recording."}"#,
                token: admin.accessToken
            )
            #expect(decided.status == .ok)

            let pirate = try await client.register("pirate", role: "artist")
            let copy = try await excerpt(song, from: 3, seconds: 24, noise: 0.05, format: "mp3")
            let upload = try await client.upload(copy, token: pirate.accessToken, query: "title=Mine").decode(Schemas.Track.self)
            let refused = try await client.waitUntilProcessed(upload.id, token: pirate.accessToken)
            #expect(refused.state == .failed)
            #expect(refused.failureReason?.contains("copyright") == true, "\(refused.failureReason ?? "no reason")")
            #expect(refused.failureReason?.contains(receipt.caseId) == true)

            let other = try await client.upload(try await melody(seed: 9, seconds: 20, format: "flac"), token: pirate.accessToken, query: "title=Nine")
                .decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(other.id, token: pirate.accessToken).state == .ready)
            // The taken-down track is not named to anyone identifying it.
            let clip = try await excerpt(song, from: 10, seconds: 7, noise: 0, format: "mp3")
            #expect(try await identify(client, clip, token: ana.accessToken).status == .notFound)
        }
    }

    @Test("a release taken down for copyright blocks every recording on it; reversing the decision unblocks them")
    func releaseCopyright() async throws {
        try await withApp { client, services in
            let owner = try await client.register("rightsholder", role: "artist")
            let song = try await melody(seed: 21, seconds: 24, format: "flac")
            let track = try await client.upload(song, token: owner.accessToken, query: "title=Twenty-one").decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(track.id, token: owner.accessToken).state == .ready)
            let release = try await client.request(.post, "/api/v1/releases", json: #"{"title":"Covers","kind":"single"}"#, token: owner.accessToken)
                .decode(Schemas.Release.self)
            #expect(try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"releaseId":"\#(release.id)"}"#, token: owner.accessToken).status == .ok)
            let ana = try await client.register("ana")
            let receipt = try await client.request(
                .post, "/api/v1/reports", json: #"{"kind":"release","id":"\#(release.id)","reason":"copyright","details":"my record"}"#, token: ana.accessToken
            ).decode(Schemas.ReportReceipt.self)
            let admin = try await signInAdmin(client, services)
            let decision = "/api/v1/admin/moderation/cases/\(receipt.caseId)/decision"
            #expect(try await client.request(.post, decision, json: #"{"action":"hide","reason":"Not your record."}"#, token: admin.accessToken).status == .ok)

            let pirate = try await client.register("pirate", role: "artist")
            let copy = try await excerpt(song, from: 2, seconds: 20, noise: 0.05, format: "mp3")
            let refused = try await client.waitUntilProcessed(
                try await client.upload(copy, token: pirate.accessToken, query: "title=Mine").decode(Schemas.Track.self).id, token: pirate.accessToken
            )
            #expect(refused.state == .failed)
            #expect(refused.failureReason?.contains(receipt.caseId) == true, "\(refused.failureReason ?? "no reason")")

            // The owner appeals; the takedown is reversed and the recording may come back.
            #expect(try await client.request(.post, "/api/v1/moderation/notices/\(receipt.caseId)/appeal", json: #"{"text":"It is mine."}"#, token: owner.accessToken).status == .ok)
            #expect(try await client.request(.post, decision, json: #"{"action":"reverse","reason":"Proof of rights."}"#, token: admin.accessToken).status == .ok)
            let otherCopy = try await excerpt(song, from: 3, seconds: 19, noise: 0.05, format: "mp3")
            let again = try await client.waitUntilProcessed(
                try await client.upload(otherCopy, token: pirate.accessToken, query: "title=Mine again").decode(Schemas.Track.self).id, token: pirate.accessToken
            )
            #expect(again.state == .ready)
        }
    }

    @Test("tracks processed before fingerprints existed get theirs from the backfill job, and can then be identified")
    func backfill() async throws {
        try await withApp { client, services in
            let artist = try await client.register("oldtimer", role: "artist")
            let song = try await melody(seed: 31, seconds: 20, format: "flac")
            let track = try await client.upload(song, token: artist.accessToken, query: "title=Old").decode(Schemas.Track.self)
            #expect(try await client.waitUntilProcessed(track.id, token: artist.accessToken).state == .ready)
            // As before migration 20: no fingerprint.
            try await services.database.sql.raw("DELETE FROM track_fingerprints").run()
            let ana = try await client.register("ana")
            let clip = try await excerpt(song, from: 5, seconds: 7, noise: 0.02, format: "mp3")
            #expect(try await identify(client, clip, token: ana.accessToken).status == .notFound)

            try await services.fingerprints.enqueueBackfill(jobs: services.jobs)
            var found = try await identify(client, clip, token: ana.accessToken)
            for _ in 0..<120 where found.status != .ok {
                try await Task.sleep(for: .milliseconds(250))
                found = try await identify(client, clip, token: ana.accessToken)
            }
            #expect(found.status == .ok)
            #expect(try found.decode(Schemas.Identification.self).track.id == track.id)
            #expect(try await rowCount("track_fingerprints", services) == 1)
        }
    }

    @Test("identifying is limited per listener (429 with Retry-After); others are not held back")
    func identifyLimit() async throws {
        try await withApp({ $0.identifyPerMinute = 2 }) { client, _ in
            let ana = try await client.register("ana")
            let ben = try await client.register("ben")
            let clip = try await excerpt(try await melody(seed: 41, seconds: 10, format: "wav"), from: 1, seconds: 6, noise: 0, format: "mp3")
            for _ in 0..<2 { #expect(try await identify(client, clip, token: ana.accessToken).status == .notFound) }
            let limited = try await identify(client, clip, token: ana.accessToken)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(try await identify(client, clip, token: ben.accessToken).status == .notFound)
        }
    }

    private func identify(_ client: some TestClientProtocol, _ bytes: [UInt8], token: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/identify", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"], body: ByteBuffer(bytes: bytes)
        )
    }

    /// A melody that `seed` picks at random: two voices of notes 0.12–0.5 s
    /// long on a chromatic range, with harmonics and a decaying envelope,
    /// written as 16-bit WAV and converted to `format` by ffmpeg.
    private func melody(seed: UInt64, seconds: Int, format: String) async throws -> [UInt8] {
        var random = SplitMix(state: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let rate = 44_100
        var samples = [Float](repeating: 0, count: rate * seconds)
        for (voice, (low, high)) in [(45, 69), (57, 84)].enumerated() {
            var start = 0
            while start < samples.count {
                let length = Int(Double(rate) * (0.12 + 0.38 * random.unit()))
                let frequency = 440 * pow(2, (Double(low) + Double(high - low) * random.unit() - 69) / 12)
                let loudness = (voice == 0 ? 0.3 : 0.22) * (0.6 + 0.4 * random.unit())
                for index in start..<min(start + length, samples.count) {
                    let t = Double(index - start) / Double(rate)
                    let envelope = exp(-3 * t) * min(1, t * 200)
                    let tone = sin(2 * .pi * frequency * t) + 0.5 * sin(4 * .pi * frequency * t) + 0.25 * sin(6 * .pi * frequency * t)
                    samples[index] += Float(loudness * envelope * tone / 1.75)
                }
                start += length
            }
        }
        var wav = Data("RIFF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        append(UInt32(36 + samples.count * 2))
        wav.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16)); append(UInt16(1)); append(UInt16(1)); append(UInt32(rate)); append(UInt32(rate * 2)); append(UInt16(2)); append(UInt16(16))
        wav.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        for sample in samples { append(Int16(max(-1, min(1, sample)) * 32_000)) }
        return format == "wav" ? Array(wav) : try await excerpt(Array(wav), from: 0, seconds: Double(seconds), noise: 0, format: format)
    }

    private struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    /// A part of `audio`, with white noise of amplitude `noise` mixed in.
    private func excerpt(_ audio: [UInt8], from start: Double, seconds: Double, noise: Double, format: String) async throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("based-fp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source")
        try Data(audio).write(to: source)
        var arguments = ["-ss", "\(start)", "-t", "\(seconds)", "-i", source.path]
        if noise > 0 {
            arguments += ["-f", "lavfi", "-i", "anoisesrc=color=white:amplitude=\(noise):r=44100",
                          "-filter_complex", "[0:a][1:a]amix=inputs=2:duration=first:normalize=0"]
        }
        return try await ffmpeg(arguments, format: format)
    }

    private func ffmpeg(_ inputs: [String], format: String) async throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("based-fp-\(UUID().uuidString).\(format)")
        defer { try? FileManager.default.removeItem(at: file) }
        let codec = format == "mp3" ? ["-b:a", "64k"] : []
        let result = try await Subprocess.run("ffmpeg", ["-nostdin", "-v", "error", "-y"] + inputs + codec + [file.path])
        #expect(result.succeeded, "\(String(decoding: result.standardError, as: UTF8.self))")
        return Array(try Data(contentsOf: file))
    }
}
