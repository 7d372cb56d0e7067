import BasedAPI
import Foundation

/// `GET /api/v1/users/{username}/presence`: what the realtime layer knows,
/// to those it would tell.
extension APIHandler {
    func getPresence(_ input: Operations.GetPresence.Input) async throws -> Operations.GetPresence.Output {
        let identity = try RequestScope.requireIdentity()
        let other = try await user(named: input.path.username)
        let sql = services.database.sql
        // Only followers and conversation partners see presence; to anyone else the answer is the same as for no one.
        if other.id != identity.userID {
            guard try await services.realtime.audience(of: other.id, followers: true).contains(identity.userID) else {
                throw AppError.notFound("The presence of \(input.path.username)")
            }
        }
        let state = try await PresenceQueries.states(of: [other.id], now: Date(), on: sql)[other.id] ?? .init(state: "offline")
        return .ok(.init(body: .json(.init(state: .init(rawValue: state.state) ?? .offline, lastSeenAt: state.lastSeenAt))))
    }
}
