/// Indexes that answer an artist's dashboard sums without reading the rows.
///
/// A day's row carries its listener sketch (up to 4 KiB), so a row fills a
/// page of its own and summing `plays` over a year of an artist's tracks or
/// cities read thousands of pages for a few bytes each. These indexes hold
/// the keys and the play count only: the top tracks and the cities' play
/// counts come from them alone (an index-only scan), and the sketches are
/// read for the few rows shown.
enum Migration022AnalyticsCounters {
    static let migration = Migration(
        version: 22, name: "analytics counters",
        statements: ["analytics_days", "analytics_months"].map { table in
            "CREATE INDEX \(table)_plays ON \(table) (owner_id, day, track_id, plays)"
        } + ["analytics_cities", "analytics_city_months"].map { table in
            "CREATE INDEX \(table)_plays ON \(table) (owner_id, day, city, plays)"
        }
    )
}
