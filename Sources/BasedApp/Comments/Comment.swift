import Foundation

/// One row of `track_comments`: a comment at a moment of a track (SoundCloud
/// style), or a reply to one (replies have no moment of their own).
public struct TrackComment: Codable, Sendable, Equatable {
    public var id: UUID
    public var trackId: UUID
    public var authorId: UUID
    public var parentId: UUID?
    public var atSeconds: Double?
    public var text: String
    public var createdAt: Date
    public var editedAt: Date?
}

public enum CommentLimits {
    public static let textCharacters = 1000
    public static let repliesShown = 50
}
