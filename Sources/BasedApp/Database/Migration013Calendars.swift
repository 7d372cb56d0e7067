/// Private calendar feeds: each user's secret, kept only as its SHA-256.
enum Migration013Calendars {
    static let migration = Migration(version: 13, name: "calendars", statements: [
        """
        CREATE TABLE calendar_feeds (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at {time} NOT NULL
        )
        """,
    ])
}
