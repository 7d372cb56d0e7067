import BasedModeration
import Foundation
import HTTPTypes
import SQLKit

/// Reports and their review: anyone reports something they can see; reports
/// of one thing merge into one case; moderators and admins work the queue and
/// act (dismiss, hide, warn, suspend, ban); the owner is told why and may
/// appeal once; every decision is appended to the hash-chained audit log.
///
/// The things themselves are reached only through their features' services:
/// a takedown is `TrackService.takeDown`, a suspension `AccountService.endSessions`
/// plus a restriction that sign-in and refresh consult.
public struct ReportService: Sendable {
    let database: Database
    let moderation: ModerationService
    let accounts: AccountService
    let tracks: TrackService
    let releases: ReleaseService
    let playlists: PlaylistService
    let comments: CommentService
    let messaging: MessagingService
    let events: EventService
    let realtime: Realtime
    /// A track taken down for copyright blocks its recording from coming back.
    let fingerprints: FingerprintService

    public enum Kind: String, Sendable, CaseIterable { case track, release, playlist, comment, message, event, user }
    public enum Reason: String, Sendable, CaseIterable { case spam, harassment, hate, sexual, violence, copyright, impersonation, other }
    public enum Action: String, Sendable, CaseIterable { case dismiss, hide, warn, suspend, ban, uphold, reverse }
    public enum Status: String, Sendable, CaseIterable { case open, dismissed, actioned, appealed, closed }

    /// What a report names: a thing, and for a message its place in the conversation.
    public struct Subject: Sendable, Equatable {
        public var kind: Kind
        public var id: UUID
        public var seq: Int = 0
    }

    // MARK: Reporting

    /// Reports something the reporter can see (404 otherwise); a thing with an
    /// open case gets this report added to it. 409 when the reporter already
    /// reported it; 422 for one's own things. Returns the case, and whether it is new.
    public func report(_ identity: Identity, _ subject: Subject, reason: Reason, details: String) async throws -> (ModerationCase, created: Bool) {
        let details = details.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(details, max: 2000) { throw AppError.validation("details", problem) }
        if subject.kind == .message, subject.seq < 1 { throw AppError.validation("seq", "must be the message's number (1 or more)") }
        let (owner, excerpt) = try await look(at: subject, by: identity)
        guard owner != identity.userID else {
            throw AppError(.unprocessableContent, code: "own_content", "You cannot report your own \(subject.kind.rawValue).")
        }
        let now = Date()
        let screened = moderation.freeText(details).text
        do {
            return try await file(subject, owner: owner, excerpt: excerpt, by: identity, reason: reason, details: screened, now: now)
        } catch where database.isUniqueViolation(error) {
            // Another first report of the same thing opened its case at the same moment: join that one.
            return try await file(subject, owner: owner, excerpt: excerpt, by: identity, reason: reason, details: screened, now: now)
        }
    }

    /// Adds the report to the thing's open case, opening one if it has none, in one transaction.
    private func file(
        _ subject: Subject, owner: UUID, excerpt: String, by identity: Identity, reason: Reason, details screened: String, now: Date
    ) async throws -> (ModerationCase, created: Bool) {
        try await database.transaction { sql in
            var created = false
            var row: ReportQueries.CaseRow
            if let open = try await ReportQueries.openCase(kind: subject.kind.rawValue, id: subject.id, seq: subject.seq, on: sql) {
                row = open
            } else {
                row = .init(
                    id: .v7(now: now), thingKind: subject.kind.rawValue, thingId: subject.id, thingSeq: subject.seq, ownerId: owner,
                    reason: reason.rawValue, excerpt: String(excerpt.prefix(280)), reportCount: 0, status: Status.open.rawValue,
                    createdAt: now, updatedAt: now
                )
                try await ReportQueries.insert(row, on: sql)
                created = true
            }
            let added = try await ReportQueries.addReport(
                .init(id: .v7(now: now), caseId: row.id, reporterId: identity.userID, reason: reason.rawValue, details: screened, createdAt: now),
                on: sql
            )
            guard added else { throw AppError.conflict("You already reported this \(subject.kind.rawValue); it is in the review queue.", code: "already_reported") }
            row.reportCount += 1
            return (ModerationCase(row), created)
        }
    }

