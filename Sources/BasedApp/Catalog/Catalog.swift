import Foundation

/// Who may see a track or release.
public enum Visibility: String, Codable, Sendable, CaseIterable {
    /// Listed and playable by everyone.
    case `public`
    /// Playable by anyone with its id or link, but not listed.
    case unlisted
    /// Only its owner.
    case `private`
}

/// Where a track is in its life.
public enum TrackState: String, Codable, Sendable {
    case draft, processing, ready, failed
}

/// One row of `releases`.
public struct Release: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case album, ep, single }

    public var id: UUID
    public var artistId: UUID
    public var title: String
    public var kind: Kind
    /// ISO 8601 date (YYYY-MM-DD).
    public var releaseDate: String?
    /// JSON array of `Credit`.
    public var credits: String
    public var artworkHash: String?
    public var visibility: Visibility
    public var createdAt: Date
    public var updatedAt: Date

    public var creditList: [Credit] {
        (try? JSONDecoder().decode([Credit].self, from: Data(credits.utf8))) ?? []
    }
}

/// A person's part in a release ("Producer", "Mixing").
public struct Credit: Codable, Sendable, Equatable {
    public var role: String
    public var name: String
}

/// One row of `tracks`.
public struct Track: Codable, Sendable, Equatable {
    public var id: UUID
    public var artistId: UUID
    public var releaseId: UUID?
    public var title: String
    /// JSON array of featured artist names.
    public var featured: String
    public var trackNumber: Int?
    public var discNumber: Int?
    public var genre: String?
    /// JSON array of tags.
    public var tags: String
    public var explicit: Bool
    public var visibility: Visibility
    public var state: TrackState
    public var failureReason: String?
    /// JSON object: step name → done/failed, for clients to show progress.
    public var progress: String
    public var originalHash: String
    public var originalFormat: String
    public var originalSize: Int
    public var originalFilename: String?
    public var durationSeconds: Double?
    public var sampleRate: Int?
    public var channels: Int?
    public var loudnessLufs: Double?
    public var truePeakDbtp: Double?
    public var replayGainDb: Double?
    /// JSON array of peaks.
    public var waveform: String?
    public var artworkHash: String?
    public var year: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public var featuredList: [String] { Self.strings(featured) }
    public var tagList: [String] { Self.strings(tags) }
    public var progressSteps: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(progress.utf8))) ?? [:]
    }

    static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    /// Whether `viewer` may see and play this track.
    public func isVisible(to viewer: UUID?) -> Bool {
        visibility != .private || viewer == artistId
    }
}

/// What lists and search need of a public, ready track.
public struct TrackListing: Sendable, Equatable {
    public var id: UUID
    public var artistId: UUID
    public var releaseId: UUID?
    public var title: String
    public var featured: [String]
    public var genre: String?
    public var createdAt: Date

    struct Row: Decodable {
        var id: UUID, artistId: UUID, releaseId: UUID?, title: String, featured: String, genre: String?, createdAt: Date
        var listing: TrackListing {
            TrackListing(id: id, artistId: artistId, releaseId: releaseId, title: title, featured: Track.strings(featured), genre: genre, createdAt: createdAt)
        }
    }
}

/// What lists and search need of a public release.
public struct ReleaseListing: Sendable, Equatable {
    public var id: UUID
    public var artistId: UUID
    public var title: String
    public var creditNames: [String]
    public var createdAt: Date

    struct Row: Decodable {
        var id: UUID, artistId: UUID, title: String, credits: String, createdAt: Date
        var listing: ReleaseListing {
            let credits = (try? JSONDecoder().decode([Credit].self, from: Data(credits.utf8))) ?? []
            return ReleaseListing(id: id, artistId: artistId, title: title, creditNames: credits.map(\.name), createdAt: createdAt)
        }
    }
}

enum JSONText {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
