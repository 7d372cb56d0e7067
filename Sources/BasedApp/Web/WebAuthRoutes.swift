import BasedAPI
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// /auth/web/* handlers: the account calls of /auth/*, for the web app, with
/// the refresh token in an HttpOnly cookie and a double-submit CSRF check
/// (docs/decisions.md, "Web app sessions").
extension APIHandler {
    func webRegister(_ input: Operations.WebRegister.Input) async throws -> Operations.WebRegister.Output {
        let exchange = try BrowserExchange.get()
        try exchange.requireCSRFHeader()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let scope = try RequestScope.get()
        let registration = AccountService.Registration(
            username: body.username, email: body.email, password: body.password,
            role: Role(rawValue: body.role.rawValue)!, displayName: body.displayName
        )
        let (user, tokens) = try await accounts.register(registration, clientAddress: scope.clientAddress, userAgent: scope.userAgent)
        exchange.setSession(refreshToken: tokens.refreshToken, expiresAt: tokens.refreshTokenExpiresAt)
        return .created(.init(body: .json(Self.webSession(tokens, try await profiles.view(of: user)))))
    }

    func webSignIn(_ input: Operations.WebSignIn.Input) async throws -> Operations.WebSignIn.Output {
        let exchange = try BrowserExchange.get()
        try exchange.requireCSRFHeader()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let scope = try RequestScope.get()
        let (user, tokens) = try await accounts.signIn(login: body.login, password: body.password, clientAddress: scope.clientAddress, userAgent: scope.userAgent)
        exchange.setSession(refreshToken: tokens.refreshToken, expiresAt: tokens.refreshTokenExpiresAt)
        return .ok(.init(body: .json(Self.webSession(tokens, try await profiles.view(of: user)))))
    }

    func webRefresh(_ input: Operations.WebRefresh.Input) async throws -> Operations.WebRefresh.Output {
        let exchange = try BrowserExchange.get()
        try exchange.requireCSRFMatch()
        let refreshToken = try exchange.refreshToken()
        do {
            let (user, tokens) = try await accounts.refresh(refreshToken)
            exchange.setSession(refreshToken: tokens.refreshToken, expiresAt: tokens.refreshTokenExpiresAt)
            return .ok(.init(body: .json(Self.webSession(tokens, try await profiles.view(of: user)))))
        } catch let error as AppError where error.status == .unauthorized {
            // A refused cookie is of no further use: the browser forgets it.
            exchange.clearSession()
            throw error
        }
    }

    func webSignOut(_ input: Operations.WebSignOut.Input) async throws -> Operations.WebSignOut.Output {
        let exchange = try BrowserExchange.get()
        try exchange.requireCSRFMatch()
        let identity = try RequestScope.requireIdentity()
        try await accounts.signOut(identity, allDevices: input.query.allDevices ?? false)
        exchange.clearSession()
        return .noContent(.init())
    }

    static func webSession(_ tokens: SessionTokens, _ view: ProfileView) -> Components.Schemas.WebSession {
        .init(
            tokenType: .bearer, accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt,
            refreshTokenExpiresAt: tokens.refreshTokenExpiresAt, user: privateProfile(view)
        )
    }
}
