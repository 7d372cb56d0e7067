/// Moderation flags: text the word filter found borderline (allowed, but
/// worth a look), kept for the admins' review queue.
enum Migration016Moderation {
    static let migration = Migration(version: 16, name: "moderation", statements: [
        """
        CREATE TABLE moderation_flags (
            id {id} PRIMARY KEY,
            thing_kind TEXT NOT NULL,
            thing_id {id} NOT NULL,
            field TEXT NOT NULL,
            author_id {id} REFERENCES users(id) ON DELETE SET NULL,
            excerpt TEXT NOT NULL,
            terms TEXT NOT NULL,
            created_at {time} NOT NULL,
            resolved_at {time},
            resolved_by {id} REFERENCES users(id) ON DELETE SET NULL,
            UNIQUE (thing_kind, thing_id, field)
        )
        """,
        "CREATE INDEX moderation_flags_open ON moderation_flags (resolved_at, id)",
    ])
}
