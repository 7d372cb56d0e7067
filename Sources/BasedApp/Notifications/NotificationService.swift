import Foundation

/// One entry of a user's inbox.
public struct AppNotification: Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case follow, message, release
        case eventReminder = "event_reminder"
        case ticketOffer = "ticket_offer"
        case lineupInvite = "lineup_invite"
        case lineup
        /// A moderator's decision about something of yours, or your account.
        case moderation
        /// A data export is ready to download.
        case exportReady = "export_ready"
        /// An achievement was earned (`data.achievement`, `data.title`).
        case achievement
        /// A show near you with an artist you follow or often listen to (`data.eventId`, `data.artistName`).
        case showNearby = "show_nearby"
        /// A show you hold a ticket for moved or was cancelled (`data.change`: `moved` or `cancelled`).
        case eventChanged = "event_changed"
    }

    public var id: UUID
    public var userId: UUID
    public var kind: Kind
    public var actorId: UUID?
    public var subjectId: String?
    public var data: [String: String]
    public var createdAt: Date
    public var readAt: Date?
}

extension AppNotification: Decodable {
    enum CodingKeys: String, CodingKey { case id, userId, kind, actorId, subjectId, body, createdAt, readAt }

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        id = try row.decode(UUID.self, forKey: .id)
        userId = try row.decode(UUID.self, forKey: .userId)
        kind = Kind(rawValue: try row.decode(String.self, forKey: .kind)) ?? .message
        actorId = try row.decodeIfPresent(UUID.self, forKey: .actorId)
        subjectId = try row.decodeIfPresent(String.self, forKey: .subjectId)
        data = (try? JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, forKey: .body).utf8))) ?? [:]
        createdAt = try row.decode(Date.self, forKey: .createdAt)
        readAt = try row.decodeIfPresent(Date.self, forKey: .readAt)
    }
}

/// Per-user choices: which kinds reach the inbox and which are pushed, quiet
/// hours for pushes, and whether followers see what they play.
public struct NotificationSettings: Sendable, Equatable {
    public var disabledInApp: Set<AppNotification.Kind> = []
    public var disabledPush: Set<AppNotification.Kind> = []
    /// Minutes after local midnight; pushes wait out [start, end) (which may wrap midnight).
    public var quietStart: Int?
    public var quietEnd: Int?
    public var timeZone: String?
    public var shareNowPlaying = false
    /// Shows within this many kilometres of the user with an artist they follow
    /// or often hear are announced to them; 0 turns it off.
    public var showAlertRadiusKm = NotificationSettings.defaultShowAlertRadiusKm

    public static let defaultShowAlertRadiusKm = 25
    public static let maxShowAlertRadiusKm = 500

    public init() {}

    /// Whether `date` falls in the quiet hours.
    public func isQuiet(at date: Date) -> Bool {
        guard let start = quietStart, let end = quietEnd, start != end else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
    }
}

/// The inbox: storing notifications under each user's rules, reading and
/// marking them. Live and push delivery are `Realtime`'s and `PushSender`'s.
public struct NotificationService: Sendable {
    let database: Database
    let blocks: BlockService

    /// Stores a notification unless the user turned the kind off, or blocked
    /// or muted the actor; returns it when stored.
    func create(for user: UUID, kind: AppNotification.Kind, actor: UUID?, subject: String?, data: [String: String]) async throws -> AppNotification? {
        guard actor != user else { return nil }
        let settings = try await settings(of: user)
        guard !settings.disabledInApp.contains(kind) else { return nil }
        if let actor {
            if try await blocks.isBlocked(between: user, and: actor) { return nil }
            if try await blocks.isMuted(user, muted: actor) { return nil }
        }
        let now = Date()
        let notification = AppNotification(id: .v7(now: now), userId: user, kind: kind, actorId: actor, subjectId: subject, data: data, createdAt: now, readAt: nil)
        try await NotificationQueries.insert(notification, on: database.sql)
        return notification
    }

    public func notification(_ id: UUID) async throws -> AppNotification? {
        try await NotificationQueries.notification(id, on: database.sql)
    }

    /// Newest first, after the cursor (a notification id); `unreadOnly` filters.
    public func list(for user: UUID, cursor: String?, limit: Int?, unreadOnly: Bool) async throws -> (items: [AppNotification], nextCursor: String?) {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be between 1 and 100") }
        let before = try cursor.map(FollowService.decodeCursor)
        // Blocks made after a notification hide it too.
        let blocked = try await blocks.blockedEitherWay(user)
        let rows = try await NotificationQueries.page(of: user, before: before, unreadOnly: unreadOnly, hidden: blocked, limit: size + 1, on: database.sql)
        let shown = Array(rows.prefix(size))
        return (shown, rows.count > size ? shown.last.map { FollowService.encodeCursor($0.id) } : nil)
    }

