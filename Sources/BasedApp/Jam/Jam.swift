import Foundation

/// One row of `jams`: a listening session. The host's playback is the
/// session's state: the queue, the entry playing, and where it was at
/// `stateAt` (server clock); members compute the position now from it.
public struct Jam: Codable, Sendable, Equatable {
    public var id: UUID
    public var hostId: UUID
    /// The join link's secret; only members see it.
    public var code: String
    /// JSON array of track ids.
    public var trackIds: String
    public var currentIndex: Int
    public var positionSeconds: Double
    public var playing: Bool
    public var stateAt: Date
    public var version: Int
    public var createdAt: Date
    public var endedAt: Date?

    public var tracks: [UUID] { Track.strings(trackIds).compactMap(UUID.init(uuidString:)) }
}

public enum JamLimits {
    public static let members = 100
    public static let queue = 500
}
