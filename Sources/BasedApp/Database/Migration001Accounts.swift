/// Users, their sign-in sessions and refresh tokens, and follows.
enum Migration001Accounts {
    static let migration = Migration(version: 1, name: "accounts", statements: [
        """
        CREATE TABLE users (
            id {id} PRIMARY KEY,
            username TEXT NOT NULL,
            username_key TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('listener', 'artist', 'venue', 'admin')),
            verified {bool} NOT NULL,
            display_name TEXT NOT NULL,
            bio TEXT NOT NULL,
            city TEXT,
            latitude {real},
            longitude {real},
            genres TEXT NOT NULL,
            links TEXT NOT NULL,
            avatar_hash TEXT,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        """
        CREATE TABLE auth_sessions (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            user_agent TEXT,
            created_at {time} NOT NULL,
            last_used_at {time} NOT NULL,
            revoked_at {time},
            revoked_reason TEXT
        )
        """,
        "CREATE INDEX auth_sessions_user ON auth_sessions (user_id)",
        """
        CREATE TABLE refresh_tokens (
            token_hash TEXT PRIMARY KEY,
            session_id {id} NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            expires_at {time} NOT NULL,
            used_at {time}
        )
        """,
        "CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id)",
        """
        CREATE TABLE follows (
            id {id} PRIMARY KEY,
            follower_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            followee_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            UNIQUE (follower_id, followee_id),
            CHECK (follower_id <> followee_id)
        )
        """,
        "CREATE INDEX follows_followee ON follows (followee_id, id)",
        "CREATE INDEX follows_follower ON follows (follower_id, id)",
    ])
}
