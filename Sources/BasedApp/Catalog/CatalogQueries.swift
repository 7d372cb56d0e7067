import Foundation
import SQLKit

/// The SQL of releases and tracks.
enum CatalogQueries {
    static func insert(_ track: Track, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "tracks").model(track, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func track(id: UUID, on sql: any SQLDatabase) async throws -> Track? {
        try await sql.select().column("*").from("tracks").where("id", .equal, id)
            .first(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func track(artist: UUID, originalHash: String, on sql: any SQLDatabase) async throws -> Track? {
        try await sql.select().column("*").from("tracks")
            .where("artist_id", .equal, artist).where("original_hash", .equal, originalHash)
            .first(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Replaces every column of the track's row.
    static func update(_ track: Track, on sql: any SQLDatabase) async throws {
        try await sql.update("tracks").set(model: track, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
            .where("id", .equal, track.id).run()
    }

    /// Writes what processing owns — state, progress, failure, loudness,
    /// waveform, artwork — and leaves the metadata an artist may edit while a
    /// track processes (title, release, visibility…) as it is in the row.
    static func updateProcessing(_ track: Track, on sql: any SQLDatabase) async throws {
        try await sql.update("tracks")
            .set("state", to: track.state.rawValue).set("failure_reason", to: track.failureReason).set("progress", to: track.progress)
            .set("loudness_lufs", to: track.loudnessLufs).set("true_peak_dbtp", to: track.truePeakDbtp)
            .set("replay_gain_db", to: track.replayGainDb).set("waveform", to: track.waveform).set("artwork_hash", to: track.artworkHash)
            .set("updated_at", to: track.updatedAt)
            .where("id", .equal, track.id).run()
    }

    static func deleteTrack(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "tracks").where("id", .equal, id).run()
    }

    /// How many tracks still use an original (it can go when none do).
    static func tracksUsing(originalHash: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("tracks")
            .where("original_hash", .equal, originalHash)
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// How many tracks and releases show a piece of cover art.
    static func usesOfArtwork(_ hash: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM tracks WHERE artwork_hash = \(bind: hash))
                 + (SELECT COUNT(*) FROM releases WHERE artwork_hash = \(bind: hash)) AS n
            """).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// A page of an artist's tracks, newest first; `includeHidden` for the owner.
    static func tracks(artist: UUID, includeHidden: Bool, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Track] {
        var query = sql.select().column("*").from("tracks").where("artist_id", .equal, artist)
        if !includeHidden {
            query = query.where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
        }
        if let before { query = query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The tracks with these ids, in one query.
    static func tracks(ids: [UUID], on sql: any SQLDatabase) async throws -> [Track] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("*").from("tracks").where("id", .in, ids)
            .all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Whether the artist has a track with exactly this title.
    static func hasTrack(artist: UUID, titled title: String, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("tracks")
            .where("artist_id", .equal, artist).where("title", .equal, title).first() != nil
    }

    /// Whether the release has a public track that is ready to play.
    static func hasPlayableTrack(release: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("tracks")
            .where("release_id", .equal, release).where("state", .equal, TrackState.ready.rawValue)
            .where("visibility", .equal, Visibility.public.rawValue)
            .first() != nil
    }

    /// The artist's release with this title in any letter case.
    static func releaseID(artist: UUID, titledLike title: String, on sql: any SQLDatabase) async throws -> UUID? {
        try await sql.select().column("id").from("releases")
            .where("artist_id", .equal, artist)
            .where(SQLFunction("LOWER", args: SQLIdentifier("title")), .equal, SQLBind(title.lowercased()))
            .first(decodingColumn: "id", as: UUID.self)
    }

    static func tracks(release: UUID, on sql: any SQLDatabase) async throws -> [Track] {
        try await sql.select().column("*").from("tracks").where("release_id", .equal, release)
            .orderBy("disc_number").orderBy("track_number").orderBy("id")
            .all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // MARK: Releases

    static func insert(_ release: Release, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "releases").model(release, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func release(id: UUID, on sql: any SQLDatabase) async throws -> Release? {
        try await sql.select().column("*").from("releases").where("id", .equal, id)
            .first(decoding: Release.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func update(_ release: Release, on sql: any SQLDatabase) async throws {
        try await sql.update("releases").set(model: release, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)
            .where("id", .equal, release.id).run()
    }

    static func deleteRelease(id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "releases").where("id", .equal, id).run()
    }

    static func releases(artist: UUID, includeHidden: Bool, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Release] {
        var query = sql.select().column("*").from("releases").where("artist_id", .equal, artist)
        if !includeHidden { query = query.where("visibility", .equal, Visibility.public.rawValue) }
        if let before { query = query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: Release.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // MARK: Listings (what search and browsing index)

    /// A page of public, ready tracks by id, with only the columns a listing needs.
    static func trackListings(after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [TrackListing] {
        var query = sql.select().columns("id", "artist_id", "release_id", "title", "featured", "genre", "created_at").from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
        if let after { query = query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: TrackListing.Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map(\.listing)
    }

    /// A page of public releases by id.
    static func releaseListings(after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [ReleaseListing] {
        var query = sql.select().columns("id", "artist_id", "title", "credits", "created_at").from("releases")
            .where("visibility", .equal, Visibility.public.rawValue)
        if let after { query = query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: ReleaseListing.Row.self, keyDecodingStrategy: .snakeCaseColumns)
            .map(\.listing)
    }

    static func releases(ids: [UUID], on sql: any SQLDatabase) async throws -> [Release] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("*").from("releases").where("id", .in, ids)
            .all(decoding: Release.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    // MARK: Browsing

    /// A page of public, ready tracks, newest first, optionally of one genre (any letter case) and of some artists.
    static func newestTracks(genre: String?, artists: [UUID]?, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Track] {
        let query = sql.select().column("*").from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
        if let genre { query.where(SQLFunction("LOWER", args: SQLIdentifier("genre")), .equal, SQLBind(genre.lowercased())) }
        if let artists { query.where("artist_id", .in, artists) }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit).all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A page of public releases that have a ready public track, newest first, optionally of some artists.
    static func newestReleases(artists: [UUID]?, before: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [Release] {
        let query = sql.select().column("*").from("releases")
            .where("visibility", .equal, Visibility.public.rawValue)
            // Per release through tracks_release, not a scan of every track.
            .where(playableTrackOfRelease)
        if let artists { query.where("artist_id", .in, artists) }
        if let before { query.where("id", .lessThan, before) }
        return try await query.orderBy("id", .descending).limit(limit).all(decoding: Release.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Genres of public, ready tracks with how many tracks each has, most first (names as most tracks spell them).
    static func genres(limit: Int, on sql: any SQLDatabase) async throws -> [(name: String, count: Int)] {
        struct Row: Decodable { var name: String; var n: Int }
        let rows = try await sql.select()
            .column(SQLFunction("MIN", args: SQLIdentifier("genre")), as: "name")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
            .where("genre", .isNot, SQLLiteral.null).where("genre", .notEqual, "")
            .groupBy(SQLFunction("LOWER", args: SQLIdentifier("genre")))
            .orderBy(SQLIdentifier("n"), SQLDirection.descending).orderBy(SQLIdentifier("name"), SQLDirection.ascending)
            .limit(limit)
            .all(decoding: Row.self)
        return rows.map { ($0.name, $0.n) }
    }
}

// MARK: Takedowns

extension CatalogQueries {
    /// Sets a track's or release's visibility and its takedown mark together (`at` nil clears it); false for no such row.
    static func setTakedown(_ table: Table, id: UUID, visibility: Visibility, at: Date?, on sql: any SQLDatabase) async throws -> Bool {
        try await !sql.update(table.rawValue).set("visibility", to: visibility.rawValue).set("taken_down_at", to: at)
            .where("id", .equal, id).returning("id").all().isEmpty
    }

    /// Whether a moderator took the track or release down.
    static func isTakenDown(_ table: Table, id: UUID, on sql: any SQLDatabase) async throws -> Bool {
        guard let row = try await sql.select().column("taken_down_at").from(table.rawValue).where("id", .equal, id).first() else { return false }
        return try !row.decodeNil(column: "taken_down_at")
    }

    enum Table: String, Sendable { case tracks, releases }

    static func readyOriginals(after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [(id: UUID, hash: String)] {
        struct Row: Decodable { var id: UUID; var originalHash: String }
        let query = sql.select().columns("id", "original_hash").from("tracks").where("state", .equal, "ready")
        if let after { query.where("id", .greaterThan, after) }
        return try await query.orderBy("id").limit(limit).all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns).map { ($0.id, $0.originalHash) }
    }
}
