/// Line-ups: the artists a venue invites onto an event's bill, with set
/// times, their answer, and when their followers were told (once).
enum Migration015Lineups {
    static let migration = Migration(version: 15, name: "lineups", statements: [
        """
        CREATE TABLE event_lineup (
            event_id {id} NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            artist_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            set_starts_at {time},
            set_ends_at {time},
            status TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
            invited_at {time} NOT NULL,
            answered_at {time},
            announced_at {time},
            PRIMARY KEY (event_id, artist_id)
        )
        """,
        "CREATE INDEX event_lineup_artist ON event_lineup (artist_id, status)",
    ])
}
