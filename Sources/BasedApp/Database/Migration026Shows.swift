/// Live music near you: the gazetteer (GeoNames cities and their other names,
/// found by the prefix of a folded key), venues' place and opening details,
/// whether a user's pin came from their city, an event's capacity with the
/// counter its conditional write guards, each user's show-alert radius and the
/// alerts sent, and how each ticket is paid.
enum Migration026Shows {
    static let migration = Migration(version: 26, name: "shows", statements: [
        """
        CREATE TABLE places (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            country TEXT NOT NULL,
            admin1 TEXT,
            latitude {real} NOT NULL,
            longitude {real} NOT NULL,
            population INTEGER NOT NULL,
            time_zone TEXT
        )
        """,
        """
        CREATE TABLE place_names (
            key TEXT {bytewise} NOT NULL,
            place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            population INTEGER NOT NULL,
            PRIMARY KEY (key, place_id)
        )
        """,
        "CREATE INDEX place_names_place ON place_names (place_id)",
        """
        CREATE TABLE venue_profiles (
            user_id {id} PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            address TEXT,
            capacity INTEGER CHECK (capacity >= 1),
            opening_hours TEXT,
            updated_at {time} NOT NULL
        )
        """,
        "ALTER TABLE users ADD COLUMN location_from_city {bool}",
        "CREATE INDEX users_place ON users (role, latitude, longitude)",
        "ALTER TABLE events ADD COLUMN capacity INTEGER CHECK (capacity >= 1)",
        "ALTER TABLE events ADD COLUMN going INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE events ADD COLUMN pin_from_city {bool}",
        "UPDATE events SET going = (SELECT COUNT(*) FROM event_rsvps WHERE event_rsvps.event_id = events.id AND event_rsvps.status = 'going')",
        "ALTER TABLE notification_settings ADD COLUMN show_alert_radius_km INTEGER",
        """
        CREATE TABLE show_alerts (
            user_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            event_id {id} NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            created_at {time} NOT NULL,
            PRIMARY KEY (user_id, event_id)
        )
        """,
        "CREATE INDEX show_alerts_recent ON show_alerts (user_id, created_at)",
        "ALTER TABLE tickets ADD COLUMN payment_provider TEXT NOT NULL DEFAULT 'at_door'",
        "ALTER TABLE tickets ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'reserved' CHECK (payment_status IN ('free', 'reserved', 'paid', 'void'))",
        "ALTER TABLE tickets ADD COLUMN amount_minor INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE tickets ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR'",
        """
        UPDATE tickets SET
            amount_minor = (SELECT price_minor FROM ticket_tiers WHERE ticket_tiers.id = tickets.tier_id),
            currency = (SELECT currency FROM ticket_tiers WHERE ticket_tiers.id = tickets.tier_id),
            payment_status = CASE
                WHEN state = 'cancelled' THEN 'void'
                WHEN (SELECT price_minor FROM ticket_tiers WHERE ticket_tiers.id = tickets.tier_id) = 0 THEN 'free'
                WHEN checked_in_at IS NOT NULL THEN 'paid'
                ELSE 'reserved' END
        """,
    ])
}
