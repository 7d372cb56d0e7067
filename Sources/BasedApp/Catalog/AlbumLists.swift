import Foundation
import SQLKit

/// A release as album lists show it: its playable tracks counted and timed.
public struct AlbumSummary: Sendable, Equatable {
    public var release: Release
    public var songCount: Int
    public var durationSeconds: Double
    /// The genre its tracks name most (the first one alphabetically on a tie).
    public var genre: String?
    public var year: Int?
}

/// The orders and filters of listed albums (public releases with a playable track).
public enum AlbumOrder: Sendable, Equatable {
    case newest
    case random
    case alphabeticalByName
    /// Releases dated from one year to another; newest first when `from` is after `to`.
    case byYear(from: Int, to: Int)
    case byGenre(String)
}

extension ReleaseService {
    /// A page of listed albums in the order asked, optionally of one artist.
    public func albums(_ order: AlbumOrder, artist: UUID? = nil, offset: Int, limit: Int) async throws -> [Release] {
        try await CatalogQueries.listedReleases(order, artist: artist, offset: offset, limit: limit, on: database.sql)
    }

    /// Track counts, running times, genres and years of these releases, over
    /// the tracks the viewer may play; releases with none are absent.
    public func summaries(_ releases: [Release], viewer: UUID?) async throws -> [UUID: AlbumSummary] {
        let stats = try await CatalogQueries.releaseStats(ids: releases.map(\.id), viewer: viewer, on: database.sql)
        var summaries: [UUID: AlbumSummary] = [:]
        for release in releases {
            guard let stat = stats[release.id] else { continue }
            let dated = release.releaseDate.flatMap { Int($0.prefix(4)) }
            summaries[release.id] = AlbumSummary(
                release: release, songCount: stat.count, durationSeconds: stat.duration, genre: stat.genre, year: dated ?? stat.year
            )
        }
        return summaries
    }

    /// Every artist with a public, ready track (or only these artists), and how many listed albums each has.
    public func artistAlbumCounts(artists: [UUID]? = nil) async throws -> [UUID: Int] {
        if let artists, artists.isEmpty { return [:] }
        return try await CatalogQueries.artistAlbumCounts(artists: artists, on: database.sql)
    }
}

extension TrackService {
    /// A page of public, ready tracks in id order by offset (for clients that sync the whole library).
    public func page(offset: Int, limit: Int) async throws -> [Track] {
        try await CatalogQueries.playableTracks(genre: nil, offset: offset, limit: limit, on: database.sql)
    }

    /// A page of public, ready tracks of one genre (any letter case), in id order.
    public func tracks(genre: String, offset: Int, limit: Int) async throws -> [Track] {
        try await CatalogQueries.playableTracks(genre: genre, offset: offset, limit: limit, on: database.sql)
    }

    /// Public, ready tracks picked at random, optionally of a genre and a span of years.
    public func random(limit: Int, genre: String?, fromYear: Int?, toYear: Int?) async throws -> [Track] {
        try await CatalogQueries.randomTracks(limit: limit, genre: genre, fromYear: fromYear, toYear: toYear, on: database.sql)
    }
}

extension CatalogQueries {
    /// A release with a public track ready to play. `LIMIT 1` keeps it a
    /// correlated subquery that stops at the first such track: SQLite 3.54
    /// (sqlite-nio's) otherwise turns EXISTS into a join, and a feed's page
    /// of releases of 1,000 artists took 17 ms instead of 3 (docs/benchmarks.md).
    static let playableTrackOfRelease = SQLRaw(
        "EXISTS (SELECT 1 FROM tracks WHERE tracks.release_id = releases.id AND tracks.state = 'ready' AND tracks.visibility = 'public' LIMIT 1)"
    )

