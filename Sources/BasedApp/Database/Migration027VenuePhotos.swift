/// A venue's photos: JPEGs kept by content hash beside the avatars, in the venue's order.
enum Migration027VenuePhotos {
    static let migration = Migration(version: 27, name: "venue photos", statements: [
        """
        CREATE TABLE venue_photos (
            venue_id {id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            hash TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            created_at {time} NOT NULL,
            PRIMARY KEY (venue_id, hash)
        )
        """,
        "CREATE INDEX venue_photos_hash ON venue_photos (hash)",
    ])
}
