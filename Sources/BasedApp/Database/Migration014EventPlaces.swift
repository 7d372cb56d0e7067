/// Where events are: a pin (latitude, longitude) that nearby searches scan by index.
enum Migration014EventPlaces {
    static let migration = Migration(version: 14, name: "event_places", statements: [
        "ALTER TABLE events ADD COLUMN latitude {real}",
        "ALTER TABLE events ADD COLUMN longitude {real}",
        "CREATE INDEX events_place ON events (latitude, longitude, starts_at)",
    ])
}
