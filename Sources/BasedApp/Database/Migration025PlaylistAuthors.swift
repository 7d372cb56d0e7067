/// Discovery reads what a listener added to playlists (a taste signal):
/// their insert operations, newest first, found by author.
enum Migration025PlaylistAuthors {
    static let migration = Migration(version: 25, name: "playlist operations by author", statements: [
        "CREATE INDEX playlist_ops_author ON playlist_ops (author_id, created_at)",
    ])
}
