import Foundation
import SQLKit

/// The SQL of the gazetteer and of venues' details.
enum PlaceQueries {
    /// Stores places and their names, replacing what an earlier import stored for the same ids.
    static func upsert(_ entries: [GazetteerFile.Entry], on sql: any SQLDatabase) async throws {
        guard !entries.isEmpty else { return }
        try await sql.delete(from: "place_names").where("place_id", .in, entries.map(\.place.id)).run()
        let places = entries.map(\.place)
        try await sql.insert(into: "places")
            .columns("id", "name", "country", "admin1", "latitude", "longitude", "population", "time_zone")
            .rows(places.map { place -> [any SQLExpression] in
                [SQLBind(place.id), SQLBind(place.name), SQLBind(place.country), SQLBind(place.admin1), SQLBind(place.latitude),
                 SQLBind(place.longitude), SQLBind(place.population), SQLBind(place.timeZone)]
            })
            .onConflict(with: ["id"]) { conflict in
                conflict.set(excludedValueOf: "name").set(excludedValueOf: "country").set(excludedValueOf: "admin1")
                    .set(excludedValueOf: "latitude").set(excludedValueOf: "longitude").set(excludedValueOf: "population")
                    .set(excludedValueOf: "time_zone")
            }
            .run()
        let names = entries.flatMap { entry in entry.keys.map { (entry.place, $0.key, $0.name) } }
        for chunk in stride(from: 0, to: names.count, by: 500).map({ names[$0..<min($0 + 500, names.count)] }) {
            try await sql.insert(into: "place_names").columns("key", "place_id", "name", "population")
                .rows(chunk.map { row -> [any SQLExpression] in [SQLBind(row.1), SQLBind(row.0.id), SQLBind(row.2), SQLBind(row.0.population)] })
                .run()
        }
    }

    struct NameRow: Decodable {
        var key: String
        var placeId: Int
        var name: String
    }

    /// Names whose key starts with `prefix` (bytewise), most populous first.
    static func names(prefix: String, limit: Int, on sql: any SQLDatabase) async throws -> [NameRow] {
        try await sql.select().columns("key", "place_id", "name").from("place_names")
            .where("key", .greaterThanOrEqual, prefix)
            .where("key", .lessThan, prefix + "\u{7F}")
            .orderBy("population", .descending).orderBy("place_id")
            .limit(limit)
            .all(decoding: NameRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// The most populous place one of whose names has exactly this key.
    static func best(key: String, on sql: any SQLDatabase) async throws -> Place? {
        guard let id = try await sql.select().column("place_id").from("place_names").where("key", .equal, key)
            .orderBy("population", .descending).orderBy("place_id").limit(1)
            .first(decodingColumn: "place_id", as: Int.self)
        else { return nil }
        return try await places(ids: [id], on: sql).first
    }

    static func places(ids: [Int], on sql: any SQLDatabase) async throws -> [Place] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("*").from("places").where("id", .in, ids)
            .all(decoding: Place.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func count(on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("places")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    // MARK: Venues

    struct VenueRow: Decodable {
        var userId: UUID
        var address: String?
        var capacity: Int?
        var openingHours: String?
    }

    static func venueDetails(of users: [UUID], on sql: any SQLDatabase) async throws -> [VenueRow] {
        guard !users.isEmpty else { return [] }
        return try await sql.select().column("*").from("venue_profiles").where("user_id", .in, users)
            .all(decoding: VenueRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func setVenueDetails(_ row: VenueRow, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "venue_profiles")
            .columns("user_id", "address", "capacity", "opening_hours", "updated_at")
            .values(SQLBind(row.userId), SQLBind(row.address), SQLBind(row.capacity), SQLBind(row.openingHours), SQLBind(now))
            .onConflict(with: ["user_id"]) {
                $0.set(excludedValueOf: "address").set(excludedValueOf: "capacity").set(excludedValueOf: "opening_hours")
                    .set(excludedValueOf: "updated_at")
            }
            .run()
    }

    static func deleteVenueDetails(of venue: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "venue_profiles").where("user_id", .equal, venue).run()
    }

    // MARK: Venue photos

    struct PhotoRow: Decodable, Sendable {
        var venueId: UUID
        var hash: String
        var width: Int
        var height: Int
        var createdAt: Date
    }

    static func photos(of venues: [UUID], on sql: any SQLDatabase) async throws -> [PhotoRow] {
        guard !venues.isEmpty else { return [] }
        return try await sql.select().column("*").from("venue_photos").where("venue_id", .in, venues)
            .orderBy("created_at").orderBy("hash")
            .all(decoding: PhotoRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// Takes the venue's details row for the rest of the transaction (made
    /// when missing), so that its photo count and insert run one at a time.
    static func lockVenue(_ venue: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO venue_profiles (user_id, updated_at) VALUES (\(bind: venue), \(bind: now))
            ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at
            """).run()
    }

    /// Adds a photo unless the venue has `limit` already; false when full (or
    /// when it has this photo). Run after `lockVenue` in the same transaction.
    static func addPhoto(_ row: PhotoRow, limit: Int, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO venue_photos (venue_id, hash, width, height, created_at)
            SELECT \(bind: row.venueId), \(bind: row.hash), \(bind: row.width), \(bind: row.height), \(bind: row.createdAt)
            WHERE (SELECT COUNT(*) FROM venue_photos WHERE venue_id = \(bind: row.venueId)) < \(bind: limit)
            ON CONFLICT (venue_id, hash) DO NOTHING
            RETURNING hash
            """).first() != nil
    }

    static func removePhoto(venue: UUID, hash: String, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("DELETE FROM venue_photos WHERE venue_id = \(bind: venue) AND hash = \(bind: hash) RETURNING hash").first() != nil
    }

    static func photoInUse(_ hash: String, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("hash").from("venue_photos").where("hash", .equal, hash).limit(1).first() != nil
    }
}
