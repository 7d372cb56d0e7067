import Foundation
import SQLKit

/// The SQL of track comments.
enum CommentQueries {
    static func insert(_ comment: TrackComment, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "track_comments").model(comment, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func comment(id: UUID, on sql: any SQLDatabase) async throws -> TrackComment? {
        try await sql.select().column("*").from("track_comments").where("id", .equal, id)
            .first(decoding: TrackComment.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func setText(id: UUID, text: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.update("track_comments").set("text", to: text).set("edited_at", to: now).where("id", .equal, id).run()
    }

    static func delete(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_comments").where("id", .equal, id).run()
    }

    /// The author's comments that have replies pass to `ghost`, emptied.
    static func tombstone(author: UUID, ghost: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE track_comments SET author_id = \(bind: ghost), text = '', edited_at = NULL
            WHERE author_id = \(bind: author) AND EXISTS (SELECT 1 FROM track_comments r WHERE r.parent_id = track_comments.id)
            """).run()
    }

    static func delete(author: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_comments").where("author_id", .equal, author).run()
    }

    /// A page of a track's top-level comments, oldest first.
    static func comments(track: UUID, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [TrackComment] {
        let query = sql.select().column("*").from("track_comments").where("track_id", .equal, track).where("parent_id", .is, SQLLiteral.null)
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: TrackComment.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The replies to these comments, oldest first.
    static func replies(to parents: [UUID], on sql: any SQLDatabase) async throws -> [TrackComment] {
        guard !parents.isEmpty else { return [] }
        return try await sql.select().column("*").from("track_comments").where("parent_id", .in, parents)
            .orderBy("id").all(decoding: TrackComment.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func isOff(track: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("track_id").from("comments_off").where("track_id", .equal, track).first() != nil
    }

    static func setOff(track: UUID, off: Bool, now: Date, on sql: any SQLDatabase) async throws {
        if off {
            try await sql.insert(into: "comments_off").columns("track_id", "created_at").values(SQLBind(track), SQLBind(now))
                .ignoringConflicts(with: ["track_id"]).run()
        } else {
            try await sql.delete(from: "comments_off").where("track_id", .equal, track).run()
        }
    }

    /// A comment and every reply under it, parents first.
    static func thread(of id: UUID, on sql: any SQLDatabase) async throws -> [TrackComment] {
        try await sql.raw("""
            WITH RECURSIVE thread(id) AS (
                SELECT id FROM track_comments WHERE id = \(bind: id)
                UNION ALL SELECT c.id FROM track_comments c JOIN thread t ON c.parent_id = t.id
            )
            SELECT * FROM track_comments WHERE id IN (SELECT id FROM thread) ORDER BY created_at, id
            """).all(decoding: TrackComment.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func insertIfAbsent(_ comment: TrackComment, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "track_comments").model(comment, keyEncodingStrategy: .convertToSnakeCase).ignoringConflicts(with: ["id"]).run()
    }
}
