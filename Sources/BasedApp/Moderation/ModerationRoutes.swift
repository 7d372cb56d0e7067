import BasedAPI
import Foundation

/// The admins' review queue of borderline text.
extension APIHandler {
    var moderation: ModerationService { services.moderation }

    func listModerationFlags(_ input: Operations.ListModerationFlags.Input) async throws -> Operations.ListModerationFlags.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await moderation.flags(by: identity, resolved: input.query.resolved ?? false, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: page.flags.map(Self.flag), nextCursor: page.nextCursor))))
    }

    func resolveModerationFlag(_ input: Operations.ResolveModerationFlag.Input) async throws -> Operations.ResolveModerationFlag.Output {
        let identity = try RequestScope.requireIdentity()
        guard let id = UUID(uuidString: input.path.flagId) else { throw AppError.notFound("The flag") }
        return .ok(.init(body: .json(Self.flag(try await moderation.resolve(by: identity, flag: id)))))
    }

    static func flag(_ flag: ModerationFlag) -> Components.Schemas.ModerationFlag {
        .init(
            id: flag.id.text, kind: .init(rawValue: flag.kind.rawValue)!, thingId: flag.thingId.text, field: flag.field,
            authorId: flag.authorId?.text, excerpt: flag.excerpt, terms: flag.terms, createdAt: flag.createdAt,
            resolvedAt: flag.resolvedAt, resolvedBy: flag.resolvedBy?.text
        )
    }
}
