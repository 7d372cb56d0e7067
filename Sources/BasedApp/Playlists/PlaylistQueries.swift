import Foundation
import SQLKit

/// The SQL of playlists, their operations and members.
enum PlaylistQueries {
    static func insert(_ playlist: Playlist, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "playlists").model(playlist, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func playlist(id: UUID, on sql: any SQLDatabase) async throws -> Playlist? {
        try await sql.select().column("*").from("playlists").where("id", .equal, id)
            .first(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The playlists with these ids, without their records (lists need none).
    static func summaries(ids: [UUID], on sql: any SQLDatabase) async throws -> [Playlist] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().columns(summaryColumns).column(SQLLiteral.string(""), as: "records").from("playlists")
            .where("id", .in, ids)
            .all(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static let summaryColumns: [any SQLExpression] = [
        "id", "owner_id", "title", "description", "visibility", "collaborative", "track_count", "first_tracks", "version", "created_at", "updated_at",
    ].map { SQLColumn($0) }

    /// Saves a changed playlist if nobody saved it since `expected` (its
    /// version when read); true when saved. The optimistic check makes
    /// concurrent edits retry instead of overwriting each other on PostgreSQL.
    static func save(_ playlist: Playlist, expected: Int, on sql: any SQLDatabase) async throws -> Bool {
        let rows = try await sql.update("playlists")
            .set("title", to: playlist.title).set("description", to: playlist.description)
            .set("visibility", to: playlist.visibility.rawValue).set("collaborative", to: playlist.collaborative)
            .set("track_count", to: playlist.trackCount).set("first_tracks", to: playlist.firstTracks)
            .set("records", to: playlist.records).set("version", to: playlist.version).set("updated_at", to: playlist.updatedAt)
            .where("id", .equal, playlist.id).where("version", .equal, expected)
            .returning("id").all()
        return !rows.isEmpty
    }

    static func delete(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "playlists").where("id", .equal, id).run()
    }

    // MARK: Operations

    /// Which of these op ids (`counter@replica`) the playlist has applied already.
    static func knownOperations(playlist: UUID, counters: [Int], on sql: any SQLDatabase) async throws -> Set<String> {
        guard !counters.isEmpty else { return [] }
        struct Row: Decodable { var opCounter: Int; var opReplica: String }
        let rows = try await sql.select().columns("op_counter", "op_replica").from("playlist_ops")
            .where("playlist_id", .equal, playlist).where("op_counter", .in, Array(Set(counters)))
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Set(rows.map { "\($0.opCounter)@\($0.opReplica)" })
    }

    static func appendOperation(playlist: UUID, seq: Int, counter: Int, replica: String, author: UUID?, body: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "playlist_ops")
            .columns("playlist_id", "seq", "op_counter", "op_replica", "author_id", "body", "created_at")
            .values(SQLBind(playlist), SQLBind(seq), SQLBind(counter), SQLBind(replica), SQLBind(author), SQLBind(body), SQLBind(now))
            .run()
    }

    /// Operations after `seq`, in the order they were applied.
    struct HistoricalOperation: Decodable {
        var playlistId: UUID
        var seq: Int
        var body: String
        var createdAt: Date
    }

    /// Operations applied before `cutoff`, in key order after `after` (the analytics back-fill).
    static func historical(before cutoff: Date, after: (playlist: UUID, seq: Int)?, limit: Int, on sql: any SQLDatabase) async throws -> [HistoricalOperation] {
        let after = after.map { SQLQueryString("AND (playlist_id, seq) > (\(bind: $0.playlist), \(bind: $0.seq))") }
        return try await sql.raw("""
            SELECT playlist_id, seq, body, created_at FROM playlist_ops
            WHERE created_at < \(bind: cutoff) \(after ?? "")
            ORDER BY playlist_id, seq LIMIT \(bind: limit)
            """).all(decoding: HistoricalOperation.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct Addition: Decodable {
        var authorId: UUID
        var body: String
        var createdAt: Date
    }

    /// Insert operations (the body's kind; the caller decodes it to be sure),
    /// newest first: one author's (by `playlist_ops_author`), or everyone's since `since`.
    static func additions(author: UUID?, since: Date, limit: Int, on sql: any SQLDatabase) async throws -> [Addition] {
        let by = author.map { SQLQueryString("AND author_id = \(bind: $0)") }
        return try await sql.raw("""
            SELECT author_id, body, created_at FROM playlist_ops
            WHERE author_id IS NOT NULL \(by ?? "") AND created_at >= \(bind: since) AND body LIKE '%"kind":"insert"%'
            ORDER BY created_at DESC LIMIT \(bind: limit)
            """).all(decoding: Addition.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func operations(playlist: UUID, after seq: Int, limit: Int, on sql: any SQLDatabase) async throws -> [(seq: Int, body: String)] {
        struct Row: Decodable { var seq: Int; var body: String }
        return try await sql.select().columns("seq", "body").from("playlist_ops")
            .where("playlist_id", .equal, playlist).where("seq", .greaterThan, seq)
            .orderBy("seq").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns).map { ($0.seq, $0.body) }
    }

    // MARK: Members

    static func members(playlist: UUID, role: String, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("user_id").from("playlist_members")
            .where("playlist_id", .equal, playlist).where("role", .equal, role)
            .orderBy("created_at").all(decodingColumn: "user_id", as: UUID.self)
    }

    static func addMember(playlist: UUID, user: UUID, role: String, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "playlist_members").columns("playlist_id", "user_id", "role", "created_at")
            .values(SQLBind(playlist), SQLBind(user), SQLBind(role), SQLBind(now))
            .ignoringConflicts(with: ["playlist_id", "user_id", "role"]).run()
    }

    static func removeMember(playlist: UUID, user: UUID, role: String, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "playlist_members").where("playlist_id", .equal, playlist)
            .where("user_id", .equal, user).where("role", .equal, role).run()
    }

    static func ids(owner: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.select().column("id").from("playlists").where("owner_id", .equal, owner)
            .all(decodingColumn: "id", as: UUID.self)
    }

    static func reassignOperations(author: UUID, to other: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update("playlist_ops").set("author_id", to: SQLBind(other)).where("author_id", .equal, author).run()
    }

    /// A user's own playlists and those they collaborate on or follow, newest first.
    static func playlists(of user: UUID, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Playlist] {
        let query = sql.select().columns(summaryColumns).column(SQLLiteral.string(""), as: "records").from("playlists")
            .where { group in
                group.where("owner_id", .equal, user)
                    .orWhere(SQLColumn("id"), .in, SQLSubquery.select { sub in
                        sub.column("playlist_id").from("playlist_members").where("user_id", .equal, user)
                    })
            }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of the public playlists of an owner, newest first.
    static func publicPlaylists(owner: UUID, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Playlist] {
        let query = sql.select().columns(summaryColumns).column(SQLLiteral.string(""), as: "records").from("playlists")
            .where("owner_id", .equal, owner).where("visibility", .equal, Visibility.public.rawValue)
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of public playlists by id (search indexes them).
    static func publicListings(after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Playlist] {
        let query = sql.select().columns(summaryColumns).column(SQLLiteral.string(""), as: "records").from("playlists")
            .where("visibility", .equal, Visibility.public.rawValue)
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Public playlists of some owners, newest first (feeds).
    static func newestPublic(owners: [UUID], before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Playlist] {
        guard !owners.isEmpty else { return [] }
        let query = sql.select().columns(summaryColumns).column(SQLLiteral.string(""), as: "records").from("playlists")
            .where("owner_id", .in, owners).where("visibility", .equal, Visibility.public.rawValue).where("track_count", .greaterThan, 0)
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit).all(decoding: Playlist.self, keyDecodingStrategy: .snakeCaseColumns)
    }
}

// MARK: Takedowns

extension PlaylistQueries {
    /// Sets a playlist's visibility and its takedown mark together (`at` nil clears it); false for no such playlist.
    static func setTakedown(id: UUID, visibility: Visibility, at: Date?, on sql: any SQLDatabase) async throws -> Bool {
        try await !sql.update("playlists").set("visibility", to: visibility.rawValue).set("taken_down_at", to: at)
            .where("id", .equal, id).returning("id").all().isEmpty
    }

    /// Whether a moderator took the playlist down.
    static func isTakenDown(id: UUID, on sql: any SQLDatabase) async throws -> Bool {
        guard let row = try await sql.select().column("taken_down_at").from("playlists").where("id", .equal, id).first() else { return false }
        return try !row.decodeNil(column: "taken_down_at")
    }
}
