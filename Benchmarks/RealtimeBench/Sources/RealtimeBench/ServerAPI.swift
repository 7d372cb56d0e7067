import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few REST calls the bench makes on a Based server: registering users
/// and creating a room or a group conversation.
struct ServerAPI: Sendable {
    var baseURL: String
    var client: HTTPClient

    private struct Registration: Encodable {
        var username: String
        var email: String
        var password: String
        var role = "listener"
    }

    private struct Session: Decodable {
        struct User: Decodable { var id: String }
        var accessToken: String
        var user: User
    }

    private struct NewRoom: Encodable { var title: String }
    private struct Room: Decodable { var id: String }
    private struct NewGroup: Encodable {
        var title: String
        var memberIds: [String]
    }
    private struct Group: Decodable { var id: String }

    /// Registers one listener; retried by the caller on a transport error.
    func register(username: String, email: String, password: String) async throws -> BenchUser {
        let body = try JSONEncoder().encode(Registration(username: username, email: email, password: password))
        let (status, data) = try await post("/api/v1/auth/register", body: body, token: nil)
        guard status == 201 else { throw BenchError.unexpectedStatus("POST /api/v1/auth/register", status, data) }
        let session = try JSONDecoder().decode(Session.self, from: data)
        return BenchUser(id: session.user.id, accessToken: session.accessToken)
    }

    /// Creates a room owned by the user of `token` and returns its id.
    func createRoom(title: String, token: String) async throws -> String {
        let body = try JSONEncoder().encode(NewRoom(title: title))
        let (status, data) = try await post("/api/v1/rooms", body: body, token: token)
        guard status == 201 else { throw BenchError.unexpectedStatus("POST /api/v1/rooms", status, data) }
        return try JSONDecoder().decode(Room.self, from: data).id
    }

    /// Creates a group conversation of the user of `token` and `memberIds`; returns its id.
    func createGroup(title: String, memberIds: [String], token: String) async throws -> String {
        let body = try JSONEncoder().encode(NewGroup(title: title, memberIds: memberIds))
        let (status, data) = try await post("/api/v1/conversations", body: body, token: token)
        guard status == 201 else { throw BenchError.unexpectedStatus("POST /api/v1/conversations", status, data) }
        return try JSONDecoder().decode(Group.self, from: data).id
    }

    /// The server's Prometheus text at `/metrics`.
    func metrics() async throws -> String {
        let response = try await client.execute(HTTPClientRequest(url: baseURL + "/metrics"), timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code == 200 else { throw BenchError.unexpectedStatus("GET /metrics", response.status.code, Data(buffer.readableBytesView)) }
        return String(buffer: buffer)
    }

    private func post(_ path: String, body: Data, token: String?) async throws -> (UInt, Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, Data(buffer.readableBytesView))
    }
}

extension ServerAPI {
    /// Registers `count` users, `concurrency` requests in flight; a user whose
    /// registration fails after three tries is left out and its error counted.
    func registerUsers(
        count: Int,
        concurrency: Int,
        progress: @Sendable (Int) -> Void
    ) async -> (users: [BenchUser], failures: [String: Int]) {
        // Unique per run, so that a second run against the same server registers new names.
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let password = "bench-Pw-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))-2026"
        var users = [BenchUser?](repeating: nil, count: count)
        var failures: [String: Int] = [:]
        await withTaskGroup(of: (Int, Result<BenchUser, BenchError>).self) { group in
            var next = 0
            func addNext() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask {
                    var lastError = BenchError.harness("not tried")
                    for attempt in 0..<3 {
                        do {
                            let user = try await register(username: "rb\(run)_\(index)", email: "rb\(run).\(index)@bench.example", password: password)
                            return (index, .success(user))
                        } catch let error as BenchError {
                            // A 4xx will not change on a retry.
                            if case .unexpectedStatus(_, let status, _) = error, status < 500 { return (index, .failure(error)) }
                            lastError = error
                        } catch {
                            lastError = .transport("\(error)")
                        }
                        try? await Task.sleep(for: .milliseconds(100 << attempt))
                    }
                    return (index, .failure(lastError))
                }
            }
            // One alone first: a wrong URL or a server that refuses registration shows at once, not 10,000 times.
            addNext()
            var done = 0
            if let (index, result) = await group.next() {
                switch result {
                case .success(let user): users[index] = user
                case .failure(let error):
                    failures["\(error)".prefix(160).description, default: 0] += 1
                    return
                }
                done += 1
            }
            for _ in 0..<max(1, concurrency) { addNext() }
            for await (index, result) in group {
                switch result {
                case .success(let user): users[index] = user
                case .failure(let error): failures["\(error)".prefix(160).description, default: 0] += 1
                }
                done += 1
                if done % 1000 == 0 { progress(done) }
                addNext()
            }
        }
        return (users.compactMap { $0 }, failures)
    }
}

/// Why the harness could not do what it set out to do.
enum BenchError: Error, CustomStringConvertible {
    case harness(String)
    case transport(String)
    case unexpectedStatus(String, UInt, Data)
    case noHello(String)
    case helloTimeout

    var description: String {
        switch self {
        case .harness(let message): message
        case .transport(let message): "transport: \(message)"
        case .unexpectedStatus(let what, let status, let body):
            "\(what) answered \(status): \(String(decoding: body.prefix(200), as: UTF8.self))"
        case .noHello(let what): "no hello: \(what)"
        case .helloTimeout: "no hello in time"
        }
    }
}
