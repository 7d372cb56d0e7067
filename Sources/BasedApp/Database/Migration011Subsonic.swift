/// What Subsonic apps need beyond the web app: app passwords and API keys
/// (Accounts), and star ratings (the library).
enum Migration011Subsonic {
    static let migration = Migration(version: 11, name: "subsonic", statements: [
        // An app password is kept encrypted (AES-GCM, key in the data dir)
        // because Subsonic's token scheme needs it in clear; an API key only
        // as its SHA-256, looked up by it.
        """
        CREATE TABLE app_passwords (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('password', 'apiKey')),
            sealed TEXT,
            key_hash TEXT UNIQUE,
            created_at {time} NOT NULL,
            last_used_at {time}
        )
        """,
        "CREATE INDEX app_passwords_user ON app_passwords (user_id, kind)",
        """
        CREATE TABLE ratings (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('track', 'release')),
            target_id {id} NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            updated_at {time} NOT NULL,
            PRIMARY KEY (user_id, kind, target_id)
        )
        """,
        "CREATE INDEX ratings_user ON ratings (user_id, kind, rating)",
    ])
}
