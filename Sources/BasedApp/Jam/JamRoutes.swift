import BasedAPI
import Foundation

/// Jam handlers.
extension APIHandler {
    var jams: JamService { services.jams }

    func startJam(_ input: Operations.StartJam.Input) async throws -> Operations.StartJam.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let source: JamService.Source
        switch (body.trackId, body.playlistId, body.trackIds) {
        case (let track?, nil, nil): source = .track(try Self.uuid(track, "trackId"))
        case (nil, let playlist?, nil): source = .playlist(try Self.uuid(playlist, "playlistId"))
        case (nil, nil, let ids?): source = .queue(try Self.trackIDs(ids, field: "trackIds", count: 0...Int.max))
        default: throw AppError.validation("trackId", "or playlistId or trackIds, exactly one of them, is required")
        }
        return .created(.init(body: .json(try await jamBody(try await jams.start(identity, source)))))
    }

    func getJam(_ input: Operations.GetJam.Input) async throws -> Operations.GetJam.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(try await jamBody(try await jams.jam(try Self.uuid(input.path.jamId, "jamId"), viewer: identity.userID)))))
    }

    func joinJam(_ input: Operations.JoinJam.Input) async throws -> Operations.JoinJam.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let view = try await jams.join(identity, jam: try Self.uuid(input.path.jamId, "jamId"), code: body.code)
        return .ok(.init(body: .json(try await jamBody(view))))
    }

    func leaveJam(_ input: Operations.LeaveJam.Input) async throws -> Operations.LeaveJam.Output {
        let identity = try RequestScope.requireIdentity()
        try await jams.leave(identity, jam: try Self.uuid(input.path.jamId, "jamId"))
        return .noContent(.init())
    }

    func controlJam(_ input: Operations.ControlJam.Input) async throws -> Operations.ControlJam.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let control: JamService.Control
        switch body.action {
        case .play: control = .play(positionSeconds: body.positionSeconds)
        case .pause: control = .pause(positionSeconds: body.positionSeconds)
        case .seek:
            guard let position = body.positionSeconds else { throw AppError.validation("positionSeconds", "is required to seek") }
            control = .seek(positionSeconds: position)
        case .skip:
            guard let index = body.index else { throw AppError.validation("index", "is required to skip") }
            control = .skip(index: index)
        case .queue:
            guard let ids = body.trackIds else { throw AppError.validation("trackIds", "is required to change the queue") }
            control = .queue(try Self.trackIDs(ids, field: "trackIds", count: 0...Int.max))
        }
        let view = try await jams.control(identity, jam: try Self.uuid(input.path.jamId, "jamId"), control)
        return .ok(.init(body: .json(try await jamBody(view))))
    }

    func handOverJam(_ input: Operations.HandOverJam.Input) async throws -> Operations.HandOverJam.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        guard let user = UUID(uuidString: body.userId) else { throw AppError.validation("userId", "is not a user id") }
        let view = try await jams.handOver(identity, jam: try Self.uuid(input.path.jamId, "jamId"), to: user)
        return .ok(.init(body: .json(try await jamBody(view))))
    }

    func suggestToJam(_ input: Operations.SuggestToJam.Input) async throws -> Operations.SuggestToJam.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        try await jams.suggest(identity, jam: try Self.uuid(input.path.jamId, "jamId"), track: try Self.uuid(body.trackId, "trackId"))
        return .noContent(.init())
    }

    func jamBody(_ view: JamService.View) async throws -> Components.Schemas.JamBody {
        let jam = view.jam
        let people = try await accounts.users(ids: view.members + [jam.hostId])
        guard let host = people[jam.hostId] else { throw AppError.notFound("The jam's host") }
        let now = Date()
        return .init(
            id: jam.id.text, host: Self.summary(host), code: jam.code, link: "/jam/\(jam.id.text)?code=\(jam.code)",
            members: view.members.compactMap { people[$0].map(Self.summary) }, trackIds: jam.tracks.map(\.text),
            index: jam.currentIndex, positionSeconds: jam.positionSeconds, playing: jam.playing, at: jam.stateAt,
            atMs: Self.milliseconds(jam.stateAt), serverTime: now, serverTimeMs: Self.milliseconds(now),
            version: jam.version, ended: jam.endedAt != nil
        )
    }

    /// A moment as milliseconds since 1970 (JSON dates here are whole seconds).
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