    /// The thing's owner and a snapshot of it for the reviewers, if the viewer can see it.
    private func look(at subject: Subject, by identity: Identity) async throws -> (owner: UUID, excerpt: String) {
        switch subject.kind {
        case .track:
            let track = try await tracks.track(subject.id, viewer: identity)
            return (track.artistId, track.title)
        case .release:
            let release = try await releases.release(subject.id, viewer: identity).0
            return (release.artistId, release.title)
        case .playlist:
            let playlist = try await playlists.playlist(subject.id, viewer: identity.userID).playlist
            return (playlist.ownerId, "\(playlist.title)\n\(playlist.description)")
        case .comment:
            let comment = try await comments.comment(subject.id, viewer: identity.userID)
            return (comment.authorId, comment.text)
        case .message:
            guard try await messaging.memberIDs(of: subject.id).contains(identity.userID),
                  let message = try await messaging.message(conversation: subject.id, seq: subject.seq), message.deletedAt == nil
            else { throw AppError.notFound("The message") }
            return (message.senderId, message.body ?? "(an attachment)")
        case .event:
            let event = try await events.event(subject.id, viewer: identity.userID).event
            return (event.venueId, event.title)
        case .user:
            guard let user = try await accounts.user(id: subject.id) else { throw AppError.notFound("The user") }
            return (user.id, "\(user.username) (\(user.displayName))\n\(user.bio)")
        }
    }

    // MARK: Erasure

    /// Cases keep what was decided after an account is erased, not who it
    /// was: a case about the account, or about what it wrote, loses its
    /// excerpt, and one about the account itself stops naming it. (The
    /// audit log is append-only and keeps its entries: docs/privacy.md.)
    public func erase(_ user: UUID) async throws {
        try await ReportQueries.redactCases(about: user, on: database.sql)
    }

    /// The moderators' load (the admin dashboard): open cases, appeals
    /// waiting, and when the oldest open case was made.
    public func load() async throws -> (open: Int, appealed: Int, oldestOpen: Date?) {
        try await ReportQueries.load(on: database.sql)
    }

    // MARK: The queue

