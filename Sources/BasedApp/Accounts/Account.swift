import Foundation

/// What an account is for; admins are made only with `based user create`.
public enum Role: String, Codable, Sendable, CaseIterable {
    case listener, artist, venue, admin
}

/// A link on a profile.
public struct ProfileLink: Codable, Sendable, Equatable {
    public var label: String
    public var url: String
}

/// One row of `users`.
public struct User: Codable, Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var usernameKey: String
    public var email: String
    public var emailKey: String
    public var passwordHash: String
    public var role: Role
    public var verified: Bool
    public var displayName: String
    public var bio: String
    public var city: String?
    public var latitude: Double?
    public var longitude: Double?
    /// The location is the gazetteer's for `city`, not a pin the user set (a pin always wins).
    public var locationFromCity: Bool?
    /// JSON array of strings.
    public var genres: String
    /// JSON array of `ProfileLink`.
    public var links: String
    public var avatarHash: String?
    public var createdAt: Date
    public var updatedAt: Date

    public var genreList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(genres.utf8))) ?? []
    }

    public var linkList: [ProfileLink] {
        (try? JSONDecoder().decode([ProfileLink].self, from: Data(links.utf8))) ?? []
    }

    /// The key usernames and emails are unique by: case-folded, so `Ana` and `ana` collide.
    public static func key(_ value: String) -> String {
        value.folding(options: [.caseInsensitive, .widthInsensitive], locale: nil).lowercased()
    }
}

/// A user with the counts profiles show.
public struct ProfileView: Sendable, Equatable {
    public var user: User
    public var followerCount: Int
    public var followingCount: Int
}

/// A signed-in session: the access token, the refresh token and when each ends.
public struct SessionTokens: Sendable {
    public var accessToken: String
    public var accessTokenExpiresAt: Date
    public var refreshToken: String
    public var refreshTokenExpiresAt: Date
    public var sessionID: UUID
}

extension User {
    /// The account that erased users leave behind: their messages' tombstones,
    /// emptied comments that others replied to, their anonymised plays. Shown
    /// as "Deleted user"; it never signs in and is never listed or found.
    public static let erasedID = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    static func erased(now: Date) -> User {
        User(
            id: erasedID, username: "deleted", usernameKey: "deleted", email: "deleted@erased.invalid", emailKey: "deleted@erased.invalid",
            passwordHash: "!", role: .listener, verified: false, displayName: "Deleted user", bio: "", city: nil, latitude: nil,
            longitude: nil, genres: "[]", links: "[]", avatarHash: nil, createdAt: now, updatedAt: now
        )
    }
}
