import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The push gateway (`BASED_PUSH_URL`) and the one HTTP client that talks to
/// it. A `Service` in the application's group, so the client is shut down when
/// the process stops, after the job workers that use it.
public struct PushGateway: Service {
    let url: URL
    let token: String?
    let client: HTTPClient

    init(url: URL, token: String?, logger: Logger) {
        self.url = url
        self.token = token
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
    }

    /// POSTs `body` as JSON and answers the gateway's status code.
    func post(json body: String) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        // Read (and drop) the answer so the connection goes back to the pool.
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

/// Sends one notification to the user's devices through the push gateway
/// (`BASED_PUSH_URL`), as a job so a gateway outage is retried with backoff.
///
/// The request is Expo's push format, which Expo, and small relays in front of
/// APNs and FCM, accept: `POST` a JSON array of
/// `{"to", "title", "body", "data", "sound"}`, one per device token.
struct PushSender: JobHandler {
    static let kind = "push_notification"
    var kind: String { Self.kind }

    struct Payload: Codable, Sendable { var notificationId: UUID }

    struct PushMessage: Codable, Sendable, Equatable {
        var to: String
        var title: String
        var body: String
        var data: [String: String]
        var sound: String?
    }

    let gateway: PushGateway
    let notifications: NotificationService
    let logger: Logger

    func run(_ job: Job) async throws {
        let payload = try job.decodePayload(Payload.self)
        guard let notification = try await notifications.notification(payload.notificationId), notification.readAt == nil else { return }
        let settings = try await notifications.settings(of: notification.userId)
        // Checked again at send time: the user may have changed their mind, or quiet hours begun.
        guard !settings.disabledPush.contains(notification.kind), !settings.isQuiet(at: Date()) else { return }
        let devices = try await notifications.deviceTokens(of: notification.userId)
        guard !devices.isEmpty else { return }
        let (title, body) = Self.text(for: notification)
        var data = notification.data
        data["notificationId"] = notification.id.text
        data["kind"] = notification.kind.rawValue
        let messages = devices.map { PushMessage(to: $0.token, title: title, body: body, data: data, sound: "default") }
        let status = try await gateway.post(json: JSONText.encode(messages))
        switch status {
        case 200..<300: return
        case 400..<500 where status != 429: throw JobFailure("push gateway refused the request with \(status)", permanent: true)
        default: throw JobFailure("push gateway answered \(status)")
        }
    }

    func gaveUp(_ job: Job, reason: String) async {
        logger.warning("gave up pushing a notification", metadata: ["reason": "\(reason)"])
    }

    static func text(for notification: AppNotification) -> (title: String, body: String) {
        let who = notification.data["actorName"] ?? "Someone"
        switch notification.kind {
        case .follow: return ("New follower", "\(who) follows you")
        case .message: return (who, notification.data["preview"] ?? "New message")
        case .release: return ("New release", "\(who) released \(notification.data["title"] ?? "something new")")
        case .eventReminder: return ("Coming up", notification.data["title"] ?? "An event you are going to starts soon")
        case .ticketOffer: return ("A ticket for you", "A ticket you were waiting for is yours if you claim it in time")
        case .lineupInvite: return ("On the bill?", "\(who) invites you to play \(notification.data["title"] ?? "a show")")
        case .lineup: return ("Live soon", "\(notification.data["artistName"] ?? who) plays \(notification.data["title"] ?? "a show")")
        case .moderation: return ("A moderator's decision", notification.data["reason"] ?? "About something of yours")
        case .exportReady: return ("Your data is ready", "Download your export before the link expires")
        case .achievement: return ("Achievement earned", notification.data["title"] ?? "You earned an achievement")
        case .showNearby:
            let distance = notification.data["distanceKm"].map { " (\($0) km away)" } ?? ""
            return ("A show near you", "\(notification.data["artistName"] ?? who) plays \(notification.data["title"] ?? "a show")\(distance)")
        case .eventChanged:
            let title = notification.data["title"] ?? "A show you have a ticket for"
            return notification.data["change"] == "cancelled"
                ? ("Show cancelled", "\(title) is cancelled")
                : ("Show moved", "\(title) has a new time or place")
        }
    }
}