    /// A page of cases, newest first (moderators and admins); open ones by default.
    public func cases(
        by identity: Identity, status: Status?, kind: Kind?, reason: Reason?, cursor: String?, limit: Int?
    ) async throws -> (cases: [ModerationCase], nextCursor: String?) {
        try await moderation.requireStaff(identity)
        let size = try PageSize.resolve(limit)
        let before = try cursor.map(BrowseCursor.decodeID)
        let rows = try await ReportQueries.cases(
            statuses: [(status ?? .open).rawValue], kind: kind?.rawValue, reason: reason?.rawValue, owner: nil, before: before, limit: size + 1,
            on: database.sql
        )
        let shown = rows.prefix(size).map(ModerationCase.init)
        return (Array(shown), rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
    }

    /// One case with its reports (moderators and admins).
    public func `case`(by identity: Identity, id: UUID) async throws -> (ModerationCase, [CaseReport]) {
        try await moderation.requireStaff(identity)
        guard let row = try await ReportQueries.case(id: id, on: database.sql) else { throw AppError.notFound("The case") }
        return (ModerationCase(row), try await ReportQueries.reports(of: id, on: database.sql).map(CaseReport.init))
    }

    /// The decisions about one's own things and account, newest first.
    public func notices(of user: UUID, cursor: String?, limit: Int?) async throws -> (cases: [ModerationCase], nextCursor: String?) {
        let size = try PageSize.resolve(limit)
        let before = try cursor.map(BrowseCursor.decodeID)
        let decided = [Status.actioned, .appealed, .closed].map(\.rawValue)
        let rows = try await ReportQueries.cases(statuses: decided, kind: nil, reason: nil, owner: user, before: before, limit: size + 1, on: database.sql)
        let shown = rows.prefix(size).map(ModerationCase.init)
        return (Array(shown), rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
    }

    // MARK: Acting

    /// A moderator's decision on a case. On an open case: dismiss, hide (a
    /// takedown; not for users), warn, suspend (`days`, 1–365) or ban. On an
    /// appealed case: uphold or reverse (which undoes a takedown, suspension or ban).
    /// 403 for one's own things, 409 for a case not waiting for that decision.
    public func act(by identity: Identity, case id: UUID, action: Action, reason: String, days: Int?) async throws -> ModerationCase {
        try await moderation.requireStaff(identity)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(reason, min: 1, max: 1000) { throw AppError.validation("reason", problem) }
        guard var row = try await ReportQueries.case(id: id, on: database.sql) else { throw AppError.notFound("The case") }
        guard row.ownerId != identity.userID else {
            throw AppError.forbidden("You cannot decide a case about your own things; another moderator will.", code: "own_content")
        }
        let kind = Kind(rawValue: row.thingKind) ?? .user
        let status = Status(rawValue: row.status) ?? .closed
        let appealDecision = action == .uphold || action == .reverse
        switch (status, appealDecision) {
        case (.open, false), (.appealed, true): break
        case (.appealed, false), (.open, true):
            throw AppError.conflict(
                status == .open ? "An open case is decided with dismiss, hide, warn, suspend or ban." : "An appealed case is decided with uphold or reverse.",
                code: "wrong_decision", fields: [.init("action", "does not apply to a case that is \(status.rawValue)")]
            )
        default:
            throw AppError.conflict("The case is \(status.rawValue); there is nothing to decide.", code: "case_closed")
        }
        if action == .hide, kind == .user {
            throw AppError.validation("action", "a user is warned, suspended or banned, not hidden")
        }
        if action == .suspend {
            guard let days, (1...365).contains(days) else { throw AppError.validation("days", "must be between 1 and 365 for a suspension") }
        }
        let now = Date()
        let subject = Subject(kind: kind, id: row.thingId, seq: row.thingSeq)
        let owner = row.ownerId
        switch action {
        case .dismiss, .warn, .uphold:
            break
        case .hide:
            row.undo = try await takeDown(subject)
            if row.reason == Reason.copyright.rawValue {
                // Each recording taken down blocks its fingerprint (a release's: every one on it).
                let recordings = subject.kind == .track ? [subject.id] : subject.kind == .release ? try await releases.trackIDs(of: subject.id) : []
                for track in recordings { try await fingerprints.block(track: track, case: row.id) }
            }
        case .suspend, .ban:
            if let owner {
                let until = action == .suspend ? now.addingTimeInterval(Double(days ?? 1) * 86_400) : nil
                row.actionUntil = until
                try await ModerationQueries.restrict(
                    .init(userId: owner, kind: action == .ban ? "banned" : "suspended", until: until, caseId: row.id, reason: reason, createdAt: now),
                    on: database.sql
                )
                try await accounts.endSessions(of: owner, reason: action == .ban ? "banned" : "suspended")
            }
        case .reverse:
            try await undo(row, subject: subject)
        }
        if appealDecision {
            row.status = Status.closed.rawValue
            row.appealOutcome = action.rawValue
        } else {
            row.status = (action == .dismiss ? Status.dismissed : Status.actioned).rawValue
            row.action = action.rawValue
            row.actionReason = reason
            row.actedBy = identity.userID
            row.actedAt = now
        }
        row.updatedAt = now
        let decided = row
        try await database.transaction { sql in
            try await ReportQueries.update(decided, on: sql)
            try await appendAudit(actor: identity.userID, action: action.rawValue, case: decided, reason: reason, at: now, on: sql)
        }
        if let owner, action != .dismiss {
            _ = await realtime.notify(owner, kind: .moderation, actor: nil, subject: decided.id.text, data: [
                "caseId": decided.id.text, "action": action.rawValue, "reason": reason, "kind": kind.rawValue, "thingId": subject.id.text,
            ].merging(decided.actionUntil.map { ["until": $0.formatted(.iso8601)] } ?? [:]) { $1 })
        }
        return ModerationCase(decided)
    }

    /// The takedown through the thing's own service; returns what undoing it needs.
    private func takeDown(_ subject: Subject) async throws -> String? {
        switch subject.kind {
        case .track: return try await tracks.takeDown(subject.id).rawValue
        case .release: return try await releases.takeDown(subject.id).rawValue
        case .playlist: return try await playlists.takeDown(subject.id).rawValue
        case .comment: return try await comments.remove(comment: subject.id)
        case .message: return try await messaging.remove(conversation: subject.id, seq: subject.seq)
        case .event: return try await events.cancelByModeration(subject.id) ? Self.cancelledByModeration : nil
        case .user: return nil
        }
    }

    /// The `undo` of an event this case cancelled (one its venue had cancelled stays so).
    static let cancelledByModeration = "cancelled"

    /// Reverses the case's decision: a takedown of a track, release or
    /// playlist (and its copyright block), a removed comment (with its
    /// replies) or message, an event the case cancelled, a suspension or a
    /// ban. A comment whose track has gone since cannot come back.
    private func undo(_ row: ReportQueries.CaseRow, subject: Subject) async throws {
        switch Action(rawValue: row.action ?? "") {
        case .hide:
            let visibility = row.undo.flatMap(Visibility.init(rawValue:)) ?? .private
            switch subject.kind {
            case .track:
                try await tracks.restore(subject.id, visibility: visibility)
                try await fingerprints.unblock(case: row.id)
            case .release:
                try await releases.restore(subject.id, visibility: visibility)
                try await fingerprints.unblock(case: row.id)
            case .playlist: try await playlists.restore(subject.id, visibility: visibility)
            case .comment: if let snapshot = row.undo { try await comments.restore(snapshot) }
            case .message: if let snapshot = row.undo { try await messaging.restore(conversation: subject.id, seq: subject.seq, snapshot: snapshot) }
            case .event: if row.undo == Self.cancelledByModeration { try await events.restoreByModeration(subject.id) }
            case .user: break
            }
        case .suspend, .ban:
            if let owner = row.ownerId { try await ModerationQueries.lift(user: owner, case: row.id, on: database.sql) }
        default:
            break
        }
    }

    // MARK: Appeals

    /// The owner's one appeal of a decision (warn, hide, suspend or ban): the
    /// case goes back to the queue as appealed. 404 for anyone else's case;
    /// 409 for a second appeal or a case with nothing to appeal.
    public func appeal(_ identity: Identity, case id: UUID, text: String) async throws -> ModerationCase {
        guard let row = try await ReportQueries.case(id: id, on: database.sql), row.ownerId == identity.userID,
              row.status != Status.open.rawValue
        else { throw AppError.notFound("The case") }
        return try await appeal(row, by: identity.userID, text: text)
    }

    /// The appeal of a suspended or banned account, which cannot sign in: by
    /// the signed link its refused sign-in carried (403 for a bad one, 410 once expired).
    public func appeal(case id: UUID, expires: Int, signature: String, text: String) async throws -> ModerationCase {
        guard Double(expires) > Date().timeIntervalSince1970 else {
            throw AppError(.gone, code: "appeal_link_expired", "This appeal link has expired; sign in again for a new one.")
        }
        guard moderation.appeals.verify(track: id, expires: expires, signature: signature),
              let row = try await ReportQueries.case(id: id, on: database.sql), let owner = row.ownerId
        else { throw AppError.forbidden("This appeal link is not valid.", code: "invalid_signature") }
        return try await appeal(row, by: owner, text: text)
    }

    private func appeal(_ found: ReportQueries.CaseRow, by owner: UUID, text: String) async throws -> ModerationCase {
        var row = found
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Validation.text(text, min: 1, max: 2000) { throw AppError.validation("text", problem) }
        guard row.appealedAt == nil else {
            throw AppError.conflict("A decision is appealed once; this one already was.", code: "already_appealed")
        }
        guard row.status == Status.actioned.rawValue else {
            throw AppError.conflict("There is no decision to appeal in this case.", code: "nothing_to_appeal")
        }
        let now = Date()
        row.appealText = moderation.freeText(text).text
        row.appealedAt = now
        row.status = Status.appealed.rawValue
        row.updatedAt = now
        let appealed = row
        try await database.transaction { sql in
            try await ReportQueries.update(appealed, on: sql)
            try await appendAudit(actor: owner, action: "appeal", case: appealed, reason: appealed.appealText ?? "", at: now, on: sql)
        }
        return ModerationCase(appealed)
    }

    // MARK: The audit log

    /// Appends one entry, chained to the last, inside the caller's transaction.
    private func appendAudit(actor: UUID, action: String, case row: ReportQueries.CaseRow, reason: String, at now: Date, on sql: any SQLDatabase) async throws {
        try await ReportQueries.lockAudit(dialect: database.dialect, on: sql)
        let head = try await ReportQueries.auditHead(on: sql) ?? (0, AuditChain.genesis)
        let entry = AuditEntry(
            seq: head.seq + 1, at: now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)),
            actor: actor.text, action: action, case: row.id.text, kind: row.thingKind, thing: row.thingId.text,
            seq_in_thing: row.thingSeq == 0 ? nil : row.thingSeq, owner: row.ownerId?.text, reason: reason,
            until: row.actionUntil?.formatted(.iso8601)
        )
        let text = try entry.canonical()
        try await ReportQueries.append(
            .init(
                seq: head.seq + 1, at: now, actorId: actor, action: action, caseId: row.id, entry: text,
                previousHash: head.hash, hash: AuditChain.hash(previous: head.hash, text: text)
            ),
            on: sql
        )
    }

