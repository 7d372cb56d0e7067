/// Audio analysis results, one row per track, with the versions that made them.
enum Migration003Analysis {
    static let migration = Migration(version: 3, name: "analysis", statements: [
        """
        CREATE TABLE track_analyses (
            track_id {id} PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            analysis_version TEXT NOT NULL,
            embedding_version TEXT NOT NULL,
            tempo_bpm {real},
            key_name TEXT,
            result TEXT NOT NULL,
            created_at {time} NOT NULL
        )
        """,
    ])
}
