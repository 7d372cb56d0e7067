import BasedAPI
import Foundation
import OpenAPIRuntime

/// /me/app-passwords handlers.
extension APIHandler {
    func listAppPasswords(_ input: Operations.ListAppPasswords.Input) async throws -> Operations.ListAppPasswords.Output {
        let identity = try RequestScope.requireIdentity()
        let items = try await appPasswords.list(identity).map { item in
            Components.Schemas.AppPassword(
                id: item.id.text, name: item.name, kind: .init(rawValue: item.kind.rawValue)!, createdAt: item.createdAt, lastUsedAt: item.lastUsedAt
            )
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createAppPassword(_ input: Operations.CreateAppPassword.Input) async throws -> Operations.CreateAppPassword.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let kind = AppPasswordService.Kind(rawValue: body.kind?.rawValue ?? "password") ?? .password
        let (item, secret) = try await appPasswords.create(identity, name: body.name, kind: kind)
        return .created(.init(body: .json(.init(
            id: item.id.text, name: item.name, kind: .init(rawValue: item.kind.rawValue)!, createdAt: item.createdAt, secret: secret
        ))))
    }

    func revokeAppPassword(_ input: Operations.RevokeAppPassword.Input) async throws -> Operations.RevokeAppPassword.Output {
        let identity = try RequestScope.requireIdentity()
        guard let id = UUID(uuidString: input.path.appPasswordId) else { throw AppError.notFound("The app password") }
        try await appPasswords.revoke(identity, id: id)
        return .noContent(.init())
    }
}

extension APIHandler {
    var appPasswords: AppPasswordService { services.appPasswords }
}
