/// Account erasure (GDPR): a user's request, its grace period, and how far the
/// job has got. No foreign key to `users`: the row outlives the account's own
/// row by the job's last steps, and is deleted by the job itself at the end.
enum Migration019Erasures {
    static let migration = Migration(version: 19, name: "erasures", statements: [
        """
        CREATE TABLE account_erasures (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'erasing')),
            requested_at {time} NOT NULL,
            erase_at {time} NOT NULL,
            step INTEGER NOT NULL DEFAULT 0,
            avatar_hash TEXT,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX account_erasures_user ON account_erasures (user_id, id)",
        "CREATE UNIQUE INDEX account_erasures_open ON account_erasures (user_id) WHERE status IN ('scheduled', 'erasing')",
    ])
}
