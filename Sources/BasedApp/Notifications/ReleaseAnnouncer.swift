import Foundation
import SQLKit

/// Tells an artist's followers about a release once it is public and has a
/// track ready to play. Enqueued whenever either might have become true;
/// each follower is notified about a release at most once.
struct ReleaseAnnouncer: JobHandler {
    static let kind = "announce_release"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var releaseId: UUID }

    let releases: ReleaseService
    let follows: FollowService
    let notifications: NotificationService
    let realtime: Realtime

    static func enqueue(_ release: UUID, jobs: JobQueue, on sql: any SQLDatabase) async throws {
        try await jobs.enqueue(kind: kind, payload: Payload(releaseId: release), dedupeKey: "announce:\(release.text)", on: sql)
    }

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        guard let release = try await releases.release(id: payload.releaseId), release.visibility == .public,
              try await releases.hasPlayableTrack(payload.releaseId)
        else { return }
        let already = try await notifications.recipients(of: .release, subject: release.id.text)
        for follower in try await follows.followerIDs(of: release.artistId) where !already.contains(follower) {
            await realtime.notify(follower, kind: .release, actor: release.artistId, subject: release.id.text, data: [
                "releaseId": release.id.text, "title": release.title,
            ])
        }
    }

    func gaveUp(_ job: Job, reason: String) async {}
}
