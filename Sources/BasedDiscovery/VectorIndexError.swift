/// Why an index refused a call or a file.
public struct VectorIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// A vector or query whose length is not the index's dimension.
        case dimensionMismatch
        /// A vector holding NaN or an infinity.
        case invalidVector
        /// A configuration or argument outside what the index supports.
        case invalidParameter
        /// The file could not be read or written.
        case fileUnreadable
        /// The file is not a Based vector index.
        case notAnIndex
        /// A vector index written by a format version this build does not read.
        case unsupportedVersion
        /// The file ends before the index does.
        case truncated
        /// The file's checksum or structure is wrong.
        case corrupt
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