    /// A page of the audit log in order (admins only).
    public func audit(by identity: Identity, after seq: Int, limit: Int?) async throws -> [AuditRecord] {
        try ModerationService.requireAdmin(identity)
        return try await ReportQueries.audit(after: seq, limit: try PageSize.resolve(limit), on: database.sql).map(AuditRecord.init)
    }

    /// Walks the whole log, checking every link and that each row's columns
    /// say what its hashed entry says: the count and head, or where it breaks.
    public func verifyAudit() async throws -> AuditVerification {
        var head: (seq: Int, hash: String) = (0, AuditChain.genesis)
        while true {
            let rows = try await ReportQueries.audit(after: head.seq, limit: 1000, on: database.sql)
            if rows.isEmpty { return AuditVerification(entries: head.seq, head: head.hash, broken: nil) }
            for row in rows {
                let link = AuditChain.Link(seq: row.seq, text: row.entry, previous: row.previousHash, hash: row.hash)
                switch AuditChain.verify([link], after: head) {
                case .success(let last): head = last
                case .failure(let broken): return AuditVerification(entries: head.seq, head: head.hash, broken: broken)
                }
                // The columns the log is searched by must say what the hashed entry says.
                if let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(row.entry.utf8)),
                   entry.seq != row.seq || entry.action != row.action || entry.case != row.caseId?.text || entry.actor != row.actorId?.text {
                    return AuditVerification(entries: row.seq - 1, head: row.previousHash, broken: .init(seq: row.seq, kind: .hashMismatch))
                }
            }
        }
    }
}

