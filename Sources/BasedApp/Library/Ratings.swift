import Foundation
import SQLKit

/// What a listener can rate (Subsonic apps rate songs and albums 1–5).
public enum RatingKind: String, Sendable, CaseIterable {
    case track, release
}

extension LibraryService {
    // MARK: Ratings

    /// Rates something the user may see from 1 to 5 stars; 0 removes the rating.
    public func setRating(_ identity: Identity, kind: RatingKind, target: UUID, rating: Int) async throws {
        guard (0...5).contains(rating) else { throw AppError.validation("rating", "must be 0 to 5") }
        try await requireVisible(kind == .track ? .track : .release, target, viewer: identity.userID)
        if rating == 0 {
            try await LibraryQueries.unrate(user: identity.userID, kind: kind, target: target, on: database.sql)
        } else {
            try await LibraryQueries.rate(user: identity.userID, kind: kind, target: target, rating: rating, now: Date(), on: database.sql)
        }
    }

    /// The user's ratings of these targets (unrated ones are absent).
    public func ratings(of user: UUID, kind: RatingKind, targets: [UUID]) async throws -> [UUID: Int] {
        try await LibraryQueries.ratings(user: user, kind: kind, targets: targets, on: database.sql)
    }

    /// The user's best-rated targets of a kind, best first.
    public func highestRated(by user: UUID, kind: RatingKind, offset: Int, limit: Int) async throws -> [UUID] {
        try await LibraryQueries.highestRated(user: user, kind: kind, offset: offset, limit: limit, on: database.sql)
    }

    // MARK: For apps that show when things were liked

    /// When the user liked each of these targets (ones not liked are absent).
    public func likedAt(_ user: UUID, kind: LikeKind, targets: [UUID]) async throws -> [UUID: Date] {
        try await LibraryQueries.likedAt(user: user, kind: kind, targets: targets, on: database.sql)
    }

    /// Every place the user stopped in a track, newest first (Subsonic's bookmarks).
    public func resumePositions(of user: UUID, limit: Int) async throws -> [ResumePosition] {
        try await LibraryQueries.resume(user: user, limit: limit, on: database.sql)
    }
}

extension LibraryQueries {
    static func rate(user: UUID, kind: RatingKind, target: UUID, rating: Int, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "ratings").columns("user_id", "kind", "target_id", "rating", "updated_at")
            .values(SQLBind(user), SQLBind(kind.rawValue), SQLBind(target), SQLBind(rating), SQLBind(now))
            .onConflict(with: ["user_id", "kind", "target_id"]) { $0.set(excludedValueOf: "rating").set(excludedValueOf: "updated_at") }
            .run()
    }

    static func unrate(user: UUID, kind: RatingKind, target: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "ratings").where("user_id", .equal, user).where("kind", .equal, kind.rawValue)
            .where("target_id", .equal, target).run()
    }

    static func ratings(user: UUID, kind: RatingKind, targets: [UUID], on sql: any SQLDatabase) async throws -> [UUID: Int] {
        guard !targets.isEmpty else { return [:] }
        struct Row: Decodable { var targetId: UUID; var rating: Int }
        let rows = try await sql.select().columns("target_id", "rating").from("ratings")
            .where("user_id", .equal, user).where("kind", .equal, kind.rawValue).where("target_id", .in, targets)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.targetId, $0.rating) }, uniquingKeysWith: { a, _ in a })
    }

    static func highestRated(user: UUID, kind: RatingKind, offset: Int, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("target_id").from("ratings")
            .where("user_id", .equal, user).where("kind", .equal, kind.rawValue)
            .orderBy("rating", .descending).orderBy("updated_at", .descending).orderBy("target_id")
            .limit(limit).offset(offset)
            .all(decodingColumn: "target_id", as: UUID.self)
    }

    static func likedAt(user: UUID, kind: LikeKind, targets: [UUID], on sql: any SQLDatabase) async throws -> [UUID: Date] {
        guard !targets.isEmpty else { return [:] }
        let rows = try await sql.select().columns("target_id", "created_at").from("likes").where("user_id", .equal, user)
            .where("kind", .equal, kind.rawValue).where("target_id", .in, targets)
            .all(decoding: LikeRow.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.targetId, $0.createdAt) }, uniquingKeysWith: { a, _ in a })
    }

    static func resume(user: UUID, limit: Int, on sql: any SQLDatabase) async throws -> [ResumePosition] {
        struct Row: Decodable { var trackId: UUID; var positionSeconds: Double; var updatedAt: Date }
        return try await sql.select().columns("track_id", "position_seconds", "updated_at").from("resume_positions")
            .where("user_id", .equal, user).orderBy("updated_at", .descending).limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map { ResumePosition(trackID: $0.trackId, positionSeconds: $0.positionSeconds, updatedAt: $0.updatedAt) }
    }
}
