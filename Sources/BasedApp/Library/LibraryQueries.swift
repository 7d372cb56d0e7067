import Foundation
import SQLKit

/// The SQL of likes, resume positions and play queues.
enum LibraryQueries {
    // MARK: Likes

    /// Adds the like unless it is there; true when it was added.
    static func like(user: UUID, kind: LikeKind, target: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO likes (user_id, kind, target_id, created_at)
            VALUES (\(bind: user), \(bind: kind.rawValue), \(bind: target), \(bind: now))
            ON CONFLICT (user_id, kind, target_id) DO NOTHING RETURNING user_id
            """).first() != nil
    }

    struct HistoricalLike: Decodable {
        var userId: UUID
        var kind: String
        var targetId: UUID
        var createdAt: Date
    }

    /// Likes of tracks and releases given before `cutoff`, in key order after `after` (the analytics back-fill).
    static func historical(before cutoff: Date, after: (user: UUID, kind: String, target: UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalLike] {
        let after = after.map { SQLQueryString("AND (user_id, kind, target_id) > (\(bind: $0.user), \(bind: $0.kind), \(bind: $0.target))") }
        return try await sql.raw("""
            SELECT user_id, kind, target_id, created_at FROM likes
            WHERE created_at < \(bind: cutoff) AND kind IN ('track', 'release') \(after ?? "")
            ORDER BY user_id, kind, target_id LIMIT \(bind: limit)
            """).all(decoding: HistoricalLike.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Removes the like; true when there was one.
    static func unlike(user: UUID, kind: LikeKind, target: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            DELETE FROM likes WHERE user_id = \(bind: user) AND kind = \(bind: kind.rawValue) AND target_id = \(bind: target)
            RETURNING user_id
            """).first() != nil
    }

    /// Likes of each target (targets nobody liked are absent).
    static func counts(kind: LikeKind, targets: [UUID], on sql: any SQLDatabase) async throws -> [UUID: Int] {
        guard !targets.isEmpty else { return [:] }
        struct Row: Decodable { var targetId: UUID; var n: Int }
        let rows = try await sql.select().column("target_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("likes").where("kind", .equal, kind.rawValue).where("target_id", .in, targets).groupBy("target_id")
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.targetId, $0.n) }, uniquingKeysWith: { a, _ in a })
    }

    /// Which of the targets the user liked.
    static func liked(user: UUID, kind: LikeKind, targets: [UUID], on sql: any SQLDatabase) async throws -> Set<UUID> {
        guard !targets.isEmpty else { return [] }
        return Set(try await sql.select().column("target_id").from("likes").where("user_id", .equal, user)
            .where("kind", .equal, kind.rawValue).where("target_id", .in, targets)
            .all(decodingColumn: "target_id", as: UUID.self))
    }

    struct LikeRow: Decodable, Sendable {
        var targetId: UUID
        var createdAt: Date
        var id: UUID { targetId }
    }

    /// A page of the user's likes of one kind, newest first.
    static func likes(user: UUID, kind: LikeKind, after: (Date, UUID)?, limit: Int, on sql: any SQLDatabase) async throws -> [LikeRow] {
        let time = SQLColumn("created_at"), target = SQLColumn("target_id")
        let query = sql.select().columns("target_id", "created_at").from("likes")
            .where("user_id", .equal, user).where("kind", .equal, kind.rawValue)
        if let (date, id) = after {
            query.where {
                $0.where(time, .lessThan, SQLBind(date)).orWhere { $0.where(time, .equal, SQLBind(date)).where(target, .lessThan, SQLBind(id)) }
            }
        }
        return try await query.orderBy(time, SQLDirection.descending).orderBy(target, SQLDirection.descending).limit(limit)
            .all(decoding: LikeRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // MARK: Resume positions

    static func setResume(user: UUID, track: UUID, position: Double, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "resume_positions").columns("user_id", "track_id", "position_seconds", "updated_at")
            .values(SQLBind(user), SQLBind(track), SQLBind(position), SQLBind(now))
            .onConflict(with: ["user_id", "track_id"]) { $0.set(excludedValueOf: "position_seconds").set(excludedValueOf: "updated_at") }
            .run()
    }

    static func clearResume(user: UUID, track: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "resume_positions").where("user_id", .equal, user).where("track_id", .equal, track).run()
    }

    static func resume(user: UUID, tracks: [UUID], on sql: any SQLDatabase) async throws -> [ResumePosition] {
        guard !tracks.isEmpty else { return [] }
        struct Row: Decodable { var trackId: UUID; var positionSeconds: Double; var updatedAt: Date }
        return try await sql.select().columns("track_id", "position_seconds", "updated_at").from("resume_positions")
            .where("user_id", .equal, user).where("track_id", .in, tracks)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map { ResumePosition(trackID: $0.trackId, positionSeconds: $0.positionSeconds, updatedAt: $0.updatedAt) }
    }

    // MARK: Play queues

    struct QueueRow: Codable {
        var userId: UUID
        var trackIds: String
        var currentIndex: Int
        var positionSeconds: Double
        var device: String?
        var version: Int
        var updatedAt: Date

        var queue: PlayQueue {
            let ids = ((try? JSONDecoder().decode([String].self, from: Data(trackIds.utf8))) ?? []).compactMap(UUID.init(uuidString:))
            return PlayQueue(trackIDs: ids, index: currentIndex, positionSeconds: positionSeconds, device: device, version: version, updatedAt: updatedAt)
        }
    }

    static func queue(user: UUID, on sql: any SQLDatabase) async throws -> PlayQueue? {
        try await sql.select().column("*").from("play_queues").where("user_id", .equal, user)
            .first(decoding: QueueRow.self, keyDecodingStrategy: .snakeCaseColumns)?.queue
    }

    /// Stores the queue if the stored version is still `expected` (0: none
    /// stored yet); one conditional statement, so two devices saving at once
    /// cannot both win. True when it was stored.
    static func saveQueue(user: UUID, _ queue: PlayQueue, expected: Int, on sql: any SQLDatabase) async throws -> Bool {
        let ids = JSONText.encode(queue.trackIDs.map(\.text))
        if expected == 0 {
            let inserted = try await sql.insert(into: "play_queues")
                .columns("user_id", "track_ids", "current_index", "position_seconds", "device", "version", "updated_at")
                .values(SQLBind(user), SQLBind(ids), SQLBind(queue.index), SQLBind(queue.positionSeconds), SQLBind(queue.device),
                        SQLBind(queue.version), SQLBind(queue.updatedAt))
                .ignoringConflicts(with: ["user_id"])
                .returning("version")
                .all()
            return !inserted.isEmpty
        }
        let updated = try await sql.update("play_queues")
            .set("track_ids", to: ids).set("current_index", to: queue.index).set("position_seconds", to: queue.positionSeconds)
            .set("device", to: queue.device).set("version", to: queue.version).set("updated_at", to: queue.updatedAt)
            .where("user_id", .equal, user).where("version", .equal, expected)
            .returning("version")
            .all()
        return !updated.isEmpty
    }

    struct TrackLikeRow: Decodable, Sendable {
        var userId: UUID
        var targetId: UUID
        var createdAt: Date
    }

    /// Everyone's track likes, newest first, at most `limit`.
    static func trackLikes(limit: Int, on sql: any SQLDatabase) async throws -> [TrackLikeRow] {
        try await sql.select().columns("user_id", "target_id", "created_at").from("likes")
            .where("kind", .equal, LikeKind.track.rawValue)
            .orderBy("created_at", .descending).limit(limit)
            .all(decoding: TrackLikeRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }
}
