import Foundation
import Hummingbird
import Logging
import NIOCore

/// What the middleware learned about a request: who sent it and from where.
public struct BasedRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in user, set by `AuthMiddleware` when a valid access token came with the request.
    public var identity: Identity?
    /// The peer address; `nil` when the request did not come over a socket (router tests).
    public let remoteAddress: SocketAddress?
    /// The connection's channel, to learn whether it can send files with sendfile(2).
    let channelID: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channelID = ObjectIdentifier(source.channel)
    }

    /// A client key for rate limits: the peer's IP address.
    public var clientAddress: String {
        remoteAddress?.ipAddress ?? "local"
    }
}

/// The authenticated caller of a request.
public struct Identity: Sendable, Equatable {
    public var userID: UUID
    public var sessionID: UUID
    public var username: String
    public var role: Role

    public init(userID: UUID, sessionID: UUID, username: String, role: Role) {
        self.userID = userID
        self.sessionID = sessionID
        self.username = username
        self.role = role
    }
}

/// The per-request values that OpenAPI handlers, which receive no Hummingbird
/// context, need. `RequestScopeMiddleware` binds it for the duration of a request.
public struct RequestScope: Sendable {
    @TaskLocal public static var current: RequestScope?

    public var identity: Identity?
    public var clientAddress: String
    public var userAgent: String?
    public var logger: Logger

    static func get() throws -> RequestScope {
        guard let scope = current else {
            // Handlers are only reachable through the router, which always binds the scope.
            throw AppError.internal
        }
        return scope
    }

    /// The caller, or a 401 problem when the request carried no valid access token.
    static func requireIdentity() throws -> Identity {
        guard let identity = try get().identity else {
            throw AppError.unauthorized("This request needs a valid access token (Authorization: Bearer …).", code: "authentication_required")
        }
        return identity
    }
}
