import Foundation
import SQLKit

/// The SQL of show alerts: who was told of which show, and when.
enum ShowAlertQueries {
    /// How many show alerts each of these users got since `since`.
    static func recentCounts(of users: [UUID], since: Date, on sql: any SQLDatabase) async throws -> [UUID: Int] {
        guard !users.isEmpty else { return [:] }
        struct Row: Decodable { var userId: UUID; var n: Int }
        var counts: [UUID: Int] = [:]
        for start in stride(from: 0, to: users.count, by: 1000) {
            let chunk = Array(users[start..<min(start + 1000, users.count)])
            let rows = try await sql.select().column("user_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("show_alerts").where("user_id", .in, chunk).where("created_at", .greaterThanOrEqual, since).groupBy("user_id")
                .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
            for row in rows { counts[row.userId] = row.n }
        }
        return counts
    }

    /// Records that the user is told of the event; false when they were already (one alert per show).
    static func record(user: UUID, event: UUID, now: Date, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO show_alerts (user_id, event_id, created_at) VALUES (\(bind: user), \(bind: event), \(bind: now))
            ON CONFLICT (user_id, event_id) DO NOTHING RETURNING user_id
            """).first() != nil
    }
}
