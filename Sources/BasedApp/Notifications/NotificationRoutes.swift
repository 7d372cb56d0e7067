import BasedAPI
import Foundation

/// Inbox, notification settings and push device handlers.
extension APIHandler {
    var notifications: NotificationService { services.notifications }

    func listNotifications(_ input: Operations.ListNotifications.Input) async throws -> Operations.ListNotifications.Output {
        let identity = try RequestScope.requireIdentity()
        let page = try await notifications.list(for: identity.userID, cursor: input.query.cursor, limit: input.query.limit, unreadOnly: input.query.unread ?? false)
        let actors = try await accounts.users(ids: page.items.compactMap(\.actorId))
        let items: [Components.Schemas.Notification] = page.items.map { notification in
            .init(
                id: notification.id.text, kind: .init(rawValue: notification.kind.rawValue)!,
                actor: notification.actorId.flatMap { actors[$0] }.map(Self.summary), subjectId: notification.subjectId,
                data: .init(additionalProperties: notification.data), createdAt: notification.createdAt, read: notification.readAt != nil
            )
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func unreadNotificationCount(_ input: Operations.UnreadNotificationCount.Input) async throws -> Operations.UnreadNotificationCount.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(unread: try await notifications.unreadCount(for: identity.userID)))))
    }

    func markNotificationsRead(_ input: Operations.MarkNotificationsRead.Input) async throws -> Operations.MarkNotificationsRead.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let ids = try (body.ids ?? []).map { try Self.uuid($0, "ids") }
        let unread = try await notifications.markRead(for: identity.userID, ids: ids, all: body.all ?? false)
        return .ok(.init(body: .json(.init(unread: unread))))
    }

    func getNotificationSettings(_ input: Operations.GetNotificationSettings.Input) async throws -> Operations.GetNotificationSettings.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(Self.settingsBody(try await notifications.settings(of: identity.userID)))))
    }

    func putNotificationSettings(_ input: Operations.PutNotificationSettings.Input) async throws -> Operations.PutNotificationSettings.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        var settings = NotificationSettings()
        settings.disabledInApp = Set(body.disabledInApp.compactMap { AppNotification.Kind(rawValue: $0.rawValue) })
        settings.disabledPush = Set(body.disabledPush.compactMap { AppNotification.Kind(rawValue: $0.rawValue) })
        settings.shareNowPlaying = body.shareNowPlaying
        // Left out, the radius stays as it was (clients older than show alerts do not send it).
        if let radius = body.showAlertRadiusKm {
            settings.showAlertRadiusKm = radius
        } else {
            settings.showAlertRadiusKm = try await services.notifications.settings(of: identity.userID).showAlertRadiusKm
        }
        if let quiet = body.quietHours {
            settings.quietStart = try Self.minutes(quiet.start, "quietHours.start")
            settings.quietEnd = try Self.minutes(quiet.end, "quietHours.end")
            settings.timeZone = quiet.timeZone
        }
        try await notifications.save(settings, for: identity.userID)
        return .ok(.init(body: .json(Self.settingsBody(try await notifications.settings(of: identity.userID)))))
    }

    func registerPushDevice(_ input: Operations.RegisterPushDevice.Input) async throws -> Operations.RegisterPushDevice.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try await notifications.register(device: body.token, platform: body.platform.rawValue, for: identity.userID)
        return .created(.init(body: .json(.init(id: id.text))))
    }

    func unregisterPushDevice(_ input: Operations.UnregisterPushDevice.Input) async throws -> Operations.UnregisterPushDevice.Output {
        let identity = try RequestScope.requireIdentity()
        try await notifications.unregister(device: try Self.uuid(input.path.deviceId, "deviceId"), for: identity.userID)
        return .noContent(.init())
    }

    static func settingsBody(_ settings: NotificationSettings) -> Components.Schemas.NotificationSettings {
        var quiet: Components.Schemas.QuietHours?
        if let start = settings.quietStart, let end = settings.quietEnd {
            quiet = .init(start: clock(start), end: clock(end), timeZone: settings.timeZone)
        }
        return .init(
            disabledInApp: settings.disabledInApp.map(\.rawValue).sorted().compactMap(Components.Schemas.NotificationKind.init(rawValue:)),
            disabledPush: settings.disabledPush.map(\.rawValue).sorted().compactMap(Components.Schemas.NotificationKind.init(rawValue:)),
            quietHours: quiet, shareNowPlaying: settings.shareNowPlaying, showAlertRadiusKm: settings.showAlertRadiusKm
        )
    }

    static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// "HH:MM" → minutes after midnight.
    static func minutes(_ text: String, _ field: String) throws -> Int {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes)
        else { throw AppError.validation(field, "must be HH:MM between 00:00 and 23:59") }
        return hours * 60 + minutes
    }
}
