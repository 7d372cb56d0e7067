/// Resumable track uploads (tus 1.0): the length promised, the bytes held so
/// far, what the track will be called, and a short lease that lets one PATCH
/// at a time append. The bytes live in a file under the media's tmp/uploads.
enum Migration028Uploads {
    static let migration = Migration(version: 28, name: "resumable uploads", statements: [
        """
        CREATE TABLE track_uploads (
            id {id} PRIMARY KEY,
            owner_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            length_bytes BIGINT NOT NULL,
            offset_bytes BIGINT NOT NULL DEFAULT 0,
            filename TEXT,
            title TEXT,
            visibility TEXT,
            track_id {id},
            busy_until {time},
            created_at {time} NOT NULL,
            expires_at {time} NOT NULL
        )
        """,
        "CREATE INDEX track_uploads_owner ON track_uploads (owner_id, expires_at)",
        "CREATE INDEX track_uploads_expires ON track_uploads (expires_at)",
    ])
}
