/// Events that venues publish, each with its live chat room, and the RSVPs
/// to them (with when each person was reminded).
enum Migration005Events {
    static let migration = Migration(version: 5, name: "events", statements: [
        """
        CREATE TABLE events (
            id {id} PRIMARY KEY,
            venue_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            starts_at {time} NOT NULL,
            ends_at {time},
            city TEXT,
            address TEXT,
            status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
            room_id {id} NOT NULL REFERENCES conversations(id) ON DELETE RESTRICT,
            created_at {time} NOT NULL,
            updated_at {time} NOT NULL
        )
        """,
        "CREATE INDEX events_starts_at ON events (starts_at, id)",
        "CREATE INDEX events_venue ON events (venue_id, starts_at, id)",
        """
        CREATE TABLE event_rsvps (
            event_id {id} NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('going', 'interested')),
            reminded_at {time},
            created_at {time} NOT NULL,
            PRIMARY KEY (event_id, user_id)
        )
        """,
        "CREATE INDEX event_rsvps_user ON event_rsvps (user_id, event_id)",
    ])
}
