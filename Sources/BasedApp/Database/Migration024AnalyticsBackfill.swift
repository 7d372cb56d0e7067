/// The analytics back-fill's state (`AnalyticsBackfillJob`): what happened
/// before migration 21, when facts began to be recorded, is counted once.
/// The cutoff is the time migration 21 was applied. A database with none of
/// the rows it would count (a new one) starts with the back-fill finished.
enum Migration024AnalyticsBackfill {
    static let migration = Migration(version: 24, name: "analytics back-fill", statements: [
        """
        CREATE TABLE analytics_backfill (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            cutoff {time} NOT NULL,
            stage INTEGER NOT NULL,
            cursor TEXT,
            facts INTEGER NOT NULL,
            finished_at {time}
        )
        """,
        """
        INSERT INTO analytics_backfill (id, cutoff, stage, cursor, facts, finished_at)
        SELECT 1, applied_at, 0, NULL, 0,
            CASE WHEN EXISTS (SELECT 1 FROM plays) OR EXISTS (SELECT 1 FROM likes) OR EXISTS (SELECT 1 FROM follows)
                OR EXISTS (SELECT 1 FROM playlist_ops) OR EXISTS (SELECT 1 FROM event_rsvps)
                OR EXISTS (SELECT 1 FROM tickets WHERE checked_in_at IS NOT NULL)
            THEN NULL ELSE applied_at END
        FROM schema_migrations WHERE version = 21
        """,
    ])
}
