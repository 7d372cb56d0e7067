import BasedDiscovery
import Foundation
import Synchronization

extension DiscoveryService {
    /// Records an achievement once, and tells its holder (an `achievement` notification).
    func award(_ achievement: Achievement, to user: UUID, now: Date = Date()) async throws {
        let new = try await database.transaction { sql in
            try await DiscoveryQueries.award(user: user, kind: achievement.rawValue, now: now, on: sql)
        }
        guard new else { return }
        _ = await realtime.notify(user, kind: .achievement, actor: nil, subject: achievement.rawValue, data: [
            "achievement": achievement.rawValue, "title": achievement.title,
        ])
    }

    /// Evaluates every rule over the activity the model was trained on (the
    /// window's listens and likes) and door admissions; runs with each training.
    func awardAchievements(listens: [PlayService.ListenSignal], likes: [(user: UUID, track: UUID, at: Date)], now: Date = Date()) async throws {
        let shows = try await tickets.admittedEventCounts(minimum: AchievementRules.showsForTen)
        var cities: [UUID: String] = [:]
        let listeners = Array(Set(listens.map(\.user)))
        for start in stride(from: 0, to: listeners.count, by: 1_000) {
            let batch = listeners[start..<min(start + 1_000, listeners.count)]
            for (id, user) in try await accounts.users(ids: batch) {
                if let city = user.city { cities[id] = DiscoveryCatalogue.cityKey(city) }
            }
        }
        let awards = catalogue.withLock { catalogue in
            AchievementRules.evaluate(
                listens: listens.map { .init(user: $0.user, track: $0.trackID, at: $0.at, completed: $0.completed) },
                likes: likes, shows: shows,
                artistOf: { catalogue.entries[$0]?.artist },
                cityOf: { cities[$0] ?? catalogue.city(of: $0)?.key }
            )
        }
        for (user, achievement) in awards { try await award(achievement, to: user, now: now) }
    }

    /// The user's achievements, oldest first. Others see those that say
    /// something about the user's listening only when the user shows their
    /// listening on public boards.
    public func achievements(of username: String, viewer: UUID?) async throws -> (user: User, earned: [(achievement: Achievement, at: Date)]) {
        guard let user = try await accounts.user(username: username) else { throw AppError.notFound("The user") }
        if let viewer, try await blocks.blockedEitherWay(viewer).contains(user.id) { throw AppError.notFound("The user") }
        let own = viewer == user.id
        let showsListening = own ? true : try await choices(of: user.id).publicListening
        let earned = try await DiscoveryQueries.achievements(of: user.id, on: database.sql).compactMap { row -> (Achievement, Date)? in
            guard let achievement = Achievement(rawValue: row.kind), showsListening || !achievement.revealsListening else { return nil }
            return (achievement, row.earnedAt)
        }
        return (user, earned)
    }
}
