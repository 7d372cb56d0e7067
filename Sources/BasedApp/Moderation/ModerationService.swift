import BasedModeration
import Foundation
import HTTPTypes
import SQLKit
import Synchronization

/// Keeps abuse out of what people write, by one policy per kind of field:
///
/// - names and titles (usernames, display names, track, release, playlist,
///   event and group titles) with a blocked word are refused (422,
///   `inappropriate_text`), so nothing offensive is ever shown as a name;
/// - free text (messages, comments, bios, descriptions) is kept with its
///   blocked words masked (`****`);
/// - anything borderline (a mild word, or a listed word inside a longer one)
///   is allowed and flagged for the admins' review queue.
///
/// Messages are also held to a spam limit: a flood, or the same text into
/// many conversations, is refused with 429 and `Retry-After`.
///
/// The words come from the lists shipped in BasedModeration (the languages
/// `BASED_MODERATION_LANGUAGES` names), then any `*.txt` in the data
/// directory's `moderation/` folder, which a community edits in the same
/// format (docs/moderation.md).
public final class ModerationService: Sendable {
    let database: Database
    let filter: WordFilter
    private let spam: Mutex<SpamGuard>
    /// Signs the appeal links handed to restricted accounts at sign-in.
    let appeals: StreamSigner

    /// What became of a text: the text to store, and what to flag.
    public struct Screened: Sendable {
        /// The text as it should be stored (masked, for free text).
        public let text: String
        /// The borderline terms found, in order; empty when there is nothing to review.
        public let borderline: [String]
    }

    init(database: Database, filter: WordFilter, spamLimits: SpamGuard.Limits = .init(), appeals: StreamSigner) {
        self.database = database
        self.filter = filter
        self.spam = Mutex(SpamGuard(limits: spamLimits))
        self.appeals = appeals
    }

