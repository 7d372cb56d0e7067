/// Timestamped comments on tracks, threaded one level, and the tracks whose
/// owners turned comments off.
enum Migration009Comments {
    static let migration = Migration(version: 9, name: "comments", statements: [
        """
        CREATE TABLE track_comments (
            id {id} PRIMARY KEY,
            track_id {id} NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            author_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            parent_id {id} REFERENCES track_comments(id) ON DELETE CASCADE,
            at_seconds {real},
            text TEXT NOT NULL,
            created_at {time} NOT NULL,
            edited_at {time}
        )
        """,
        "CREATE INDEX track_comments_track ON track_comments (track_id, parent_id, id)",
        "CREATE INDEX track_comments_parent ON track_comments (parent_id, id)",
        """
        CREATE TABLE comments_off (
            track_id {id} PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            created_at {time} NOT NULL
        )
        """,
    ])
}
