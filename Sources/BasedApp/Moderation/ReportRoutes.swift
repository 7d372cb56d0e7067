import BasedAPI
import BasedModeration
import Foundation

/// Reports, the moderators' queue, appeals, moderators and the audit log.
extension APIHandler {
    var reports: ReportService { services.reports }

    func createReport(_ input: Operations.CreateReport.Input) async throws -> Operations.CreateReport.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        guard let kind = ReportService.Kind(rawValue: body.kind.rawValue), let reason = ReportService.Reason(rawValue: body.reason.rawValue) else {
            throw AppError.validation("kind", "is not something that can be reported")
        }
        let subject = ReportService.Subject(kind: kind, id: try Self.uuid(body.id, "id"), seq: kind == .message ? (body.seq ?? 0) : 0)
        let (filed, created) = try await reports.report(identity, subject, reason: reason, details: body.details ?? "")
        return .created(.init(body: .json(.init(
            caseId: filed.id.text, kind: body.kind, thingId: filed.thingId.text, seq: filed.seq, reason: body.reason, merged: !created
        ))))
    }

    func listModerationNotices(_ input: Operations.ListModerationNotices.Input) async throws -> Operations.ListModerationNotices.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await reports.notices(of: identity.userID, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: page.cases.compactMap(Self.notice), nextCursor: page.nextCursor))))
    }

    func appealModerationDecision(_ input: Operations.AppealModerationDecision.Input) async throws -> Operations.AppealModerationDecision.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let appealed = try await reports.appeal(identity, case: try Self.uuid(input.path.caseId, "caseId"), text: body.text)
        guard let notice = Self.notice(appealed) else { throw AppError.notFound("The case") }
        return .ok(.init(body: .json(notice)))
    }

    func appealWithLink(_ input: Operations.AppealWithLink.Input) async throws -> Operations.AppealWithLink.Output {
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let appealed = try await reports.appeal(case: try Self.uuid(body.caseId, "caseId"), expires: body.expires, signature: body.sig, text: body.text)
        guard let notice = Self.notice(appealed) else { throw AppError.notFound("The case") }
        return .ok(.init(body: .json(notice)))
    }

    func listModerationCases(_ input: Operations.ListModerationCases.Input) async throws -> Operations.ListModerationCases.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await reports.cases(
            by: identity,
            status: input.query.status.flatMap { ReportService.Status(rawValue: $0.rawValue) },
            kind: input.query.kind.flatMap { ReportService.Kind(rawValue: $0.rawValue) },
            reason: input.query.reason.flatMap { ReportService.Reason(rawValue: $0.rawValue) },
            cursor: input.query.cursor, limit: input.query.limit
        )
        return .ok(.init(body: .json(.init(items: page.cases.map(Self.moderationCase), nextCursor: page.nextCursor))))
    }

    func getModerationCase(_ input: Operations.GetModerationCase.Input) async throws -> Operations.GetModerationCase.Output {
        let identity = try RequestScope.requireIdentity()
        let (found, filed) = try await reports.case(by: identity, id: try Self.uuid(input.path.caseId, "caseId"))
        return .ok(.init(body: .json(.init(
            _case: Self.moderationCase(found),
            reports: filed.map {
                .init(id: $0.id.text, reporterId: $0.reporterId?.text, reason: .init(rawValue: $0.reason.rawValue)!, details: $0.details, createdAt: $0.createdAt)
            }
        ))))
    }

    func decideModerationCase(_ input: Operations.DecideModerationCase.Input) async throws -> Operations.DecideModerationCase.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        guard let action = ReportService.Action(rawValue: body.action.rawValue) else { throw AppError.validation("action", "is not a decision") }
        let decided = try await reports.act(
            by: identity, case: try Self.uuid(input.path.caseId, "caseId"), action: action, reason: body.reason, days: body.days
        )
        return .ok(.init(body: .json(Self.moderationCase(decided))))
    }

    func addModerator(_ input: Operations.AddModerator.Input) async throws -> Operations.AddModerator.Output {
        try await setModerator(input.path.userId, on: true)
        return .noContent(.init())
    }

    func removeModerator(_ input: Operations.RemoveModerator.Input) async throws -> Operations.RemoveModerator.Output {
        try await setModerator(input.path.userId, on: false)
        return .noContent(.init())
    }

    private func setModerator(_ text: String, on: Bool) async throws {
        let identity = try RequestScope.requireIdentity()
        let id = try Self.uuid(text, "userId")
        guard identity.role == .admin else { throw AppError.forbidden("Only admins appoint moderators.", code: "admin_only") }
        guard try await accounts.user(id: id) != nil else { throw AppError.notFound("The user") }
        try await moderation.setModerator(by: identity, user: id, on: on)
    }

    func listAuditLog(_ input: Operations.ListAuditLog.Input) async throws -> Operations.ListAuditLog.Output {
        let identity = try RequestScope.requireIdentity()
        let after = input.query.after ?? 0
        guard after >= 0 else { throw AppError.validation("after", "must be 0 or more") }
        let entries = try await reports.audit(by: identity, after: after, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: entries.map {
            .init(
                seq: $0.seq, at: $0.at, actorId: $0.actorId?.text, action: $0.action, caseId: $0.caseId?.text, entry: $0.entry,
                previousHash: $0.previousHash, hash: $0.hash
            )
        }))))
    }

    func verifyAuditLog(_ input: Operations.VerifyAuditLog.Input) async throws -> Operations.VerifyAuditLog.Output {
        let identity = try RequestScope.requireIdentity()
        try ModerationService.requireAdmin(identity)
        let result = try await reports.verifyAudit()
        return .ok(.init(body: .json(.init(
            intact: result.broken == nil, entries: result.entries, head: result.head, brokenAt: result.broken?.seq,
            problem: result.broken.flatMap { .init(rawValue: $0.kind.rawValue) }
        ))))
    }

    static func moderationCase(_ found: ModerationCase) -> Components.Schemas.ModerationCase {
        .init(
            id: found.id.text, kind: .init(rawValue: found.kind.rawValue)!, thingId: found.thingId.text, seq: found.seq,
            ownerId: found.ownerId?.text, reason: .init(rawValue: found.reason.rawValue)!, excerpt: found.excerpt, reportCount: found.reportCount,
            status: .init(rawValue: found.status.rawValue)!, action: found.action.flatMap { .init(rawValue: $0.rawValue) },
            actionReason: found.actionReason, actionUntil: found.actionUntil, actedBy: found.actedBy?.text, actedAt: found.actedAt,
            appealText: found.appealText, appealedAt: found.appealedAt, appealOutcome: found.appealOutcome.flatMap { .init(rawValue: $0.rawValue) },
            createdAt: found.createdAt
        )
    }

    /// A decision as its owner sees it; nil for a case with no decision against them.
    static func notice(_ found: ModerationCase) -> Components.Schemas.ModerationNotice? {
        guard let action = found.action.flatMap({ Components.Schemas.ModerationNotice.ActionPayload(rawValue: $0.rawValue) }) else { return nil }
        return .init(
            caseId: found.id.text, kind: .init(rawValue: found.kind.rawValue)!, thingId: found.thingId.text, seq: found.seq, action: action,
            reason: found.actionReason ?? "", until: found.actionUntil, status: .init(rawValue: found.status.rawValue)!,
            appealable: found.status == .actioned && found.appealedAt == nil, appealedAt: found.appealedAt,
            appealOutcome: found.appealOutcome.flatMap { .init(rawValue: $0.rawValue) }, decidedAt: found.actedAt
        )
    }
}
