/// Stored answers to writes sent with an `Idempotency-Key`, so that a client
/// retrying after a lost response gets the first answer instead of a second write.
enum Migration006Idempotency {
    static let migration = Migration(version: 6, name: "idempotency_keys", statements: [
        """
        CREATE TABLE idempotency_keys (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'done')),
            status INTEGER,
            content_type TEXT,
            body {blob},
            created_at {time} NOT NULL,
            PRIMARY KEY (scope, key)
        )
        """,
        "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
    ])
}
