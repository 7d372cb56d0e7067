/// Reports and review: moderators, cases (the reports of one thing, merged),
/// the reports themselves, account restrictions (suspensions and bans), the
/// hash-chained audit log (append-only: triggers refuse changes), and the
/// takedown mark of tracks, releases and playlists.
enum Migration017Reports {
    static let migration = Migration(
        version: 17, name: "reports",
        statements: [
            """
            CREATE TABLE moderators (
                user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                granted_by {id} REFERENCES users(id) ON DELETE SET NULL,
                granted_at {time} NOT NULL
            )
            """,
            """
            CREATE TABLE moderation_cases (
                id {id} PRIMARY KEY,
                thing_kind TEXT NOT NULL,
                thing_id {id} NOT NULL,
                thing_seq INTEGER NOT NULL DEFAULT 0,
                owner_id {id} REFERENCES users(id) ON DELETE SET NULL,
                reason TEXT NOT NULL,
                excerpt TEXT NOT NULL,
                report_count INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'actioned', 'appealed', 'closed')),
                action TEXT,
                action_reason TEXT,
                action_until {time},
                undo TEXT,
                acted_by {id} REFERENCES users(id) ON DELETE SET NULL,
                acted_at {time},
                appeal_text TEXT,
                appealed_at {time},
                appeal_outcome TEXT,
                created_at {time} NOT NULL,
                updated_at {time} NOT NULL
            )
            """,
            // One open case per thing: later reports join it.
            "CREATE UNIQUE INDEX moderation_cases_one_open ON moderation_cases (thing_kind, thing_id, thing_seq) WHERE status = 'open'",
            "CREATE INDEX moderation_cases_status ON moderation_cases (status, id)",
            "CREATE INDEX moderation_cases_owner ON moderation_cases (owner_id, id)",
            """
            CREATE TABLE moderation_reports (
                id {id} PRIMARY KEY,
                case_id {id} NOT NULL REFERENCES moderation_cases(id) ON DELETE CASCADE,
                reporter_id {id} REFERENCES users(id) ON DELETE SET NULL,
                reason TEXT NOT NULL,
                details TEXT NOT NULL,
                created_at {time} NOT NULL,
                UNIQUE (case_id, reporter_id)
            )
            """,
            """
            CREATE TABLE account_restrictions (
                user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                case_id {id} NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('suspended', 'banned')),
                until {time},
                reason TEXT NOT NULL,
                created_at {time} NOT NULL,
                PRIMARY KEY (user_id, case_id)
            )
            """,
            """
            CREATE TABLE moderation_audit (
                seq BIGINT PRIMARY KEY,
                at {time} NOT NULL,
                actor_id {id},
                action TEXT NOT NULL,
                case_id {id},
                entry TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            "ALTER TABLE tracks ADD COLUMN taken_down_at {time}",
            "ALTER TABLE releases ADD COLUMN taken_down_at {time}",
            "ALTER TABLE playlists ADD COLUMN taken_down_at {time}",
        ],
        sqlite: [
            "CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER moderation_audit_no_delete BEFORE DELETE ON moderation_audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ],
        postgres: [
            """
            CREATE FUNCTION moderation_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
            """,
            """
            CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE OR DELETE ON moderation_audit
            FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()
            """,
        ]
    )
}
