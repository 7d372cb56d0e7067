import Foundation

/// What a listener can like.
public enum LikeKind: String, Codable, Sendable, CaseIterable {
    case track, release, playlist
}

/// The play queue a user's devices share: what is queued, where playback is,
/// and which device plays it. `version` rises with every change, so a device
/// that saves an old queue over a newer one is told (409) instead of winning.
public struct PlayQueue: Sendable, Equatable {
    public var trackIDs: [UUID]
    public var index: Int
    public var positionSeconds: Double
    public var device: String?
    public var version: Int
    public var updatedAt: Date

    public static let empty = PlayQueue(trackIDs: [], index: 0, positionSeconds: 0, device: nil, version: 0, updatedAt: Date(timeIntervalSince1970: 0))
}

/// Where a listener stopped in a long track (a mix, a live set), to go on from there.
public struct ResumePosition: Sendable, Equatable {
    public var trackID: UUID
    public var positionSeconds: Double
    public var updatedAt: Date
}

/// Limits of the library, in one place so the docs and the checks agree.
public enum LibraryLimits {
    public static let queueTracks = 1000
    public static let deviceCharacters = 64
}