/// One audit entry as hashed: JSON with sorted keys.
struct AuditEntry: Codable, Sendable {
    var seq: Int
    var at: String
    var actor: String
    var action: String
    var `case`: String
    var kind: String
    var thing: String
    var seq_in_thing: Int?
    var owner: String?
    var reason: String
    var until: String?

    func canonical() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// What `based audit verify` and the admin endpoint report.
public struct AuditVerification: Sendable {
    /// Entries verified (all of them when intact).
    public var entries: Int
    /// The last verified entry's hash.
    public var head: String
    public var broken: AuditChain.Break?
}

public struct AuditRecord: Sendable {
    public var seq: Int
    public var at: Date
    public var actorId: UUID?
    public var action: String
    public var caseId: UUID?
    public var entry: String
    public var previousHash: String
    public var hash: String

    init(_ row: ReportQueries.AuditRow) {
        seq = row.seq
        at = row.at
        actorId = row.actorId
        action = row.action
        caseId = row.caseId
        entry = row.entry
        previousHash = row.previousHash
        hash = row.hash
    }
}

/// A case: the reports of one thing, and what was decided.
public struct ModerationCase: Sendable, Equatable {
    public var id: UUID
    public var kind: ReportService.Kind
    public var thingId: UUID
    public var seq: Int?
    public var ownerId: UUID?
    public var reason: ReportService.Reason
    public var excerpt: String
    public var reportCount: Int
    public var status: ReportService.Status
    public var action: ReportService.Action?
    public var actionReason: String?
    public var actionUntil: Date?
    public var actedBy: UUID?
    public var actedAt: Date?
    public var appealText: String?
    public var appealedAt: Date?
    public var appealOutcome: ReportService.Action?
    public var createdAt: Date

    init(_ row: ReportQueries.CaseRow) {
        id = row.id
        kind = .init(rawValue: row.thingKind) ?? .user
        thingId = row.thingId
        seq = row.thingSeq == 0 ? nil : row.thingSeq
        ownerId = row.ownerId
        reason = .init(rawValue: row.reason) ?? .other
        excerpt = row.excerpt
        reportCount = row.reportCount
        status = .init(rawValue: row.status) ?? .closed
        action = row.action.flatMap(ReportService.Action.init(rawValue:))
        actionReason = row.actionReason
        actionUntil = row.actionUntil
        actedBy = row.actedBy
        actedAt = row.actedAt
        appealText = row.appealText
        appealedAt = row.appealedAt
        appealOutcome = row.appealOutcome.flatMap(ReportService.Action.init(rawValue:))
        createdAt = row.createdAt
    }
}

public struct CaseReport: Sendable, Equatable {
    public var id: UUID
    public var reporterId: UUID?
    public var reason: ReportService.Reason
    public var details: String
    public var createdAt: Date

    init(_ row: ReportQueries.ReportRow) {
        id = row.id
        reporterId = row.reporterId
        reason = .init(rawValue: row.reason) ?? .other
        details = row.details
        createdAt = row.createdAt
    }
}
