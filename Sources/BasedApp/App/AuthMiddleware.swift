import Foundation
import Hummingbird

/// Reads `Authorization: Bearer …`, checks the token and its session, and puts
/// the caller in the context. A request without the header goes on anonymous;
/// one with a bad header or token is refused with 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasedRequestContext
    let accounts: AccountService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Subsonic apps authenticate each call with its own parameters (Subsonic/).
        guard let header = request.headers[.authorization], !request.uri.path.hasPrefix("/rest/") else {
            return try await next(request, context)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw AppError.unauthorized("The Authorization header must be 'Bearer <access token>'.", code: "invalid_authorization")
        }
        var context = context
        context.identity = try await accounts.authenticate(accessToken: String(parts[1]).trimmingCharacters(in: .whitespaces))
        return try await next(request, context)
    }
}
