import Foundation
import SQLKit

/// Tells an artist's followers about a release once it is public and has a
/// track ready to play. Enqueued whenever either might have become true;
/// each follower is notified about a release at most once.
struct ReleaseAnnouncer: JobHandler {
    static let kind = "announce_release"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var releaseId: UUID }

    let database: Database
    let realtime: Realtime

    static func enqueue(_ release: UUID, jobs: JobQueue, on sql: any SQLDatabase) async throws {
        try await jobs.enqueue(kind: kind, payload: Payload(releaseId: release), dedupeKey: "announce:\(release.text)", on: sql)
    }

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        let sql = database.sql
        guard let release = try await CatalogQueries.release(id: payload.releaseId, on: sql), release.visibility == .public else { return }
        let playable = try await sql.select().column("id").from("tracks")
            .where("release_id", .equal, release.id).where("state", .equal, "ready").where("visibility", .equal, "public")
            .first()
        guard playable != nil else { return }
        let already = Set(try await sql.select().column("user_id").from("notifications")
            .where("kind", .equal, AppNotification.Kind.release.rawValue).where("subject_id", .equal, release.id.text)
            .all(decodingColumn: "user_id", as: UUID.self))
        for follower in try await PresenceQueries.followers(of: release.artistId, on: sql) where !already.contains(follower) {
            await realtime.notify(follower, kind: .release, actor: release.artistId, subject: release.id.text, data: [
                "releaseId": release.id.text, "title": release.title,
            ])
        }
    }

    func gaveUp(_ job: Job, reason: String) async {}
}
