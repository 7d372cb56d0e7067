import Foundation

/// One row of `playlists`: what it is called, who may see and edit it, and
/// its order as CRDT records (`records`, in `PlaylistRecords`' text form).
public struct Playlist: Codable, Sendable, Equatable {
    public var id: UUID
    public var ownerId: UUID
    public var title: String
    public var description: String
    public var visibility: Visibility
    public var collaborative: Bool
    public var trackCount: Int
    /// JSON array of the first few track ids (covers and lists need no records).
    public var firstTracks: String
    public var records: String
    /// How many operations were applied; rises with every edit.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public var firstTrackIDs: [UUID] { Track.strings(firstTracks).compactMap(UUID.init(uuidString:)) }

    /// Whether `viewer` may see it: public and unlisted to anyone with the link, private to its owner and collaborators.
    func isVisible(to viewer: UUID?, collaborators: Set<UUID>) -> Bool {
        visibility != .private || viewer == ownerId || viewer.map(collaborators.contains) == true
    }
}

/// Limits of playlists, in one place so the docs and the checks agree.
public enum PlaylistLimits {
    public static let tracks = 10_000
    public static let titleCharacters = 100
    public static let descriptionCharacters = 1000
    public static let operationsPerRequest = 500
    public static let collaborators = 50
    /// Operations waiting for one they name; more is refused (a client sending removals of nothing).
    public static let waiting = 1000
}
