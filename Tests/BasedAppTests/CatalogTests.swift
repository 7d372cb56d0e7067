import BasedAPI
import BasedApp
import BasedMedia
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

@Suite("Uploads and processing", .serialized)
struct CatalogTests {
    @Test("metadata edited while a track processes survives the processing")
    func editDuringProcessing() async throws {
        let audio = try await makeAudio(seconds: 3, format: "wav")
        try await withApp({ $0.workers = 0 }) { client, services in
            let nova = try await client.register("nova", role: "artist")
            let track = try await client.upload(audio, token: nova.accessToken).decode(TrackBody.self)
            #expect(track.state == "processing")
            // The processing job has read the track and done its first steps when the artist edits it.
            let worker = services.worker(concurrency: 1)
            let job = try #require(try await services.jobs.claim(worker: "test", lease: .seconds(120)))
            let processing = Task { await worker.execute(job, worker: "test") }
            var steps: [String: String] = [:]
            for _ in 0..<400 where steps["loudness"] == nil {
                try await Task.sleep(for: .milliseconds(10))
                steps = try await client.request(.get, "/api/v1/tracks/\(track.id)", token: nova.accessToken).decode(TrackBody.self).progress
            }
            #expect(steps["loudness"] == "done" && steps["hls"] == nil, "the edit lands between steps")
            let edit = #"{"title":"Renamed while processing","genre":"Ambient","visibility":"unlisted"}"#
            #expect(try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: edit, token: nova.accessToken).status == .ok)
            await processing.value
            while let next = try await services.jobs.claim(worker: "test", lease: .seconds(120)) {
                await worker.execute(next, worker: "test")
            }
            let after = try await client.request(.get, "/api/v1/tracks/\(track.id)", token: nova.accessToken).decode(TrackBody.self)
            #expect(after.state == "ready")
            #expect(after.title == "Renamed while processing")
            #expect(after.genre == "Ambient" && after.visibility == "unlisted")
        }
    }

    @Test("an artist's upload is probed and tagged, and starts processing")
    func uploadIsTagged() async throws {
        let audio = try await taggedAudio()
        try await withApp { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let response = try await client.upload(audio, token: ana.accessToken, query: "filename=night%20bus.flac")
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let created = try response.decode(Schemas.Track.self)
            #expect(created.state == .processing)
            #expect(created.title == "Night Bus")
            #expect(created.featured == ["Bob", "Cy"])
            #expect(created.trackNumber == 3)
            #expect(created.year == 2024)
            #expect(created.genre == "Dub")
            #expect(created.releaseId != nil)
            #expect(created.originalFormat == "flac")
            #expect(created.originalFilename == "night bus.flac")
        }
    }

    @Test("processing ends ready with every step done, the loudness measured and the artwork served")
    func processingEndsReady() async throws {
        let audio = try await taggedAudio()
        try await withApp { client, _ in
            let (_, ready) = try await uploadAndProcess(audio, client)
            #expect(ready.state == .ready, "\(ready.failureReason ?? "")")
            #expect(ready.progress.additionalProperties == ["fingerprint": "done", "loudness": "done", "waveform": "done", "artwork": "done", "renditions": "done", "hls": "done"])
            let loudness = try #require(ready.loudness)
            // A full-scale-ish sine from lavfi: about -21 LUFS; the gain brings it to -18.
            #expect(loudness.integratedLufs < -10 && loudness.integratedLufs > -40)
            #expect(abs(loudness.replayGainDb - (-18 - loudness.integratedLufs)) < 0.001)
            let artwork = try #require(ready.artwork)
            #expect(try await client.request(.get, artwork.small).headers[.contentType] == "image/jpeg")
        }
    }

    @Test("a processed track has every progressive rendition at its length and an HLS ladder")
    func renditions() async throws {
        let audio = try await taggedAudio()
        try await withApp { client, services in
            let (_, ready) = try await uploadAndProcess(audio, client)
            #expect(ready.state == .ready, "\(ready.failureReason ?? "")")
            let folder = services.blobs.renditions(track: ready.id)
            for rendition in Rendition.progressive {
                let file = folder.appendingPathComponent(rendition.fileName)
                let probe = try await AudioProbe.inspect(file)
                #expect(probe.codec == rendition.codec.rawValue, "\(rendition.fileName)")
                #expect(abs(probe.duration - 5) < 0.2)
            }
            let master = try String(contentsOf: folder.appendingPathComponent("hls/master.m3u8"), encoding: .utf8)
            #expect(master.components(separatedBy: "#EXT-X-STREAM-INF").count == 4)
        }
    }

