/// Releases, tracks with their credited artists, the job queue and plays.
enum Migration002Catalog {
    static let migration = Migration(version: 2, name: "catalog", statements: [
        """
        CREATE TABLE releases (
            id {id} PRIMARY KEY,
            artist_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('album', 'ep', 'single')),
            release_date TEXT,
            credits TEXT NOT NULL,
            artwork_hash TEXT,
            visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX releases_artist ON releases (artist_id, id)",
        """
        CREATE TABLE tracks (
            id {id} PRIMARY KEY,
            artist_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            release_id {id} REFERENCES releases(id) ON DELETE SET NULL,
            title TEXT NOT NULL,
            featured TEXT NOT NULL,
            track_number INTEGER,
            disc_number INTEGER,
            genre TEXT,
            tags TEXT NOT NULL,
            explicit {bool} NOT NULL,
            visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
            state TEXT NOT NULL CHECK (state IN ('draft', 'processing', 'ready', 'failed')),
            failure_reason TEXT,
            progress TEXT NOT NULL,
            original_hash TEXT NOT NULL,
            original_format TEXT NOT NULL,
            original_size INTEGER NOT NULL,
            original_filename TEXT,
            duration_seconds {real},
            sample_rate INTEGER,
            channels INTEGER,
            loudness_lufs {real},
            true_peak_dbtp {real},
            replay_gain_db {real},
            waveform TEXT,
            artwork_hash TEXT,
            year INTEGER,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL,
            UNIQUE (artist_id, original_hash)
        )
        """,
        "CREATE INDEX tracks_artist ON tracks (artist_id, id)",
        "CREATE INDEX tracks_release ON tracks (release_id)",
        """
        CREATE TABLE jobs (
            id {id} PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            dedupe_key TEXT UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
            attempts INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            run_at {time} NOT NULL,
            lease_until {time},
            worker TEXT,
            last_error TEXT,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX jobs_ready ON jobs (state, run_at)",
        """
        CREATE TABLE plays (
            id {id} PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            track_id {id} NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            client_play_id TEXT NOT NULL,
            started_at {time} NOT NULL,
            position_seconds {real} NOT NULL,
            completed {bool} NOT NULL,
            skipped {bool} NOT NULL,
            updated_at {time} NOT NULL,
            UNIQUE (user_id, client_play_id)
        )
        """,
        "CREATE INDEX plays_track ON plays (track_id)",
    ])
}