    /// The shipped lists for `languages`, then the data directory's own lists.
    static func loadFilter(languages: [String], dataDirectory: URL) throws -> WordFilter {
        var lists = try WordLists.shipped(languages: languages)
        let folder = dataDirectory.appendingPathComponent("moderation", isDirectory: true)
        let local = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        for file in local.filter({ $0.pathExtension == "txt" }).sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            lists.append(try String(contentsOf: file, encoding: .utf8))
        }
        return WordFilter(lists: lists)
    }

    // MARK: Text

    /// A name or title: refused when it has a blocked word; `field` is the
    /// request's field name, for the problem's `fields`.
    public func name(_ text: String, field: String) throws -> Screened {
        let scan = filter.scan(text)
        if let blocked = scan.matches.first(where: { $0.tier == .blocked }) {
            let shown = String(text[blocked.range])
            throw AppError(
                .unprocessableContent, code: "inappropriate_text",
                "The \(field) has a word this community does not allow in names and titles: \"\(shown)\".",
                fields: [.init(field, "has a word that is not allowed in names and titles: \"\(shown)\"")]
            )
        }
        return Screened(text: text, borderline: scan.matches.map(\.term))
    }

    /// Free text: blocked words masked, borderline ones noted.
    public func freeText(_ text: String) -> Screened {
        let scan = filter.scan(text)
        return Screened(text: scan.masked, borderline: scan.matches.filter { $0.tier == .borderline }.map(\.term))
    }

    /// How a field is treated: a name or title is refused, free text masked.
    public enum Policy: Sendable { case name, freeText }

    /// Several fields of one thing, screened together.
    public struct Screening: Sendable {
        public fileprivate(set) var fields: [(field: String, screened: Screened)] = []

        /// The text to store for `field` (masked free text), or nil when it was not screened.
        public func text(_ field: String) -> String? { fields.first { $0.field == field }?.screened.text }
    }

    /// Screens each given text (nil: the request left the field out) by its
    /// policy; throws for the first refused name.
    public func screen(_ items: [(field: String, text: String?, policy: Policy)]) throws -> Screening {
        var screening = Screening()
        for item in items {
            guard let text = item.text else { continue }
            switch item.policy {
            case .name: screening.fields.append((item.field, try name(text, field: item.field)))
            case .freeText: screening.fields.append((item.field, freeText(text)))
            }
        }
        return screening
    }

    /// Flags every borderline field of a screening.
    public func flag(_ screening: Screening?, thing kind: ModerationFlag.Kind, id: UUID, author: UUID?) async throws {
        for (field, screened) in screening?.fields ?? [] {
            try await flag(screened, thing: kind, id: id, field: field, author: author)
        }
    }

    /// Puts a borderline text in the review queue (again, if it was reviewed
    /// before and has changed); nothing when it has nothing borderline.
    public func flag(_ screened: Screened, thing kind: ModerationFlag.Kind, id: UUID, field: String, author: UUID?) async throws {
        guard !screened.borderline.isEmpty else { return }
        let now = Date()
        try await ModerationQueries.upsert(.init(
            id: .v7(now: now), thingKind: kind.rawValue, thingId: id, field: field, authorId: author,
            excerpt: String(screened.text.prefix(280)), terms: screened.borderline.joined(separator: ", "),
            createdAt: now, resolvedAt: nil, resolvedBy: nil
        ), on: database.sql)
    }

    // MARK: Spam

    /// Refuses a message that would make its sender a flood or a repeat
    /// spammer (429 with `Retry-After`); otherwise remembers it.
    public func checkMessage(from sender: UUID, conversation: String, text: String?) throws {
        let now = Date().timeIntervalSince1970
        let verdict = spam.withLock { $0.check(sender: sender.uuidString, conversation: conversation, text: text, now: now) }
        switch verdict {
        case .allowed:
            return
        case .flood(let seconds):
            throw AppError(
                .tooManyRequests, code: "message_flood", "Too many messages at once; try again in \(seconds) seconds.",
                headers: [.retryAfter: String(seconds)]
            )
        case .repeated(let seconds):
            throw AppError(
                .tooManyRequests, code: "repeated_message",
                "The same message went to too many conversations; try again in \(seconds) seconds.",
                headers: [.retryAfter: String(seconds)]
            )
        }
    }

    // MARK: Review queue

    /// A page of flags, newest first (admins only).
    public func flags(by identity: Identity, resolved: Bool, cursor: String?, limit: Int?) async throws -> (flags: [ModerationFlag], nextCursor: String?) {
        try Self.requireAdmin(identity)
        let size = try PageSize.resolve(limit)
        let before = try cursor.map(BrowseCursor.decodeID)
        let rows = try await ModerationQueries.flags(resolved: resolved, before: before, limit: size + 1, on: database.sql)
        let shown = rows.prefix(size).map(ModerationFlag.init)
        return (Array(shown), rows.count > size ? shown.last.map { BrowseCursor.encode(id: $0.id) } : nil)
    }

    /// Marks a flag reviewed (admins only); 404 for no such flag, 409 when it was already resolved.
    public func resolve(by identity: Identity, flag id: UUID) async throws -> ModerationFlag {
        try Self.requireAdmin(identity)
        guard try await ModerationQueries.flag(id: id, on: database.sql) != nil else { throw AppError.notFound("The flag \(id.text)") }
        guard try await ModerationQueries.resolve(id: id, by: identity.userID, now: Date(), on: database.sql) else {
            throw AppError.conflict("The flag \(id.text) was already resolved.", code: "already_resolved")
        }
        guard let row = try await ModerationQueries.flag(id: id, on: database.sql) else { throw AppError.notFound("The flag \(id.text)") }
        return ModerationFlag(row)
    }

    static func requireAdmin(_ identity: Identity) throws {
        guard identity.role == .admin else { throw AppError.forbidden("Only admins review moderation flags.", code: "admin_only") }
    }

    // MARK: Moderators

    /// Whether the caller reviews reports: an admin, or a user an admin made a moderator.
    public func isStaff(_ identity: Identity) async throws -> Bool {
        if identity.role == .admin { return true }
        return try await ModerationQueries.isModerator(identity.userID, on: database.sql)
    }

    func requireStaff(_ identity: Identity) async throws {
        guard try await isStaff(identity) else {
            throw AppError.forbidden("Only moderators and admins review reports.", code: "moderators_only")
        }
    }

    /// Flags keep what was flagged after an account is erased, not who
    /// wrote it: those the account wrote lose their excerpt; those about
    /// its name go, with the name.
    public func erase(_ user: UUID) async throws {
        try await ModerationQueries.redactFlags(of: user, on: database.sql)
    }

    /// Makes a user a moderator, or no longer one (admins only); idempotent.
    public func setModerator(by identity: Identity, user: UUID, on: Bool) async throws {
        guard identity.role == .admin else { throw AppError.forbidden("Only admins appoint moderators.", code: "admin_only") }
        if on {
            try await ModerationQueries.addModerator(user, by: identity.userID, now: Date(), on: database.sql)
        } else {
            try await ModerationQueries.removeModerator(user, on: database.sql)
        }
    }

    // MARK: Suspensions and bans

    /// Refuses a banned account, or a suspended one (403, saying until when);
    /// a lapsed suspension is no longer one. Each case's restriction stands
    /// alone: reversing one leaves the others.
    ///
    /// With `appealable`, the refusal carries a link to appeal the decision
    /// once without signing in (the caller has just checked the password).
    public func requireUnrestricted(_ user: UUID, appealable: Bool = false, on sql: (any SQLDatabase)? = nil) async throws {
        let sql = sql ?? database.sql
        let restrictions = try await ModerationQueries.restrictions(of: user, on: sql)
        let now = Date()
        var refusal: AppError
        let decisive: ModerationQueries.RestrictionRow
        if let ban = restrictions.first(where: { $0.kind == "banned" }) {
            decisive = ban
            refusal = AppError.forbidden("This account is banned: \(ban.reason)", code: "account_banned")
        } else if let suspension = restrictions.filter({ ($0.until ?? .distantPast) > now }).max(by: { $0.until! < $1.until! }),
                  let until = suspension.until {
            decisive = suspension
            refusal = AppError.forbidden(
                "This account is suspended until \(until.formatted(.iso8601)): \(suspension.reason)", code: "account_suspended"
            )
        } else {
            return
        }
        if appealable, let decided = try await ReportQueries.case(id: decisive.caseId, on: sql), decided.appealedAt == nil,
           decided.status == ReportService.Status.actioned.rawValue {
            let signed = appeals.sign(track: decided.id, lifetime: .seconds(3600), now: now)
            refusal.appeal = .init(caseId: decided.id.text, expires: signed.expires, sig: signed.signature)
        }
        throw refusal
    }
}

/// A takedown's refusal of making a thing visible again.
enum Takedown {
    static func refusal(_ what: String) -> AppError {
        AppError.conflict(
            "A moderator took this \(what) down; it stays private unless an appeal restores it.", code: "taken_down",
            fields: [.init("visibility", "cannot change while the \(what) is taken down")]
        )
    }
}

/// A text in the review queue.
public struct ModerationFlag: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case user, track, release, playlist, event, conversation, message, comment
    }

    public var id: UUID
    public var kind: Kind
    public var thingId: UUID
    public var field: String
    public var authorId: UUID?
    public var excerpt: String
    public var terms: [String]
    public var createdAt: Date
    public var resolvedAt: Date?
    public var resolvedBy: UUID?

    init(_ row: ModerationQueries.FlagRow) {
        id = row.id
        kind = Kind(rawValue: row.thingKind) ?? .user
        thingId = row.thingId
        field = row.field
        authorId = row.authorId
        excerpt = row.excerpt
        terms = row.terms.split(separator: ", ").map(String.init)
        createdAt = row.createdAt
        resolvedAt = row.resolvedAt
        resolvedBy = row.resolvedBy
    }
}
