/// Playlists: their order as the records of a sequence CRDT (BasedCRDT), the
/// operations that made it (so a retried or re-synced operation is applied
/// once), collaborators and followers.
enum Migration008Playlists {
    static let migration = Migration(version: 8, name: "playlists", statements: [
        """
        CREATE TABLE playlists (
            id {id} PRIMARY KEY,
            owner_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
            collaborative {bool} NOT NULL,
            track_count INTEGER NOT NULL,
            first_tracks TEXT NOT NULL,
            records TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX playlists_owner ON playlists (owner_id, id)",
        """
        CREATE TABLE playlist_ops (
            playlist_id {id} NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            op_counter INTEGER NOT NULL,
            op_replica TEXT NOT NULL,
            author_id {id},
            body TEXT NOT NULL,
            created_at {time} NOT NULL,
            PRIMARY KEY (playlist_id, seq),
            UNIQUE (playlist_id, op_counter, op_replica)
        )
        """,
        """
        CREATE TABLE playlist_members (
            playlist_id {id} NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('collaborator', 'follower')),
            created_at {time} NOT NULL,
            PRIMARY KEY (playlist_id, user_id, role)
        )
        """,
        "CREATE INDEX playlist_members_user ON playlist_members (user_id, role, playlist_id)",
    ])
}
