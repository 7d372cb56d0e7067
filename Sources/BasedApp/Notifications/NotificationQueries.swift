import Foundation
import SQLKit

/// The SQL of the inbox, notification settings and push devices.
enum NotificationQueries {
    static func insert(_ notification: AppNotification, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "notifications")
            .columns("id", "user_id", "kind", "actor_id", "subject_id", "body", "created_at", "read_at")
            .values(
                SQLBind(notification.id), SQLBind(notification.userId), SQLBind(notification.kind.rawValue), SQLBind(notification.actorId),
                SQLBind(notification.subjectId), SQLBind(JSONText.encode(notification.data)), SQLBind(notification.createdAt), SQLBind(notification.readAt)
            )
            .run()
    }

    static func notification(_ id: UUID, on sql: any SQLDatabase) async throws -> AppNotification? {
        try await sql.select().column("*").from("notifications").where("id", .equal, id)
            .first(decoding: AppNotification.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    /// A user's notifications newest first, before the id `before`, leaving out those whose actor is in `hidden`.
    static func page(of user: UUID, before: UUID?, unreadOnly: Bool, hidden: Set<UUID>, limit: Int, on sql: any SQLDatabase) async throws -> [AppNotification] {
        var query = sql.select().column("*").from("notifications").where("user_id", .equal, user)
        if let before { query = query.where("id", .lessThan, before) }
        if unreadOnly { query = query.where("read_at", .is, SQLLiteral.null) }
        if !hidden.isEmpty {
            query = query.where { group in
                group.where("actor_id", .is, SQLLiteral.null).orWhere("actor_id", .notIn, Array(hidden))
            }
        }
        return try await query.orderBy("id", .descending).limit(limit)
            .all(decoding: AppNotification.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func unreadCount(of user: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("notifications")
            .where("user_id", .equal, user).where("read_at", .is, SQLLiteral.null)
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// Marks the user's unread notifications read: those named, or all with nil.
    static func markRead(of user: UUID, ids: [UUID]?, now: Date, on sql: any SQLDatabase) async throws {
        var query = sql.update("notifications").set("read_at", to: SQLBind(now))
            .where("user_id", .equal, user).where("read_at", .is, SQLLiteral.null)
        if let ids {
            // No ids name nothing; and `IN ()`, which SQLKit writes for them, is not SQL PostgreSQL accepts.
            guard !ids.isEmpty else { return }
            query = query.where("id", .in, ids)
        }
        try await query.run()
    }

    /// Who has a notification of this kind about this subject already.
    static func recipients(kind: AppNotification.Kind, subject: String, on sql: any SQLDatabase) async throws -> Set<UUID> {
        Set(try await sql.select().column("user_id").from("notifications")
            .where("kind", .equal, kind.rawValue).where("subject_id", .equal, subject)
            .all(decodingColumn: "user_id", as: UUID.self))
    }

    // MARK: Settings

    struct SettingsRow: Decodable, Equatable {
        var disabledInApp: String
        var disabledPush: String
        var quietStart: Int?
        var quietEnd: Int?
        var timeZone: String?
        var shareNowPlaying: Bool
        var showAlertRadiusKm: Int?
    }

    static func settings(of user: UUID, on sql: any SQLDatabase) async throws -> SettingsRow? {
        try await sql.select().column("*").from("notification_settings").where("user_id", .equal, user)
            .first(decoding: SettingsRow.self, keyDecodingStrategy: .snakeCaseColumns)
    }

    static func saveSettings(_ row: SettingsRow, of user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "notification_settings")
            .columns("user_id", "disabled_in_app", "disabled_push", "quiet_start", "quiet_end", "time_zone", "share_now_playing", "show_alert_radius_km")
            .values(
                SQLBind(user), SQLBind(row.disabledInApp), SQLBind(row.disabledPush), SQLBind(row.quietStart), SQLBind(row.quietEnd),
                SQLBind(row.timeZone), SQLBind(row.shareNowPlaying), SQLBind(row.showAlertRadiusKm)
            )
            .onConflict(with: ["user_id"]) {
                $0.set(excludedValueOf: "disabled_in_app").set(excludedValueOf: "disabled_push")
                    .set(excludedValueOf: "quiet_start").set(excludedValueOf: "quiet_end")
                    .set(excludedValueOf: "time_zone").set(excludedValueOf: "share_now_playing")
                    .set(excludedValueOf: "show_alert_radius_km")
            }
            .run()
    }

    /// The show-alert radius of each of these users who chose one.
    static func alertRadii(of users: [UUID], on sql: any SQLDatabase) async throws -> [UUID: Int] {
        guard !users.isEmpty else { return [:] }
        struct Row: Decodable { var userId: UUID; var showAlertRadiusKm: Int? }
        let rows = try await sql.select().columns("user_id", "show_alert_radius_km").from("notification_settings").where("user_id", .in, users)
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCaseColumns)
        return rows.reduce(into: [:]) { radii, row in if let radius = row.showAlertRadiusKm { radii[row.userId] = radius } }
    }

    // MARK: Push devices

    /// Registers a device token for `user`, taking it from whoever had it before.
    static func register(device id: UUID, token: String, platform: String, of user: UUID, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "push_devices").where("token", .equal, token).run()
        try await sql.insert(into: "push_devices").columns("id", "user_id", "token", "platform", "created_at")
            .values(SQLBind(id), SQLBind(user), SQLBind(token), SQLBind(platform), SQLBind(now)).run()
    }

    static func unregister(device id: UUID, of user: UUID, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: "push_devices").where("id", .equal, id).where("user_id", .equal, user).run()
    }

    static func deviceTokens(of user: UUID, on sql: any SQLDatabase) async throws -> [(token: String, platform: String)] {
        struct Row: Decodable { var token: String; var platform: String }
        return try await sql.select().column("token").column("platform").from("push_devices").where("user_id", .equal, user)
            .all(decoding: Row.self).map { ($0.token, $0.platform) }
    }
}
