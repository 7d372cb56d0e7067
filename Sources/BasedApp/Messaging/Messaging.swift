import Foundation

/// A direct conversation (two people), a group chat or a live room.
public struct Conversation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case direct, group, room }

    public var id: UUID
    public var kind: Kind
    public var title: String?
    /// What a room is about, such as `event:<id>`; nil for chats.
    public var subject: String?
    public var createdBy: UUID?
    public var lastSeq: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// One member of a conversation and how far they have read.
public struct ConversationMember: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case admin, member }

    public var conversationId: UUID
    public var userId: UUID
    public var role: Role
    /// The last sequence before they joined; history starts after it.
    public var joinedSeq: Int
    public var readSeq: Int
    public var deliveredSeq: Int
    public var muted: Bool
    public var joinedAt: Date
}

/// A stored message. Deleted messages keep their place as tombstones.
public struct Message: Sendable, Equatable {
    public var id: UUID
    public var conversationId: UUID
    public var seq: Int
    public var senderId: UUID
    public var clientMessageId: String
    public var body: String?
    public var attachmentId: UUID?
    public var replyToSeq: Int?
    /// Emoji → the users who reacted with it, in the order they did.
    public var reactions: [String: [UUID]]
    public var editedAt: Date?
    public var deletedAt: Date?
    public var createdAt: Date
}

extension Message: Decodable {
    enum CodingKeys: String, CodingKey {
        case id, conversationId, seq, senderId, clientMessageId, body, attachmentId, replyToSeq, reactions, editedAt, deletedAt, createdAt
    }

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        id = try row.decode(UUID.self, forKey: .id)
        conversationId = try row.decode(UUID.self, forKey: .conversationId)
        seq = try row.decode(Int.self, forKey: .seq)
        senderId = try row.decode(UUID.self, forKey: .senderId)
        clientMessageId = try row.decode(String.self, forKey: .clientMessageId)
        body = try row.decodeIfPresent(String.self, forKey: .body)
        attachmentId = try row.decodeIfPresent(UUID.self, forKey: .attachmentId)
        replyToSeq = try row.decodeIfPresent(Int.self, forKey: .replyToSeq)
        reactions = Self.reactions(from: try row.decode(String.self, forKey: .reactions))
        editedAt = try row.decodeIfPresent(Date.self, forKey: .editedAt)
        deletedAt = try row.decodeIfPresent(Date.self, forKey: .deletedAt)
        createdAt = try row.decode(Date.self, forKey: .createdAt)
    }

    static func reactions(from json: String) -> [String: [UUID]] {
        (try? JSONDecoder().decode([String: [UUID]].self, from: Data(json.utf8))) ?? [:]
    }

    static func reactionsJSON(_ reactions: [String: [UUID]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(reactions)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// An image or audio clip a user uploaded to send in messages.
public struct Attachment: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case image, audio }

    public var id: UUID
    public var ownerId: UUID
    public var kind: Kind
    public var contentType: String
    public var blobHash: String
    public var byteCount: Int
    public var durationSeconds: Double?
    public var createdAt: Date
}

/// Limits of messaging, in one place so the docs and the checks agree.
public enum MessagingLimits {
    public static let textCharacters = 4000
    public static let clientIdCharacters = 64
    public static let emojiCharacters = 16
    public static let titleCharacters = 100
    public static let replayPerConversation = 500
    public static let membersPerRequest = 100
}

extension UUID {
    /// The lowercase text form the API uses everywhere.
    var text: String { uuidString.lowercased() }
}

extension Message {
    /// What a deleted message keeps: its place and sender, nothing said.
    mutating func tombstone() {
        body = nil
        attachmentId = nil
        reactions = [:]
        deletedAt = Date()
    }
}
