import BasedAPI
import Foundation
import OpenAPIRuntime

/// /auth/*, /me and /admin handlers.
extension APIHandler {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let scope = try RequestScope.get()
        let registration = AccountService.Registration(
            username: body.username, email: body.email, password: body.password,
            role: Role(rawValue: body.role.rawValue)!, displayName: body.displayName
        )
        let (user, tokens) = try await accounts.register(registration, clientAddress: scope.clientAddress, userAgent: scope.userAgent)
        return .created(.init(body: .json(Self.session(tokens, try await profiles.view(of: user)))))
    }

    func signIn(_ input: Operations.SignIn.Input) async throws -> Operations.SignIn.Output {
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let scope = try RequestScope.get()
        let (user, tokens) = try await accounts.signIn(login: body.login, password: body.password, clientAddress: scope.clientAddress, userAgent: scope.userAgent)
        return .ok(.init(body: .json(Self.session(tokens, try await profiles.view(of: user)))))
    }

    func refreshSession(_ input: Operations.RefreshSession.Input) async throws -> Operations.RefreshSession.Output {
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let (user, tokens) = try await accounts.refresh(body.refreshToken)
        return .ok(.init(body: .json(Self.session(tokens, try await profiles.view(of: user)))))
    }

    func signOut(_ input: Operations.SignOut.Input) async throws -> Operations.SignOut.Output {
        let identity = try RequestScope.requireIdentity()
        try await accounts.signOut(identity, allDevices: input.query.allDevices ?? false)
        return .noContent(.init())
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        try await accounts.changePassword(identity, current: body.currentPassword, new: body.newPassword)
        return .noContent(.init())
    }

    func setVerification(_ input: Operations.SetVerification.Input) async throws -> Operations.SetVerification.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let user = try await accounts.setVerified(by: identity, username: input.path.username, verified: body.verified)
        return .ok(.init(body: .json(Self.publicProfile(try await profiles.view(of: user)))))
    }
}