    public func unreadCount(for user: UUID) async throws -> Int {
        try await NotificationQueries.unreadCount(of: user, on: database.sql)
    }

    /// Marks the given notifications (or, with `all`, every one) read; only the user's own.
    public func markRead(for user: UUID, ids: [UUID], all: Bool) async throws -> Int {
        guard all || !ids.isEmpty else { throw AppError.validation("ids", "must name at least one notification, or set all") }
        guard ids.count <= 500 else { throw AppError.validation("ids", "may name at most 500 notifications") }
        try await NotificationQueries.markRead(of: user, ids: all ? nil : ids, now: Date(), on: database.sql)
        return try await unreadCount(for: user)
    }

    /// Who has been told about `subject` with a notification of this kind already.
    func recipients(of kind: AppNotification.Kind, subject: String) async throws -> Set<UUID> {
        try await NotificationQueries.recipients(kind: kind, subject: subject, on: database.sql)
    }

    // MARK: Settings

    public func settings(of user: UUID) async throws -> NotificationSettings {
        guard let row = try await NotificationQueries.settings(of: user, on: database.sql) else { return NotificationSettings() }
        func kinds(_ json: String) -> Set<AppNotification.Kind> {
            Set(((try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []).compactMap(AppNotification.Kind.init(rawValue:)))
        }
        var settings = NotificationSettings()
        settings.disabledInApp = kinds(row.disabledInApp)
        settings.disabledPush = kinds(row.disabledPush)
        settings.quietStart = row.quietStart
        settings.quietEnd = row.quietEnd
        settings.timeZone = row.timeZone
        settings.shareNowPlaying = row.shareNowPlaying
        settings.showAlertRadiusKm = row.showAlertRadiusKm ?? NotificationSettings.defaultShowAlertRadiusKm
        return settings
    }

    /// Each user's show-alert radius in kilometres (the default for those who never chose).
    public func alertRadii(of users: [UUID]) async throws -> [UUID: Int] {
        let chosen = try await NotificationQueries.alertRadii(of: users, on: database.sql)
        return Dictionary(uniqueKeysWithValues: users.map { ($0, chosen[$0] ?? NotificationSettings.defaultShowAlertRadiusKm) })
    }

    public func save(_ settings: NotificationSettings, for user: UUID) async throws {
        if (settings.quietStart == nil) != (settings.quietEnd == nil) {
            throw AppError.validation("quietHours", "needs both start and end, or neither")
        }
        for value in [settings.quietStart, settings.quietEnd].compactMap({ $0 }) where !(0..<1440).contains(value) {
            throw AppError.validation("quietHours", "times must be HH:MM between 00:00 and 23:59")
        }
        if let zone = settings.timeZone, TimeZone(identifier: zone) == nil {
            throw AppError.validation("quietHours.timeZone", "is not an IANA time zone such as Europe/Berlin")
        }
        guard (0...NotificationSettings.maxShowAlertRadiusKm).contains(settings.showAlertRadiusKm) else {
            throw AppError.validation("showAlertRadiusKm", "must be between 0 (off) and \(NotificationSettings.maxShowAlertRadiusKm)")
        }
        let row = NotificationQueries.SettingsRow(
            disabledInApp: JSONText.encode(settings.disabledInApp.map(\.rawValue).sorted()),
            disabledPush: JSONText.encode(settings.disabledPush.map(\.rawValue).sorted()),
            quietStart: settings.quietStart, quietEnd: settings.quietEnd, timeZone: settings.timeZone, shareNowPlaying: settings.shareNowPlaying,
            showAlertRadiusKm: settings.showAlertRadiusKm
        )
        try await NotificationQueries.saveSettings(row, of: user, on: database.sql)
    }

    // MARK: Push devices

    public func register(device token: String, platform: String, for user: UUID) async throws -> UUID {
        guard (8...4096).contains(token.utf8.count) else { throw AppError.validation("token", "must be 8–4096 bytes") }
        guard ["ios", "android", "web", "expo"].contains(platform) else { throw AppError.validation("platform", "must be ios, android, web or expo") }
        let id = UUID.v7()
        // A token belongs to one device and so to whoever signed in on it last.
        try await database.transaction { sql in
            try await NotificationQueries.register(device: id, token: token, platform: platform, of: user, now: Date(), on: sql)
        }
        return id
    }

    public func unregister(device id: UUID, for user: UUID) async throws {
        try await NotificationQueries.unregister(device: id, of: user, on: database.sql)
    }

    func deviceTokens(of user: UUID) async throws -> [(token: String, platform: String)] {
        try await NotificationQueries.deviceTokens(of: user, on: database.sql)
    }
}
