/// Jam sessions (listening together): the host, the join code, the shared
/// playback state, and the members.
enum Migration010Jams {
    static let migration = Migration(version: 10, name: "jams", statements: [
        """
        CREATE TABLE jams (
            id {id} PRIMARY KEY,
            host_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            code TEXT NOT NULL UNIQUE,
            track_ids TEXT NOT NULL,
            current_index INTEGER NOT NULL,
            position_seconds {real} NOT NULL,
            playing {bool} NOT NULL,
            state_at {time} NOT NULL,
            version INTEGER NOT NULL,
            created_at {time} NOT NULL,
            ended_at {time}
        )
        """,
        """
        CREATE TABLE jam_members (
            jam_id {id} NOT NULL REFERENCES jams(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            joined_at {time} NOT NULL,
            PRIMARY KEY (jam_id, user_id)
        )
        """,
        "CREATE INDEX jam_members_user ON jam_members (user_id)",
    ])
}
