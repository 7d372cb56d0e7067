import Foundation

/// A frame from a client (docs/realtime.md). Every field but `type` depends
/// on the type, so all are optional here and checked where they are used.
struct ClientFrame: Decodable, Sendable {
    var type: String
    var v: Int?
    var id: String?
    var conversationId: UUID?
    var to: UUID?
    var clientMessageId: String?
    var text: String?
    var attachmentId: UUID?
    var replyToSeq: Int?
    var seq: Int?
    var emoji: String?
    var remove: Bool?
    var positions: [String: Int]?
    var state: String?
    var trackId: UUID?
    var roomId: UUID?
    var token: String?
}

/// Just the `id` of a frame, read when the rest would not decode.
struct FrameID: Decodable { var id: String? }

/// The JSON of server frames.
enum Frames {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Frames.timestamp(date))
        }
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// RFC 3339 with milliseconds, in UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    struct MessageBody: Encodable {
        var id: String
        var senderId: String
        var text: String?
        var attachment: AttachmentBody?
        var replyToSeq: Int?
        var reactions: [ReactionBody]
        var editedAt: Date?
        var deleted: Bool
        var createdAt: Date
        var clientMessageId: String?
    }

    struct AttachmentBody: Encodable {
        var id: String
        var url: String
    }

    struct ReactionBody: Encodable {
        var emoji: String
        var count: Int
        var userIds: [String]
    }

    static func body(_ message: Message, forSender: Bool) -> MessageBody {
        MessageBody(
            id: message.id.text, senderId: message.senderId.text, text: message.body,
            attachment: message.attachmentId.map { AttachmentBody(id: $0.text, url: "/api/v1/attachments/\($0.text)") },
            replyToSeq: message.replyToSeq,
            reactions: message.reactions.sorted { $0.key < $1.key }.map { ReactionBody(emoji: $0.key, count: $0.value.count, userIds: $0.value.map(\.text)) },
            editedAt: message.editedAt, deleted: message.deletedAt != nil, createdAt: message.createdAt,
            clientMessageId: forSender ? message.clientMessageId : nil
        )
    }

    struct MessageFrame: Encodable {
        var type: String
        var conversationId: String
        var seq: Int
        var message: MessageBody
    }

    /// The frame for everyone, and the one for the sender's own devices.
    static func message(_ message: Message, type: String = "message") -> (others: String, sender: String) {
        func frame(_ forSender: Bool) -> String {
            encode(MessageFrame(type: type, conversationId: message.conversationId.text, seq: message.seq, message: body(message, forSender: forSender)))
        }
        return (frame(false), frame(true))
    }

    struct Ack: Encodable {
        var type = "ack"
        var re: String?
        var conversationId: String?
        var seq: Int?
        var messageId: String?
        var duplicate: Bool?
        var throttled: Bool?
        var replayed: Int?
        var truncated: [String]?
        var conversations: [Position]?
        var tokenExpiresAt: Date?
        var roomId: String?
        /// The server's clock when it answered a `ping`, in milliseconds since 1970 (clock sync for Jam).
        var serverTime: Double?
    }

    struct Position: Encodable {
        var id: String
        var lastSeq: Int
    }

    struct Error: Encodable {
        var type = "error"
        var re: String?
        var code: String
        var message: String
        var field: String?
        var retryAfterMs: Int?
    }

    struct Hello: Encodable {
        struct Limits: Encodable {
            var maxFrameBytes: Int
            var framesPerSecond: Int
            var burst: Int
            var outboundQueue: Int
        }

        var type = "hello"
        var v = 1
        var connectionId: String
        var userId: String
        var tokenExpiresAt: Date
        var limits: Limits
    }

    struct Receipt: Encodable {
        var type = "receipt"
        var conversationId: String
        var userId: String
        var seq: Int
    }

    struct Typing: Encodable {
        var type = "typing"
        var conversationId: String
        var userId: String
        var expiresInMs = 5000
    }

    struct Presence: Encodable {
        var type = "presence"
        var userId: String
        var state: String
        var lastSeenAt: Date?
    }

    struct NowPlaying: Encodable {
        struct Track: Encodable {
            var id: String
            var title: String
            var artist: String
        }

        var type = "now_playing"
        var userId: String
        var track: Track?
    }

    struct ConversationEvent: Encodable {
        var type = "conversation"
        var conversationId: String
        var event: String
        var userId: String?
    }

    struct NotificationFrame: Encodable {
        var type = "notification"
        var notification: NotificationBody
    }

    struct NotificationBody: Encodable {
        var id: String
        var kind: String
        var actorId: String?
        var subjectId: String?
        var data: [String: String]
        var createdAt: Date
        var read: Bool
    }
}
