import Foundation

/// Something a listener or an artist did that the platform celebrates.
public enum Achievement: String, Sendable, CaseIterable, Codable {
    /// An artist's first public track.
    case firstUpload = "first-upload"
    /// An artist's music reached 100 different listeners.
    case hundredListeners = "first-100-listeners"
    /// Liked a track before its 1,000th play.
    case earlyListener = "early-listener"
    /// Admitted at the door of ten shows.
    case tenShows = "ten-shows"
    /// Heard to the end the music of fifty artists of one's own city.
    case fiftyLocalArtists = "fifty-local-artists"

    public var title: String {
        switch self {
        case .firstUpload: "First upload"
        case .hundredListeners: "First 100 listeners"
        case .earlyListener: "Early listener"
        case .tenShows: "Ten shows"
        case .fiftyLocalArtists: "Fifty local artists"
        }
    }

    /// Whether showing it tells others something about the holder's listening.
    public var revealsListening: Bool {
        switch self {
        case .firstUpload, .hundredListeners: false
        case .earlyListener, .tenShows, .fiftyLocalArtists: true
        }
    }
}

/// Who has earned what, from the platform's activity (no I/O: the caller
/// reads the activity and stores the awards).
public enum AchievementRules {
    public static let listenersForHundred = 100
    public static let earlyBefore = 1_000
    public static let showsForTen = 10
    public static let localArtistsForFifty = 50

    /// One listen heard to the end (or not).
    public struct Listen: Sendable {
        public var user: UUID
        public var track: UUID
        public var at: Date
        public var completed: Bool

        public init(user: UUID, track: UUID, at: Date, completed: Bool) {
            self.user = user
            self.track = track
            self.at = at
            self.completed = completed
        }
    }

    /// The awards the activity supports. `artistOf` names each track's artist,
    /// `cityOf` folds a user's (or artist's) city, or nil when unknown.
    public static func evaluate(
        listens: [Listen], likes: [(user: UUID, track: UUID, at: Date)], shows: [UUID: Int],
        artistOf: (UUID) -> UUID?, cityOf: (UUID) -> String?
    ) -> [(user: UUID, achievement: Achievement)] {
        var awards: [(UUID, Achievement)] = []
        let ordered = listens.sorted { $0.at < $1.at }
        // Artists by distinct listeners (their own plays aside).
        var listenersOf: [UUID: Set<UUID>] = [:]
        for listen in ordered {
            guard let artist = artistOf(listen.track), artist != listen.user else { continue }
            listenersOf[artist, default: []].insert(listen.user)
        }
        for (artist, listeners) in listenersOf where listeners.count >= listenersForHundred {
            awards.append((artist, .hundredListeners))
        }
        // When each track was played for the 1,000th time; a like before it is early.
        var counts: [UUID: Int] = [:], thousandth: [UUID: Date] = [:]
        for listen in ordered {
            counts[listen.track, default: 0] += 1
            if counts[listen.track] == earlyBefore { thousandth[listen.track] = listen.at }
        }
        var early = Set<UUID>()
        for like in likes {
            if let reached = thousandth[like.track], like.at < reached { early.insert(like.user) }
        }
        awards += early.map { ($0, .earlyListener) }
        awards += shows.filter { $0.value >= showsForTen }.map { ($0.key, .tenShows) }
        // Local artists heard to the end, per listener.
        var local: [UUID: Set<UUID>] = [:]
        for listen in ordered where listen.completed {
            guard let artist = artistOf(listen.track), artist != listen.user,
                  let city = cityOf(listen.user), cityOf(artist) == city else { continue }
            local[listen.user, default: []].insert(artist)
        }
        awards += local.filter { $0.value.count >= localArtistsForFifty }.map { ($0.key, .fiftyLocalArtists) }
        return awards.sorted { ($0.0.uuidString, $0.1.rawValue) < ($1.0.uuidString, $1.1.rawValue) }
    }
}
