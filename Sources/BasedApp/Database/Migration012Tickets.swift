/// Tickets: tiers with a capacity that a single conditional write guards,
/// the tickets, each holder's count per tier (the per-person limit, guarded
/// the same way), the waitlist with its time-limited offers, door staff, and
/// each venue's Ed25519 key that signs ticket codes.
enum Migration012Tickets {
    static let migration = Migration(version: 12, name: "tickets", statements: [
        """
        CREATE TABLE ticket_tiers (
            id {id} PRIMARY KEY,
            event_id {id} NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
            currency TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity >= 1),
            claimed INTEGER NOT NULL CHECK (claimed >= 0),
            held INTEGER NOT NULL CHECK (held >= 0),
            per_person INTEGER NOT NULL CHECK (per_person >= 1),
            sales_start {time},
            sales_end {time},
            created_at {time} NOT NULL,
            CHECK (claimed + held <= quantity)
        )
        """,
        "CREATE INDEX ticket_tiers_event ON ticket_tiers (event_id, created_at)",
        """
        CREATE TABLE tickets (
            id {id} PRIMARY KEY,
            tier_id {id} NOT NULL REFERENCES ticket_tiers(id) ON DELETE CASCADE,
            event_id {id} NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            holder_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            state TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
            checked_in_at {time},
            checked_in_by {id},
            created_at {time} NOT NULL
        )
        """,
        "CREATE INDEX tickets_holder ON tickets (holder_id, created_at)",
        "CREATE INDEX tickets_event ON tickets (event_id, state)",
        """
        CREATE TABLE ticket_holdings (
            tier_id {id} NOT NULL REFERENCES ticket_tiers(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            count INTEGER NOT NULL CHECK (count >= 0),
            PRIMARY KEY (tier_id, user_id)
        )
        """,
        """
        CREATE TABLE ticket_waitlist (
            tier_id {id} NOT NULL REFERENCES ticket_tiers(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            offered_until {time},
            created_at {time} NOT NULL,
            PRIMARY KEY (tier_id, user_id)
        )
        """,
        "CREATE INDEX ticket_waitlist_queue ON ticket_waitlist (tier_id, created_at)",
        """
        CREATE TABLE door_staff (
            venue_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            PRIMARY KEY (venue_id, user_id)
        )
        """,
        """
        CREATE TABLE venue_ticket_keys (
            venue_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            private_key TEXT NOT NULL,
            public_key TEXT NOT NULL,
            created_at {time} NOT NULL
        )
        """,
    ])
}
