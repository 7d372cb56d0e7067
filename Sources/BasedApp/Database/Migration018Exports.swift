/// Data exports (GDPR): a user's request, the job's ZIP once built, and until when it may be downloaded.
enum Migration018Exports {
    static let migration = Migration(version: 18, name: "exports", statements: [
        """
        CREATE TABLE data_exports (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
            byte_count INTEGER,
            failure TEXT,
            created_at {time} NOT NULL,
            ready_at {time},
            expires_at {time}
        )
        """,
        "CREATE INDEX data_exports_user ON data_exports (user_id, id)",
    ])
}
