@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `CatalogQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Catalog queries", .serialized)
struct CatalogQueriesTests {
    @Test("a track lookup by original hash finds only that artist's")
    func trackByHash() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let bob = try await makeUser("bob", role: .artist, services)
            let anas = try await makeTrack(artist: ana, hash: "same", services)
            let bobs = try await makeTrack(artist: bob, hash: "same", services)
            #expect(try await CatalogQueries.track(artist: ana, originalHash: "same", on: sql)?.id == anas.id)
            #expect(try await CatalogQueries.track(artist: bob, originalHash: "same", on: sql)?.id == bobs.id)
            #expect(try await CatalogQueries.track(artist: ana, originalHash: "other", on: sql) == nil)
        }
    }

    @Test("an original is counted in use by every artist's track that shares it")
    func tracksUsingOriginal() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let bob = try await makeUser("bob", role: .artist, services)
            let anas = try await makeTrack(artist: ana, hash: "same", services)
            _ = try await makeTrack(artist: bob, hash: "same", services)
            _ = try await makeTrack(artist: bob, hash: "other", services)
            #expect(try await CatalogQueries.tracksUsing(originalHash: "same", on: sql) == 2)
            try await CatalogQueries.deleteTrack(id: anas.id, on: sql)
            #expect(try await CatalogQueries.tracksUsing(originalHash: "same", on: sql) == 1)
            #expect(try await CatalogQueries.tracksUsing(originalHash: "none", on: sql) == 0)
            #expect(try await CatalogQueries.track(id: anas.id, on: sql) == nil)
        }
    }

    @Test("paging an artist's tracks past a cursor returns the next ones, newest first, and none twice")
    func artistTracksPage() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let bob = try await makeUser("bob", role: .artist, services)
            let start = wholeSecond()
            var made: [Track] = []
            for index in 0..<5 {
                made.append(try await makeTrack(artist: ana, hash: "h\(index)", at: start.addingTimeInterval(TimeInterval(index)), services))
            }
            _ = try await makeTrack(artist: bob, hash: "b", services)
            var seen: [Track] = []
            var before: UUID?
            while true {
                let page = try await CatalogQueries.tracks(artist: ana, includeHidden: true, before: before, limit: 2, on: sql)
                seen += page
                guard page.count == 2 else { break }
                before = page.last?.id
            }
            #expect(seen.map(\.id) == made.reversed().map(\.id))
        }
    }

    @Test("others see only an artist's public, ready tracks; the artist sees all")
    func hiddenTracks() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let start = wholeSecond()
            let listed = try await makeTrack(artist: ana, hash: "a", at: start, services)
            let unlisted = try await makeTrack(artist: ana, hash: "b", visibility: .unlisted, at: start.addingTimeInterval(1), services)
            let privateOne = try await makeTrack(artist: ana, hash: "c", visibility: .private, at: start.addingTimeInterval(2), services)
            let processing = try await makeTrack(artist: ana, hash: "d", state: .processing, at: start.addingTimeInterval(3), services)
            #expect(try await CatalogQueries.tracks(artist: ana, includeHidden: false, before: nil, limit: 10, on: sql).map(\.id) == [listed.id])
            #expect(try await CatalogQueries.tracks(artist: ana, includeHidden: true, before: nil, limit: 10, on: sql).map(\.id)
                == [processing.id, privateOne.id, unlisted.id, listed.id])
        }
    }

    @Test("a release's tracks come in disc and track order")
    func releaseTracks() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let release = try await makeRelease(artist: ana, services)
            var tracks: [String: Track] = [:]
            for (disc, number) in [(2, 1), (1, 2), (1, 1), (2, 3)] {
                var track = try await makeTrack(artist: ana, hash: "\(disc)-\(number)", services)
                track.releaseId = release.id
                track.discNumber = disc
                track.trackNumber = number
                try await CatalogQueries.update(track, on: sql)
                tracks["\(disc)-\(number)"] = track
            }
            _ = try await makeTrack(artist: ana, hash: "loose", services)
            let ordered = try await CatalogQueries.tracks(release: release.id, on: sql)
            #expect(ordered.map(\.id) == ["1-1", "1-2", "2-1", "2-3"].compactMap { tracks[$0]?.id })
        }
    }

    @Test("a track reads back as it was written, and an update replaces every column")
    func trackRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let release = try await makeRelease(artist: ana, services)
            var track = try await makeTrack(artist: ana, hash: "a", services)
            #expect(try await CatalogQueries.track(id: track.id, on: sql) == track)
            track.releaseId = release.id
            track.title = "Renamed"
            track.genre = nil
            track.loudnessLufs = -14.5
            track.explicit = true
            try await CatalogQueries.update(track, on: sql)
            #expect(try await CatalogQueries.track(id: track.id, on: sql) == track)
            track.releaseId = nil
            try await CatalogQueries.update(track, on: sql)
            #expect(try await CatalogQueries.track(id: track.id, on: sql)?.releaseId == nil)
        }
    }

    @Test("deleting a release keeps its tracks, without the release")
    func deleteRelease() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let release = try await makeRelease(artist: ana, services)
            var track = try await makeTrack(artist: ana, hash: "a", services)
            track.releaseId = release.id
            try await CatalogQueries.update(track, on: sql)
            try await CatalogQueries.deleteRelease(id: release.id, on: sql)
            #expect(try await CatalogQueries.release(id: release.id, on: sql) == nil)
            let kept = try #require(try await CatalogQueries.track(id: track.id, on: sql))
            #expect(kept.releaseId == nil)
        }
    }

    @Test("an artist's releases page newest first; others see only the public ones")
    func artistReleases() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            let bob = try await makeUser("bob", role: .artist, services)
            let start = wholeSecond()
            let first = try await makeRelease(artist: ana, at: start, services)
            let hidden = try await makeRelease(artist: ana, visibility: .private, at: start.addingTimeInterval(1), services)
            let third = try await makeRelease(artist: ana, at: start.addingTimeInterval(2), services)
            _ = try await makeRelease(artist: bob, at: start.addingTimeInterval(3), services)
            #expect(try await CatalogQueries.releases(artist: ana, includeHidden: false, before: nil, limit: 10, on: sql).map(\.id) == [third.id, first.id])
            let page = try await CatalogQueries.releases(artist: ana, includeHidden: true, before: nil, limit: 2, on: sql)
            #expect(page.map(\.id) == [third.id, hidden.id])
            let rest = try await CatalogQueries.releases(artist: ana, includeHidden: true, before: page.last?.id, limit: 2, on: sql)
            #expect(rest.map(\.id) == [first.id])
        }
    }

    @Test("a release reads back as it was written, and an update replaces every column")
    func releaseRoundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", role: .artist, services)
            var release = try await makeRelease(artist: ana, services)
            #expect(try await CatalogQueries.release(id: release.id, on: sql) == release)
            release.title = "Second Title"
            release.releaseDate = nil
            release.visibility = .unlisted
            try await CatalogQueries.update(release, on: sql)
            #expect(try await CatalogQueries.release(id: release.id, on: sql) == release)
        }
    }

    // MARK: Rows

    /// A ready, public track of `artist`, made at `at` (which orders ids).
    private func makeTrack(
        artist: UUID, hash: String, visibility: Visibility = .public, state: TrackState = .ready, at: Date = wholeSecond(), _ services: AppServices
    ) async throws -> Track {
        let track = Track(
            id: .v7(now: at), artistId: artist, releaseId: nil, title: "Track \(hash)", featured: "[]", trackNumber: nil, discNumber: nil,
            genre: "Dub", tags: "[]", explicit: false, visibility: visibility, state: state, failureReason: nil, progress: "{}",
            originalHash: hash, originalFormat: "mp3", originalSize: 1000, originalFilename: "\(hash).mp3", durationSeconds: 4,
            sampleRate: 44_100, channels: 2, loudnessLufs: nil, truePeakDbtp: nil, replayGainDb: nil, waveform: nil, artworkHash: nil,
            year: 2026, createdAt: wholeSecond(at), updatedAt: wholeSecond(at)
        )
        try await CatalogQueries.insert(track, on: services.database.sql)
        return track
    }

    /// A public album of `artist`, made at `at` (which orders ids).
    private func makeRelease(artist: UUID, visibility: Visibility = .public, at: Date = wholeSecond(), _ services: AppServices) async throws -> Release {
        let release = Release(
            id: .v7(now: at), artistId: artist, title: "Album", kind: .album, releaseDate: "2026-05-01",
            credits: #"[{"name":"Cy","role":"Mixing"}]"#, artworkHash: nil, visibility: visibility,
            createdAt: wholeSecond(at), updatedAt: wholeSecond(at)
        )
        try await CatalogQueries.insert(release, on: services.database.sql)
        return release
    }
}
