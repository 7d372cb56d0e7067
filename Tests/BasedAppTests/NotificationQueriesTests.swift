@testable import BasedApp
import Foundation
import SQLKit
import Testing

/// `NotificationQueries` against a real database, SQLite or PostgreSQL as the run asks.
@Suite("Notification queries", .serialized)
struct NotificationQueriesTests {
    // MARK: The inbox

    @Test("a notification reads back as it was written, its data included")
    func roundTrip() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let notification = try await insertNotification(for: ana, kind: .message, actor: ben, subject: "c1", data: ["preview": "hi \"there\"", "title": "Band"], services)
            #expect(try await NotificationQueries.notification(notification.id, on: sql) == notification)
            #expect(try await NotificationQueries.notification(UUID(), on: sql) == nil)
        }
    }

    @Test("a page is the user's own notifications, newest first, past a cursor")
    func page() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let start = wholeSecond()
            var anas: [UUID] = []
            for index in 0..<3 {
                anas.append(try await insertNotification(for: ana, at: start.addingTimeInterval(TimeInterval(index)), services).id)
            }
            _ = try await insertNotification(for: ben, at: start.addingTimeInterval(5), services)
            let first = try await NotificationQueries.page(of: ana, before: nil, unreadOnly: false, hidden: [], limit: 2, on: sql)
            #expect(first.map(\.id) == [anas[2], anas[1]])
            let rest = try await NotificationQueries.page(of: ana, before: first.last?.id, unreadOnly: false, hidden: [], limit: 2, on: sql)
            #expect(rest.map(\.id) == [anas[0]])
        }
    }

    @Test("an unread-only page leaves out the read ones")
    func unreadOnlyPage() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let start = wholeSecond()
            let read = try await insertNotification(for: ana, readAt: start, at: start, services)
            let unread = try await insertNotification(for: ana, at: start.addingTimeInterval(1), services)
            let all = try await NotificationQueries.page(of: ana, before: nil, unreadOnly: false, hidden: [], limit: 10, on: sql)
            #expect(all.map(\.id) == [unread.id, read.id])
            let unreadOnly = try await NotificationQueries.page(of: ana, before: nil, unreadOnly: true, hidden: [], limit: 10, on: sql)
            #expect(unreadOnly.map(\.id) == [unread.id])
        }
    }

    @Test("a page leaves out notifications whose actor is hidden and keeps those with no actor")
    func hiddenActors() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let cyd = try await makeUser("cyd", services)
            let start = wholeSecond()
            _ = try await insertNotification(for: ana, actor: ben, at: start, services)
            let fromCyd = try await insertNotification(for: ana, actor: cyd, at: start.addingTimeInterval(1), services)
            let fromNoOne = try await insertNotification(for: ana, kind: .release, actor: nil, at: start.addingTimeInterval(2), services)
            let page = try await NotificationQueries.page(of: ana, before: nil, unreadOnly: false, hidden: [ben, UUID()], limit: 10, on: sql)
            #expect(page.map(\.id) == [fromNoOne.id, fromCyd.id])
        }
    }

    @Test("the unread count is the user's own unread notifications")
    func unreadCount() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            for _ in 0..<3 { _ = try await insertNotification(for: ana, services) }
            _ = try await insertNotification(for: ana, readAt: wholeSecond(), services)
            _ = try await insertNotification(for: ben, services)
            #expect(try await NotificationQueries.unreadCount(of: ana, on: sql) == 3)
            #expect(try await NotificationQueries.unreadCount(of: UUID(), on: sql) == 0)
        }
    }

    @Test("marking named notifications read marks only those of the user, and keeps an earlier read time")
    func markNamedRead() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let now = wholeSecond()
            let named = try await insertNotification(for: ana, services)
            let earlier = try await insertNotification(for: ana, readAt: now.addingTimeInterval(-60), services)
            let unnamed = try await insertNotification(for: ana, services)
            let bens = try await insertNotification(for: ben, services)
            try await NotificationQueries.markRead(of: ana, ids: [named.id, earlier.id, bens.id], now: now, on: sql)
            #expect(try await NotificationQueries.notification(named.id, on: sql)?.readAt == now)
            #expect(try await NotificationQueries.notification(earlier.id, on: sql)?.readAt == now.addingTimeInterval(-60))
            #expect(try await NotificationQueries.notification(unnamed.id, on: sql)?.readAt == nil)
            #expect(try await NotificationQueries.notification(bens.id, on: sql)?.readAt == nil)
        }
    }

    @Test("marking all read marks every unread notification of the user and no one else's")
    func markAllRead() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            for _ in 0..<3 { _ = try await insertNotification(for: ana, services) }
            _ = try await insertNotification(for: ben, services)
            try await NotificationQueries.markRead(of: ana, ids: nil, now: wholeSecond(), on: sql)
            #expect(try await NotificationQueries.unreadCount(of: ana, on: sql) == 0)
            #expect(try await NotificationQueries.unreadCount(of: ben, on: sql) == 1)
        }
    }

    @Test("marking an empty list of ids read marks nothing")
    func markNoneRead() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            _ = try await insertNotification(for: ana, services)
            try await NotificationQueries.markRead(of: ana, ids: [], now: wholeSecond(), on: sql)
            #expect(try await NotificationQueries.unreadCount(of: ana, on: sql) == 1)
        }
    }

    @Test("recipients are the users told already with that kind about that subject")
    func recipients() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let cyd = try await makeUser("cyd", services)
            _ = try await insertNotification(for: ana, kind: .eventReminder, subject: "event-1", services)
            _ = try await insertNotification(for: ana, kind: .eventReminder, subject: "event-1", services)
            _ = try await insertNotification(for: ben, kind: .eventReminder, subject: "event-1", services)
            _ = try await insertNotification(for: cyd, kind: .eventReminder, subject: "event-2", services)
            _ = try await insertNotification(for: cyd, kind: .release, subject: "event-1", services)
            #expect(try await NotificationQueries.recipients(kind: .eventReminder, subject: "event-1", on: sql) == [ana, ben])
        }
    }

    // MARK: Settings

    @Test("settings are absent until saved, and a second save replaces the first")
    func settings() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            #expect(try await NotificationQueries.settings(of: ana, on: sql) == nil)
            let first = NotificationQueries.SettingsRow(
                disabledInApp: #"["follow"]"#, disabledPush: #"["message"]"#, quietStart: 1320, quietEnd: 420, timeZone: "Europe/Berlin", shareNowPlaying: true
            )
            try await NotificationQueries.saveSettings(first, of: ana, on: sql)
            #expect(try await NotificationQueries.settings(of: ana, on: sql) == first)
            let second = NotificationQueries.SettingsRow(
                disabledInApp: "[]", disabledPush: #"["follow","release"]"#, quietStart: nil, quietEnd: nil, timeZone: nil, shareNowPlaying: false
            )
            try await NotificationQueries.saveSettings(second, of: ana, on: sql)
            #expect(try await NotificationQueries.settings(of: ana, on: sql) == second)
        }
    }

    // MARK: Push devices

    @Test("a device token registered again moves to its new owner")
    func tokenMoves() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            try await NotificationQueries.register(device: UUID(), token: "shared-token", platform: "ios", of: ana, now: wholeSecond(), on: sql)
            try await NotificationQueries.register(device: UUID(), token: "anas-other", platform: "web", of: ana, now: wholeSecond(), on: sql)
            try await NotificationQueries.register(device: UUID(), token: "shared-token", platform: "android", of: ben, now: wholeSecond(), on: sql)
            let anas = try await NotificationQueries.deviceTokens(of: ana, on: sql)
            #expect(anas.map { "\($0.token) \($0.platform)" } == ["anas-other web"])
            let bens = try await NotificationQueries.deviceTokens(of: ben, on: sql)
            #expect(bens.map { "\($0.token) \($0.platform)" } == ["shared-token android"])
        }
    }

    @Test("unregistering a device removes it only for its owner")
    func unregister() async throws {
        try await withApp({ $0.workers = 0 }) { _, services in
            let sql = services.database.sql
            let ana = try await makeUser("ana", services)
            let ben = try await makeUser("ben", services)
            let device = UUID()
            try await NotificationQueries.register(device: device, token: "anas-token", platform: "ios", of: ana, now: wholeSecond(), on: sql)
            try await NotificationQueries.unregister(device: device, of: ben, on: sql)
            #expect(try await NotificationQueries.deviceTokens(of: ana, on: sql).count == 1)
            try await NotificationQueries.unregister(device: device, of: ana, on: sql)
            #expect(try await NotificationQueries.deviceTokens(of: ana, on: sql).isEmpty)
        }
    }

    // MARK: Rows

    /// A notification for `user`, written straight to `notifications`, made at `at` (which orders ids).
    private func insertNotification(
        for user: UUID, kind: AppNotification.Kind = .follow, actor: UUID? = nil, subject: String? = nil, data: [String: String] = [:],
        readAt: Date? = nil, at: Date = wholeSecond(), _ services: AppServices
    ) async throws -> AppNotification {
        let notification = AppNotification(
            id: .v7(now: at), userId: user, kind: kind, actorId: actor, subjectId: subject, data: data, createdAt: wholeSecond(at), readAt: readAt
        )
        try await NotificationQueries.insert(notification, on: services.database.sql)
        return notification
    }
}