    static func listedReleases(_ order: AlbumOrder, artist: UUID?, offset: Int, limit: Int, on sql: any SQLDatabase) async throws -> [Release] {
        let query = sql.select().column("*").from("releases")
            .where("visibility", .equal, Visibility.public.rawValue)
            .where(playableTrackOfRelease)
        if let artist { query.where("artist_id", .equal, artist) }
        switch order {
        case .newest:
            query.orderBy("id", .descending)
        case .random:
            query.orderBy(SQLFunction("RANDOM"))
        case .alphabeticalByName:
            query.orderBy(SQLFunction("LOWER", args: SQLIdentifier("title"))).orderBy("id")
        case .byYear(let from, let to):
            let (low, high) = (min(from, to), max(from, to))
            query.where("release_date", .greaterThanOrEqual, String(format: "%04d-01-01", low))
                .where("release_date", .lessThanOrEqual, String(format: "%04d-12-31", high))
                .orderBy("release_date", from <= to ? .ascending : .descending).orderBy("id")
        case .byGenre(let genre):
            query.where(SQLQueryString(
                "EXISTS (SELECT 1 FROM tracks WHERE tracks.release_id = releases.id AND tracks.state = 'ready' AND tracks.visibility = 'public' AND LOWER(tracks.genre) = \(bind: genre.lowercased()) LIMIT 1)"
            ))
            query.orderBy("id", .descending)
        }
        return try await query.limit(limit).offset(offset).all(decoding: Release.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    struct ReleaseStat: Sendable { var count: Int, duration: Double, genre: String?, year: Int? }

    static func releaseStats(ids: [UUID], viewer: UUID?, on sql: any SQLDatabase) async throws -> [UUID: ReleaseStat] {
        guard !ids.isEmpty else { return [:] }
        struct Row: Decodable { var releaseId: UUID, n: Int, duration: Double?, genre: String?, year: Int? }
        let query = sql.select()
            .column("release_id")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("SUM", args: SQLIdentifier("duration_seconds")), as: "duration")
            .column(SQLFunction("MIN", args: SQLIdentifier("genre")), as: "genre")
            .column(SQLFunction("MAX", args: SQLIdentifier("year")), as: "year")
            .from("tracks")
            .where("release_id", .in, ids)
            .where("state", .equal, TrackState.ready.rawValue)
        if let viewer {
            query.where { $0.where("visibility", .notEqual, Visibility.private.rawValue).orWhere("artist_id", .equal, viewer) }
        } else {
            query.where("visibility", .notEqual, Visibility.private.rawValue)
        }
        let rows = try await query.groupBy("release_id").all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.releaseId, ReleaseStat(count: $0.n, duration: $0.duration ?? 0, genre: $0.genre, year: $0.year)) },
                          uniquingKeysWith: { a, _ in a })
    }

    static func artistAlbumCounts(artists: [UUID]?, on sql: any SQLDatabase) async throws -> [UUID: Int] {
        struct Row: Decodable { var artistId: UUID, albums: Int }
        let query = sql.select()
            .column(SQLColumn("artist_id", table: "t"), as: "artist_id")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLColumn("id", table: "r"))), as: "albums")
            .from(SQLAlias(SQLIdentifier("tracks"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("releases"), as: SQLIdentifier("r")), method: SQLJoinMethod.left,
                  on: SQLRaw("r.id = t.release_id AND r.visibility = 'public'"))
            .where(SQLColumn("state", table: "t"), .equal, SQLBind(TrackState.ready.rawValue))
            .where(SQLColumn("visibility", table: "t"), .equal, SQLBind(Visibility.public.rawValue))
        if let artists { query.where(SQLColumn("artist_id", table: "t"), .in, SQLBind.group(artists)) }
        let rows = try await query.groupBy(SQLColumn("artist_id", table: "t"))
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return Dictionary(rows.map { ($0.artistId, $0.albums) }, uniquingKeysWith: { a, _ in a })
    }

    static func playableTracks(genre: String?, offset: Int, limit: Int, on sql: any SQLDatabase) async throws -> [Track] {
        let query = sql.select().column("*").from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
        if let genre { query.where(SQLFunction("LOWER", args: SQLIdentifier("genre")), .equal, SQLBind(genre.lowercased())) }
        return try await query.orderBy("id").limit(limit).offset(offset)
            .all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func randomTracks(limit: Int, genre: String?, fromYear: Int?, toYear: Int?, on sql: any SQLDatabase) async throws -> [Track] {
        let query = sql.select().column("*").from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
        if let genre { query.where(SQLFunction("LOWER", args: SQLIdentifier("genre")), .equal, SQLBind(genre.lowercased())) }
        if let fromYear { query.where("year", .greaterThanOrEqual, fromYear) }
        if let toYear { query.where("year", .lessThanOrEqual, toYear) }
        return try await query.orderBy(SQLFunction("RANDOM")).limit(limit)
            .all(decoding: Track.self, keyDecodingStrategy: .snakeCaseColumns)
    }
}

extension TrackService {
    /// Genres of public, ready tracks with how many tracks and listed albums each has.
    public func genreCounts(limit: Int) async throws -> [(name: String, songs: Int, albums: Int)] {
        try await CatalogQueries.genreCounts(limit: limit, on: database.sql)
    }
}

extension CatalogQueries {
    static func genreCounts(limit: Int, on sql: any SQLDatabase) async throws -> [(name: String, songs: Int, albums: Int)] {
        struct Row: Decodable { var name: String; var n: Int; var albums: Int }
        let rows = try await sql.select()
            .column(SQLFunction("MIN", args: SQLIdentifier("genre")), as: "name")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLIdentifier("release_id"))), as: "albums")
            .from("tracks")
            .where("visibility", .equal, Visibility.public.rawValue).where("state", .equal, TrackState.ready.rawValue)
            .where("genre", .isNot, SQLLiteral.null).where("genre", .notEqual, "")
            .groupBy(SQLFunction("LOWER", args: SQLIdentifier("genre")))
            .orderBy(SQLIdentifier("n"), SQLDirection.descending).orderBy(SQLIdentifier("name"), SQLDirection.ascending)
            .limit(limit)
            .all(decoding: Row.self)
        return rows.map { ($0.name, $0.n, $0.albums) }
    }
}
