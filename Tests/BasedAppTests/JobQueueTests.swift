import BasedAPI
@testable import BasedApp
import Foundation
import Logging
import SQLKit
import Testing

@Suite("Job queue", .serialized)
struct JobQueueTests {
    struct Payload: Codable { var n: Int }

    @Test("a job whose worker stops renewing its lease is claimed again, as another attempt")
    func leaseLapses() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 1), on: services.database.sql)
            let now = Date()
            let first = try #require(try await queue.claim(worker: "a", lease: .seconds(30), now: now))
            #expect(first.attempts == 1)
            #expect(try await queue.claim(worker: "b", lease: .seconds(30), now: now) == nil)
            // Worker a died: after its lease, b gets the job, as a second attempt.
            let again = try #require(try await queue.claim(worker: "b", lease: .seconds(30), now: now.addingTimeInterval(31)))
            #expect(again.id == first.id)
            #expect(again.attempts == 2)
            #expect(try again.decodePayload(Payload.self).n == 1)
        }
    }

    @Test("a worker whose lease was taken over can no longer renew the job")
    func lostLease() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 1), on: services.database.sql)
            let now = Date()
            let first = try #require(try await queue.claim(worker: "a", lease: .seconds(30), now: now))
            #expect(try await queue.renew(first, worker: "a", lease: .seconds(30)) == true)
            let again = try #require(try await queue.claim(worker: "b", lease: .seconds(30), now: now.addingTimeInterval(3600)))
            #expect(try await queue.renew(first, worker: "a", lease: .seconds(30)) == false)
            #expect(try await queue.renew(again, worker: "b", lease: .seconds(30)) == true)
        }
    }

    @Test("a finished job is not claimed again")
    func finishedJob() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 1), on: services.database.sql)
            let now = Date()
            let first = try #require(try await queue.claim(worker: "a", lease: .seconds(30), now: now))
            let again = try #require(try await queue.claim(worker: "b", lease: .seconds(30), now: now.addingTimeInterval(31)))
            // a, which lost the job, cannot finish it; b does.
            try await queue.complete(first, worker: "a")
            #expect(try await queue.job(id: first.id)?.state == .running)
            try await queue.complete(again, worker: "b")
            #expect(try await queue.job(id: first.id)?.state == .done)
            #expect(try await queue.claim(worker: "c", lease: .seconds(30), now: now.addingTimeInterval(3600)) == nil)
        }
    }

    @Test("a failed attempt is not retried before its backoff has passed")
    func backoff() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 2), maxAttempts: 2, on: services.database.sql)
            let now = Date()
            let first = try #require(try await queue.claim(worker: "w", lease: .seconds(30), now: now))
            #expect(try await queue.fail(first, worker: "w", error: "boom", now: now) == false)
            #expect(try await queue.job(id: first.id)?.state == .queued)
            #expect(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(1)) == nil)
            let second = try #require(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(6)))
            #expect(second.attempts == 2)
        }
    }

    @Test("after its last attempt a job ends failed, with the last error")
    func lastAttempt() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 2), maxAttempts: 2, on: services.database.sql)
            let now = Date()
            let first = try #require(try await queue.claim(worker: "w", lease: .seconds(30), now: now))
            #expect(try await queue.fail(first, worker: "w", error: "boom", now: now) == false)
            let second = try #require(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(6)))
            #expect(try await queue.fail(second, worker: "w", error: "boom again", now: now.addingTimeInterval(6)) == true)
            let job = try await queue.job(id: first.id)
            #expect(job?.state == .failed)
            #expect(job?.lastError == "boom again")
            #expect(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(3600)) == nil)
        }
    }

    @Test("a job enqueued to run later is not taken before its time")
    func runLater() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            let now = Date()
            try await queue.enqueue(kind: "test", payload: Payload(n: 5), runAt: now.addingTimeInterval(600), on: services.database.sql)
            #expect(try await queue.claim(worker: "w", lease: .seconds(30), now: now) == nil)
            #expect(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(599)) == nil)
            let due = try #require(try await queue.claim(worker: "w", lease: .seconds(30), now: now.addingTimeInterval(601)))
            #expect(try due.decodePayload(Payload.self).n == 5)
        }
    }

    @Test("one unfinished job per dedupe key")
    func dedupe() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            for _ in 0..<3 { try await queue.enqueue(kind: "test", payload: Payload(n: 3), dedupeKey: "k", on: services.database.sql) }
            #expect(try await queue.jobs(kind: "test").count == 1)
        }
    }

    @Test("once its job has finished, a dedupe key may be used again")
    func dedupeKeyFreed() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let queue = services.jobs
            try await queue.enqueue(kind: "test", payload: Payload(n: 3), dedupeKey: "k", on: services.database.sql)
            let job = try #require(try await queue.claim(worker: "w", lease: .seconds(30)))
            try await queue.complete(job, worker: "w")
            try await queue.enqueue(kind: "test", payload: Payload(n: 4), dedupeKey: "k", on: services.database.sql)
            let jobs = try await queue.jobs(kind: "test")
            #expect(jobs.count == 2)
            #expect(Set(try jobs.map { try $0.decodePayload(Payload.self).n }) == [3, 4])
        }
    }

    @Test("a track whose processing keeps failing ends failed with the reason")
    func processingGivesUp() async throws {
        let audio = try await makeAudio(seconds: 2)
        try await withApp({ $0.workers = 0 }) { client, services in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(Schemas.Track.self)
            let hash = try #require(try await services.database.sql.raw("SELECT original_hash FROM tracks").first(decodingColumn: "original_hash", as: String.self))
            // The original disappears (a broken disk): the job cannot succeed and says why.
            let original = services.blobs.original(hash: hash)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: original.path)
            try FileManager.default.removeItem(at: original)
            let worker = services.worker(concurrency: 1)
            let job = try #require(try await services.jobs.claim(worker: "w", lease: .seconds(30)))
            await worker.execute(job, worker: "w")
            let failed = try await client.request(.get, "/api/v1/tracks/\(track.id)", token: ana.accessToken).decode(Schemas.Track.self)
            #expect(failed.state == .failed)
            #expect(failed.failureReason == "the original file is missing")
        }
    }
}

@Suite("Transcode cache")
struct TranscodeCacheTests {
    @Test("over its cap, the cache drops the least recently used files first; partial files are never counted or dropped")
    func eviction() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("based-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("track")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let now = Date()
        for (index, name) in ["old.mp3", "middle.mp3", "new.mp3", "writing.mp3.part"].enumerated() {
            let file = folder.appendingPathComponent(name)
            try Data(repeating: 1, count: 1000).write(to: file)
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(Double(index) * 60)], ofItemAtPath: file.path)
        }
        let cache = LiveTranscoder(root: root, capacity: 2000, concurrency: 2, logger: Logger(label: "test"))
        await cache.evict()
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == ["middle.mp3", "new.mp3", "writing.mp3.part"])
    }
}

@Suite("HTTP dates")
struct HTTPDateTests {
    @Test("Last-Modified uses RFC 9110's IMF-fixdate")
    func imfFixdate() {
        #expect(StreamRoutes.httpDate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(StreamRoutes.httpDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
