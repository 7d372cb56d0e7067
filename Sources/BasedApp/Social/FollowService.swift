import Foundation

/// Following users, artists and venues, and reading who follows whom.
public struct FollowService: Sendable {
    let database: Database
    let accounts: AccountService
    let analytics: AnalyticsLog

    public struct State: Sendable, Equatable {
        public var following: Bool
        public var followerCount: Int
        /// Whether this call made a new follow (and so notifies).
        public var created = false
        public var userID: UUID?
    }

    public struct Page: Sendable {
        public var entries: [(user: User, followedAt: Date)]
        public var nextCursor: String?
    }

    public func follow(_ identity: Identity, username: String) async throws -> State {
        let target = try await user(named: username)
        guard target.id != identity.userID else {
            throw AppError.validation("username", "is yourself; you cannot follow yourself")
        }
        let created = try await change(following: true, identity.userID, target.id)
        return State(
            following: true, followerCount: try await FollowQueries.count(column: "followee_id", user: target.id, on: database.sql),
            created: created, userID: target.id
        )
    }

    /// Follows from before analytics existed, as the facts they would have recorded, a page at a time.
    func historicalFacts(before cutoff: Date, after cursor: String?, limit: Int) async throws -> AnalyticsHistoryPage {
        let rows = try await FollowQueries.historical(before: cutoff, after: try AnalyticsHistoryPage.uuid(cursor), limit: limit, on: database.sql)
        return AnalyticsHistoryPage(
            facts: rows.map { .init(.follow, owner: $0.followeeId, at: $0.createdAt) },
            next: rows.count == limit ? rows.last?.id.text : nil
        )
    }

    public func unfollow(_ identity: Identity, username: String) async throws -> State {
        let target = try await user(named: username)
        try await change(following: false, identity.userID, target.id)
        return State(following: false, followerCount: try await FollowQueries.count(column: "followee_id", user: target.id, on: database.sql))
    }

    /// Follows or unfollows; a real change counts in the followee's figures. True when it changed.
    @discardableResult
    private func change(following: Bool, _ follower: UUID, _ followee: UUID) async throws -> Bool {
        let now = Date()
        return try await database.transaction { [analytics] sql in
            let changed = following
                ? try await FollowQueries.follow(id: .v7(now: now), follower: follower, followee: followee, now: now, on: sql)
                : try await FollowQueries.unfollow(follower: follower, followee: followee, on: sql)
            if changed { try await analytics.record([.init(following ? .follow : .unfollow, owner: followee, at: now)], on: sql) }
            return changed
        }
    }

    public func counts(of user: UUID) async throws -> (followers: Int, following: Int) {
        async let followers = FollowQueries.count(column: "followee_id", user: user, on: database.sql)
        async let following = FollowQueries.count(column: "follower_id", user: user, on: database.sql)
        return try await (followers, following)
    }

    public func followers(of username: String, cursor: String?, limit: Int?) async throws -> Page {
        try await page(.followers, username: username, cursor: cursor, limit: limit)
    }

    public func following(of username: String, cursor: String?, limit: Int?) async throws -> Page {
        try await page(.following, username: username, cursor: cursor, limit: limit)
    }

    private func page(_ direction: FollowQueries.Direction, username: String, cursor: String?, limit: Int?) async throws -> Page {
        let size = limit ?? 20
        guard (1...100).contains(size) else { throw AppError.validation("limit", "must be between 1 and 100") }
        let before = try cursor.map(Self.decodeCursor)
        let target = try await user(named: username)
        // One extra row says whether there is a next page.
        let rows = try await FollowQueries.page(direction, of: target.id, before: before, limit: size + 1, on: database.sql)
        let shown = rows.prefix(size)
        let next = rows.count > size ? shown.last.map { Self.encodeCursor($0.followId) } : nil
        let users = try await accounts.users(ids: shown.map(\.userId))
        return Page(entries: shown.compactMap { row in users[row.userId].map { ($0, row.followedAt) } }, nextCursor: next)
    }

    // MARK: For other features

    /// How many followers each followed user has (search ranks artists by it).
    public func followerCounts() async throws -> [UUID: Int] {
        try await FollowQueries.followerCounts(on: database.sql)
    }

    /// Who follows `user` (release announcements, presence, now playing).
    public func followerIDs(of user: UUID) async throws -> [UUID] {
        try await FollowQueries.followerIDs(of: user, on: database.sql)
    }

    /// Whom `user` follows (whose presence `user` may see).
    public func followeeIDs(of user: UUID) async throws -> [UUID] {
        try await FollowQueries.followeeIDs(of: user, on: database.sql)
    }

    static func encodeCursor(_ id: UUID) -> String {
        Data(id.uuidString.lowercased().utf8).base64URLEncodedString()
    }

    static func decodeCursor(_ cursor: String) throws -> UUID {
        guard cursor.count <= 64, let data = Data(base64URLEncoded: cursor),
              let id = UUID(uuidString: String(decoding: data, as: UTF8.self))
        else { throw AppError.badRequest("The cursor is not one this server gave out.", code: "invalid_cursor", fields: [.init("cursor", "is not valid")]) }
        return id
    }

    private func user(named username: String) async throws -> User {
        guard let user = try await accounts.user(username: username) else {
            throw AppError.notFound("The user \(username)")
        }
        return user
    }
}
