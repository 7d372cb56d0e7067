import Foundation

/// A small announcement that something happened, sent to every server
/// process. It names what changed; receivers read the rest from the database.
public struct BusEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A new message `c`/`s`.
        case message = "m"
        /// Message `c`/`s` was edited, deleted or reacted to.
        case updated = "u"
        /// User `u` read conversation `c` up to `s`.
        case receipt = "r"
        /// User `u` is typing in `c`.
        case typing = "t"
        /// User `u`'s presence may have changed.
        case presence = "p"
        /// User `u` started (`x` = track id) or stopped playing.
        case nowPlaying = "np"
        /// Notification `x` for user `u`.
        case notification = "n"
        /// Conversation `c`'s members or title changed (`x` says how; `u` whom).
        case conversation = "c"
        /// Track `x` changed (edited, reprocessed, deleted, taken down): caches of it are dropped.
        case track = "tk"
        /// User `u`'s session `x` (every session of theirs when absent) was revoked: caches of it are dropped.
        case session = "ss"
        /// Thing `c` of kind `x` (track, release, user, event, playlist) was
        /// created, changed or deleted: indexes derived from it re-read it.
        case changed = "ch"
        /// Frame `x` (small, already encoded) for every socket of user `u`.
        case direct = "d"
    }

    public var k: Kind
    public var c: UUID?
    public var s: Int?
    public var u: UUID?
    public var x: String?
    /// The process that published it, which has already delivered it locally.
    public var o: UUID?

    public init(k: Kind, c: UUID? = nil, s: Int? = nil, u: UUID? = nil, x: String? = nil, o: UUID? = nil) {
        self.k = k
        self.c = c
        self.s = s
        self.u = u
        self.x = x
        self.o = o
    }
}

