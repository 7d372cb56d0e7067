/// The listener's library: likes, resume positions and the play queue that
/// moves between devices; plays learn their device and where they came from.
enum Migration007Library {
    static let migration = Migration(version: 7, name: "library", statements: [
        """
        CREATE TABLE likes (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('track', 'release', 'playlist')),
            target_id {id} NOT NULL,
            created_at {time} NOT NULL,
            PRIMARY KEY (user_id, kind, target_id)
        )
        """,
        "CREATE INDEX likes_target ON likes (kind, target_id)",
        "CREATE INDEX likes_user_time ON likes (user_id, kind, created_at, target_id)",
        """
        CREATE TABLE resume_positions (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track_id {id} NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            position_seconds {real} NOT NULL,
            updated_at {time} NOT NULL,
            PRIMARY KEY (user_id, track_id)
        )
        """,
        """
        CREATE TABLE play_queues (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            track_ids TEXT NOT NULL,
            current_index INTEGER NOT NULL,
            position_seconds {real} NOT NULL,
            device TEXT,
            version INTEGER NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "ALTER TABLE plays ADD COLUMN device TEXT",
        "ALTER TABLE plays ADD COLUMN source TEXT",
        "CREATE INDEX plays_user_started ON plays (user_id, started_at, id)",
    ])
}
