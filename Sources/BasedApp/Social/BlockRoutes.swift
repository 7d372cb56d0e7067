import BasedAPI
import Foundation

/// Block and mute handlers.
extension APIHandler {
    var blocking: BlockService { services.blocks }

    func blockUser(_ input: Operations.BlockUser.Input) async throws -> Operations.BlockUser.Output {
        let identity = try RequestScope.requireIdentity()
        let other = try await user(named: input.path.username)
        try await blocking.block(identity.userID, other.id)
        // Presence stops at once: both sides are told the other went quiet.
        await realtime.presenceChanged(of: identity.userID)
        return .noContent(.init())
    }

    func unblockUser(_ input: Operations.UnblockUser.Input) async throws -> Operations.UnblockUser.Output {
        let identity = try RequestScope.requireIdentity()
        try await blocking.unblock(identity.userID, try await user(named: input.path.username).id)
        return .noContent(.init())
    }

    func muteUser(_ input: Operations.MuteUser.Input) async throws -> Operations.MuteUser.Output {
        let identity = try RequestScope.requireIdentity()
        try await blocking.mute(identity.userID, try await user(named: input.path.username).id, muted: true)
        return .noContent(.init())
    }

    func unmuteUser(_ input: Operations.UnmuteUser.Input) async throws -> Operations.UnmuteUser.Output {
        let identity = try RequestScope.requireIdentity()
        try await blocking.mute(identity.userID, try await user(named: input.path.username).id, muted: false)
        return .noContent(.init())
    }

    func listBlocks(_ input: Operations.ListBlocks.Input) async throws -> Operations.ListBlocks.Output {
        let identity = try RequestScope.requireIdentity()
        let blocks = try await blocking.blocks(of: identity.userID)
        return .ok(.init(body: .json(.init(items: blocks.map { Self.summary($0.user) }))))
    }
}
