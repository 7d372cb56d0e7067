/// Discovery's own tables: radio sessions (the seed, the tracks played lately
/// so nothing repeats within 50, and those skipped, which the station steers
/// away from; any process serves the next track), swipes on the taste deck,
/// and each user's discovery choices (taste matching, appearing on charts, and
/// whether their listening may show on public boards), and achievements earned.
enum Migration023Discovery {
    static let migration = Migration(version: 23, name: "discovery", statements: [
        """
        CREATE TABLE radio_sessions (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            seed_kind TEXT NOT NULL,
            seed_id {id},
            mood TEXT,
            recent TEXT NOT NULL,
            skipped TEXT NOT NULL,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX radio_sessions_user ON radio_sessions (user_id, updated_at)",
        """
        CREATE TABLE swipes (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track_id {id} NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            liked {bool} NOT NULL,
            created_at {time} NOT NULL,
            PRIMARY KEY (user_id, track_id)
        )
        """,
        "CREATE INDEX swipes_time ON swipes (created_at)",
        """
        CREATE TABLE discovery_settings (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            taste_matching {bool} NOT NULL,
            public_boards {bool} NOT NULL,
            public_listening {bool} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        """
        CREATE TABLE achievements (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            earned_at {time} NOT NULL,
            PRIMARY KEY (user_id, kind)
        )
        """,
    ])
}
