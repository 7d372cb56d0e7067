import Foundation
import SQLKit

/// The SQL of audio fingerprints: one row per fingerprinted track, its
/// landmarks (hash, time) indexed by hash.
enum FingerprintQueries {
    /// Hashes per lookup: well under SQLite's and PostgreSQL's limits on bound values.
    static let hashesPerQuery = 900
    /// Landmark rows per insert (three values each).
    static let rowsPerInsert = 300

    struct Posting: Decodable {
        var fingerprintId: Int64
        var hash: Int64
        var time: Int64
    }

    struct FingerprintRow: Decodable {
        var id: Int64
        var trackId: UUID?
        var blockedCaseId: UUID?
    }

    /// Replaces the track's fingerprint (unless it blocks: a taken-down
    /// recording's stays as it was) and clears fingerprints left by deleted
    /// tracks that block nothing.
    static func replace(track: UUID, version: String, duration: Double, landmarks: [(hash: UInt32, time: UInt32)], now: Date, on sql: any SQLDatabase) async throws {
        try await deleteOrphans(on: sql)
        if let existing = try await fingerprint(track: track, on: sql) {
            if existing.blockedCaseId != nil { return }
            try await sql.delete(from: "track_fingerprints").where("id", .equal, existing.id).run()
        }
        guard let id = try await sql.raw("""
            INSERT INTO track_fingerprints (track_id, version, landmark_count, duration_seconds, created_at)
            VALUES (\(bind: track), \(bind: version), \(bind: landmarks.count), \(bind: duration), \(bind: now)) RETURNING id
            """).first(decodingColumn: "id", as: Int64.self)
        else { throw AppError.internal }
        for start in stride(from: 0, to: landmarks.count, by: rowsPerInsert) {
            let insert = sql.insert(into: "fingerprint_landmarks").columns("hash", "fingerprint_key", "time")
            for landmark in landmarks[start..<min(start + rowsPerInsert, landmarks.count)] {
                insert.values(SQLBind(Int64(landmark.hash)), SQLBind(id), SQLBind(Int64(landmark.time)))
            }
            try await insert.run()
        }
    }

    /// Fingerprints whose track was deleted and that block nothing.
    static func deleteOrphans(on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_fingerprints").where("track_id", .is, SQLLiteral.null).where("blocked_case_id", .is, SQLLiteral.null).run()
    }

    static func fingerprint(track: UUID, on sql: any SQLDatabase) async throws -> FingerprintRow? {
        try await sql.select().columns("id", "track_id", "blocked_case_id").from("track_fingerprints").where("track_id", .equal, track)
            .first(decoding: FingerprintRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func fingerprints(ids: [Int64], on sql: any SQLDatabase) async throws -> [FingerprintRow] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().columns("id", "track_id", "blocked_case_id").from("track_fingerprints").where("id", .in, ids)
            .all(decoding: FingerprintRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The landmarks with one of `hashes`, of every fingerprint or only of blocking ones.
    static func postings(hashes: [UInt32], blockingOnly: Bool, on sql: any SQLDatabase) async throws -> [Posting] {
        var found: [Posting] = []
        for start in stride(from: 0, to: hashes.count, by: hashesPerQuery) {
            let batch = SQLList(hashes[start..<min(start + hashesPerQuery, hashes.count)].map { SQLBind(Int64($0)) })
            let blocking: SQLQueryString = blockingOnly
                ? "JOIN track_fingerprints f ON f.id = l.fingerprint_key AND f.blocked_case_id IS NOT NULL"
                : ""
            let query = sql.raw("""
                SELECT l.fingerprint_key AS fingerprint_id, l.hash, l.time FROM fingerprint_landmarks l \(blocking) WHERE l.hash IN (\(batch))
                """)
            found += try await query.all(decoding: Posting.self, keyDecodingStrategy: .snakeCaseColumns)
        }
        return found
    }

    /// Marks the track's fingerprint as blocking for a copyright case; false when it has none.
    static func block(track: UUID, case caseID: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE track_fingerprints SET blocked_case_id = \(bind: caseID) WHERE track_id = \(bind: track) RETURNING id
            """).first() != nil
    }

    /// Lifts a case's block; a fingerprint whose track is gone goes with it.
    static func unblock(case caseID: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "track_fingerprints").where("blocked_case_id", .equal, caseID).where("track_id", .is, SQLLiteral.null).run()
        try await sql.update("track_fingerprints").set("blocked_case_id", to: SQLLiteral.null).where("blocked_case_id", .equal, caseID).run()
    }

    static func fingerprinted(tracks: [UUID], on sql: any SQLDatabase) async throws -> Set<UUID> {
        guard !tracks.isEmpty else { return [] }
        return Set(try await sql.select().column("track_id").from("track_fingerprints").where("track_id", .in, tracks)
            .all(decodingColumn: "track_id", as: UUID.self))
    }
}
