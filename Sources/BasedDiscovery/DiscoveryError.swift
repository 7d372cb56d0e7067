/// Why discovery refused an input.
public enum DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting outside what the computation supports.
    case invalidSetting(String)
    /// The linear algebra failed (it should not for valid settings).
    case numerical(String)
    /// An interaction file that cannot be read: the line (1-based) and why.
    case malformedFile(line: Int, String)

    public var description: String {
        switch self {
        case .invalidSetting(let message): "invalid setting: \(message)"
        case .numerical(let message): "numerical failure: \(message)"
        case .malformedFile(let line, let message): "line \(line): \(message)"
        }
    }
}
