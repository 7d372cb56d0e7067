/// Why a playlist edit or operation was refused; `code` is stable, so the
/// server can map it to a status (an index error is the client's 4xx, a
/// malformed operation a 422).
public struct PlaylistError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A local edit named an index past the end of the visible sequence.
        case indexOutOfRange
        /// An id is malformed: counter out of range or replica not a valid name.
        case invalidID
        /// An operation's counter is not above the counter of something it
        /// names, which no replica that follows the clock produces.
        case causalityViolation
        /// An id already names a different operation.
        case idReused
        /// An operation names an operation of the wrong kind: `element` must
        /// name an insert, `after` an insert or a move.
        case invalidReference
        /// Records that do not describe a playlist (an element without its
        /// insert's slot, a slot of an unknown element).
        case invalidRecords
        /// This replica's clock reached `OpID.maximumCounter`.
        case clockExhausted
    }

    public var code: Code
    /// What was refused, for logs and problem details.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