    @Test("a processed track's waveform is 800 peaks between 0 and 1")
    func waveform() async throws {
        let audio = try await taggedAudio()
        try await withApp { client, _ in
            let (_, ready) = try await uploadAndProcess(audio, client)
            let waveform = try await client.request(.get, "/api/v1/tracks/\(ready.id)/waveform").decode(Operations.GetWaveform.Output.Ok.Body.JsonPayload.self)
            #expect(waveform.peaks.count == 800)
            #expect(waveform.peaks.allSatisfy { (0...1).contains($0) })
            #expect(waveform.peaks.max()! > 0.1)
        }
    }

    @Test("a processed public track is listed on its artist's page")
    func listedOnArtistPage() async throws {
        let audio = try await taggedAudio()
        try await withApp { client, _ in
            let (_, ready) = try await uploadAndProcess(audio, client)
            let page = try await client.request(.get, "/api/v1/users/ana/tracks").decode(Schemas.TrackPage.self)
            #expect(page.items.map(\.id) == [ready.id])
        }
    }

    @Test("what is not acceptable audio is refused with a reason and leaves nothing behind")
    func badUploads() async throws {
        let good = try await makeAudio(seconds: 6)
        let truncated = Array(good.prefix(good.count / 3))
        let corrupt = good.enumerated().map { $0.offset >= 2000 && $0.offset % 50 == 0 ? $0.element ^ 0x5A : $0.element }
        let short = try await makeAudio(seconds: 0.4)
        let video = try await makeImage(width: 64, height: 64, format: "png")
        let bomb = try await silentFLAC(seconds: 3 * 3600 + 60)
        try await withApp({ $0.maxUploadBytes = 3_000_000 }) { client, services in
            let ana = try await client.register("ana", role: "artist")
            let cases: [([UInt8], HTTPResponse.Status, String)] = [
                (Array("ID3 this is just text in a file named song.mp3".utf8), .unsupportedMediaType, "unsupported_media_type"),
                ([], .unprocessableContent, "validation_failed"),
                (truncated, .unprocessableContent, "invalid_audio"),
                (corrupt, .unprocessableContent, "invalid_audio"),
                (short, .unprocessableContent, "invalid_audio"),
                (video, .unsupportedMediaType, "unsupported_media_type"),
                (bomb, .unprocessableContent, "invalid_audio"),
                ([UInt8](repeating: 0, count: 3_100_000), .contentTooLarge, "payload_too_large"),
            ]
            for (bytes, status, code) in cases {
                let response = try await client.upload(bytes, token: ana.accessToken, query: "filename=song.mp3")
                #expect(response.status == status, "\(code): \(String(buffer: response.body))")
                #expect(try response.problem().code == code)
            }
            let tracks = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self)
            #expect(tracks == 0)
            let jobs = try await services.database.sql.raw("SELECT COUNT(*) AS n FROM jobs").first(decodingColumn: "n", as: Int.self)
            #expect(jobs == 0)
            #expect(try regularFiles(under: services.blobs.root).isEmpty)
        }
    }

    @Test("listeners cannot upload")
    func listenersCannotUpload() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, services in
            let fan = try await client.register("fan")
            let listener = try await client.upload(audio, token: fan.accessToken)
            #expect(listener.status == .forbidden)
            #expect(try await tracks(services) == 0)
        }
    }

    @Test("nobody uploads without a session")
    func anonymousUpload() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, services in
            let anonymous = try await client.execute(uri: "/api/v1/tracks", method: .post, headers: [:], body: ByteBuffer(bytes: audio))
            #expect(anonymous.status == .unauthorized)
            #expect(try await tracks(services) == 0)
        }
    }

    @Test("the same file arriving several times at once is one track; the others are conflicts")
    func concurrentDuplicates() async throws {
        let audio = try await makeAudio(seconds: 3)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<3 { group.addTask { try await client.upload(audio, token: ana.accessToken).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 2)
            #expect(try await tracks(services) == 1)
        }
    }

    @Test("the same file again is reported with the track it duplicates, and stored once")
    func duplicateReported() async throws {
        let audio = try await makeAudio(seconds: 3)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let first = try await client.upload(audio, token: ana.accessToken).decode(Schemas.Track.self)
            let again = try await client.upload(audio, token: ana.accessToken)
            #expect(again.status == .conflict)
            let problem = try again.problem()
            #expect(problem.code == "duplicate_upload")
            #expect(problem.fields?.first?.field == "trackId")
            #expect(problem.fields?.first?.message == first.id)
            let originals = try regularFiles(under: services.blobs.root.appendingPathComponent("originals"))
            #expect(originals.count == 1)
        }
    }

    @Test("another artist may upload the same file; it is stored once")
    func sameFileOtherArtist() async throws {
        let audio = try await makeAudio(seconds: 3)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let bob = try await client.register("bob", role: "artist")
            #expect(try await client.upload(audio, token: ana.accessToken).status == .created)
            #expect(try await client.upload(audio, token: bob.accessToken).status == .created)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("originals")).count == 1)
        }
    }

    @Test("a file name is metadata only: path traversal is cut away")
    func filenameTraversal() async throws {
        let audio = try await makeAudio(seconds: 2, frequency: 300)
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let traversal = try await client.upload(audio, token: ana.accessToken, query: "filename=..%2F..%2Fetc%2Fpasswd").decode(Schemas.Track.self)
            #expect(traversal.originalFilename == "passwd")
            #expect(traversal.title == "passwd")
            #expect(!FileManager.default.fileExists(atPath: services.configuration.dataDirectory.deletingLastPathComponent().appendingPathComponent("etc/passwd").path))
        }
    }

    @Test("a Unicode file name is kept, without control characters")
    func filenameUnicode() async throws {
        let audio = try await makeAudio(seconds: 2, frequency: 500)
        try await withApp { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let unicode = try await client.upload(audio, token: ana.accessToken, query: "filename=%E6%9D%B1%E4%BA%AC%20%F0%9F%8E%B8%0A.mp3").decode(Schemas.Track.self)
            #expect(unicode.originalFilename == "東京 🎸.mp3")
        }
    }

    @Test("another artist can neither edit nor delete a track")
    func othersCannotEditTracks() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, _ in
            let (ana, track) = try await processedTrack(audio, client)
            let bob = try await client.register("bob", role: "artist")
            let refused = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"Mine now"}"#, token: bob.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try await client.request(.delete, "/api/v1/tracks/\(track.id)", token: bob.accessToken).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: ana.accessToken).decode(Schemas.Track.self).title == track.title)
        }
    }

    @Test("an invalid track edit names every bad field")
    func invalidTrackEdit() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, _ in
            let (ana, track) = try await processedTrack(audio, client)
            let invalid = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"","trackNumber":0}"#, token: ana.accessToken)
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(try invalid.problem().fields?.map(\.field) ?? []) == ["title", "trackNumber"])
        }
    }

    @Test("the artist's edit applies, and a private track is hidden from others")
    func editTrack() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, _ in
            let (ana, track) = try await processedTrack(audio, client)
            let bob = try await client.register("bob", role: "artist")
            let edited = try await client.request(.patch, "/api/v1/tracks/\(track.id)", json: #"{"title":"Renamed","visibility":"private","tags":["late night"]}"#, token: ana.accessToken)
            #expect(edited.status == .ok)
            let body = try edited.decode(Schemas.Track.self)
            #expect(body.visibility == ._private)
            #expect(body.title == "Renamed")
            #expect(body.tags == ["late night"])
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: bob.accessToken).status == .notFound)
        }
    }

    @Test("the artist's delete removes the track and its files")
    func deleteTrack() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp { client, services in
            let (ana, track) = try await processedTrack(audio, client)
            #expect(try await client.request(.delete, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/tracks/\(track.id)", token: ana.accessToken).status == .notFound)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("renditions")).isEmpty)
            #expect(try regularFiles(under: services.blobs.root.appendingPathComponent("originals")).isEmpty)
        }
    }

    @Test("listeners do not make releases")
    func listenersMakeNoReleases() async throws {
        try await withApp { client, _ in
            let fan = try await client.register("fan")
            #expect(try await client.request(.post, "/api/v1/releases", json: #"{"title":"Nope"}"#, token: fan.accessToken).status == .forbidden)
        }
    }

    @Test("a release needs a title")
    func releaseNeedsTitle() async throws {
        try await withApp { client, _ in
            let ana = try await client.register("ana", role: "artist")
            let missing = try await client.request(.post, "/api/v1/releases", json: #"{"kind":"ep"}"#, token: ana.accessToken)
            #expect(missing.status == .unprocessableContent)
        }
    }

    @Test("a private release is hidden from others, who cannot change it either")
    func privateRelease() async throws {
        try await withApp { client, _ in
            let (_, release) = try await privateEP(client)
            let fan = try await client.register("fan")
            #expect(release.visibility == ._private)
            #expect(release.kind == .ep)
            #expect(release.credits.map(\.name) == ["Cy"])
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .notFound)
            #expect(try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"title":"x"}"#, token: fan.accessToken).status == .notFound)
        }
    }

    @Test("a release date that is not a date is refused")
    func badReleaseDate() async throws {
        try await withApp { client, _ in
            let (ana, release) = try await privateEP(client)
            let badDate = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"releaseDate":"May 1st"}"#, token: ana.accessToken)
            #expect(badDate.status == .unprocessableContent)
        }
    }

    @Test("a published release is visible to everyone")
    func publishRelease() async throws {
        try await withApp { client, _ in
            let (ana, release) = try await privateEP(client)
            let fan = try await client.register("fan")
            let published = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"visibility":"public"}"#, token: ana.accessToken)
            #expect(try published.decode(Schemas.Release.self).visibility == ._public)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .ok)
        }
    }

    @Test("only its artist deletes a release")
    func deleteRelease() async throws {
        try await withApp { client, _ in
            let (ana, release) = try await privateEP(client)
            let fan = try await client.register("fan")
            _ = try await client.request(.patch, "/api/v1/releases/\(release.id)", json: #"{"visibility":"public"}"#, token: ana.accessToken)
            #expect(try await client.request(.delete, "/api/v1/releases/\(release.id)", token: fan.accessToken).status == .forbidden)
            #expect(try await client.request(.delete, "/api/v1/releases/\(release.id)", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/releases/\(release.id)", token: ana.accessToken).status == .notFound)
        }
    }

    @Test("a release id that is not a UUID is not found")
    func releaseIdNotUUID() async throws {
        try await withApp { client, _ in
            let response = try await client.request(.get, "/api/v1/releases/not-a-uuid")
            #expect(response.status == .notFound)
        }
    }

    // MARK: Helpers

    /// Five seconds of FLAC with tags and a cover.
    private func taggedAudio() async throws -> [UInt8] {
        try await makeAudio(seconds: 5, format: "flac", tags: [
            "title": "Night Bus", "artist": "Ana feat. Bob & Cy", "album": "Late Lines", "track": "3/9", "date": "2024-05-01", "genre": "Dub",
        ], cover: true)
    }

    /// Ana, an artist, uploads `audio`; returns her session and the track once processing has ended.
    private func uploadAndProcess(_ audio: [UInt8], _ client: any TestClientProtocol) async throws -> (SessionBody, Schemas.Track) {
        let ana = try await client.register("ana", role: "artist")
        let response = try await client.upload(audio, token: ana.accessToken, query: "filename=night%20bus.flac")
        #expect(response.status == .created, "\(String(buffer: response.body))")
        let created = try response.decode(Schemas.Track.self)
        return (ana, try await client.waitUntilProcessed(created.id, token: ana.accessToken))
    }

    /// Like `uploadAndProcess`, checking that the track became ready.
    private func processedTrack(_ audio: [UInt8], _ client: any TestClientProtocol) async throws -> (SessionBody, Schemas.Track) {
        let (ana, track) = try await uploadAndProcess(audio, client)
        #expect(track.state == .ready, "\(track.failureReason ?? "")")
        return (ana, track)
    }

    /// Ana, an artist, makes a private EP.
    private func privateEP(_ client: any TestClientProtocol) async throws -> (SessionBody, Schemas.Release) {
        let ana = try await client.register("ana", role: "artist")
        let created = try await client.request(.post, "/api/v1/releases", json: #"{"title":"First EP","kind":"ep","releaseDate":"2026-05-01","credits":[{"role":"Mixing","name":"Cy"}],"visibility":"private"}"#, token: ana.accessToken)
        #expect(created.status == .created)
        return (ana, try created.decode(Schemas.Release.self))
    }

    private func tracks(_ services: AppServices) async throws -> Int {
        try await services.database.sql.raw("SELECT COUNT(*) AS n FROM tracks").first(decodingColumn: "n", as: Int.self) ?? -1
    }
}

/// Regular files under a folder, recursively (empty when it does not exist).
func regularFiles(under folder: URL) throws -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    return enumerator.compactMap { item in
        guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
        return url.path
    }
}

/// A small FLAC whose header promises hours of (silent) audio.
func silentFLAC(seconds: Int) async throws -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("based-bomb-\(UUID().uuidString).flac")
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try await Subprocess.run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "\(seconds)", "-c:a", "flac", file.path])
    #expect(result.succeeded)
    return Array(try Data(contentsOf: file))
}
