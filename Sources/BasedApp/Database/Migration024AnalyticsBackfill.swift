/// The analytics back-fill's state (`AnalyticsBackfillJob`): what happened
/// before migration 21, when facts began to be recorded, is counted once.
/// The cutoff is the time migration 21 was applied; on a new database that is
/// now, and the back-fill finds nothing before it.
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
        SELECT 1, applied_at, 0, NULL, 0, NULL FROM schema_migrations WHERE version = 21
        """,
    ])
}
