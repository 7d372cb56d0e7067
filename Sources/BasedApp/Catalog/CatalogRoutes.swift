import BasedAPI
import Foundation
import OpenAPIRuntime

/// Track, release and play handlers.
extension APIHandler {
    var tracks: TrackService { services.tracks }
    var releases: ReleaseService { services.releases }

    func uploadTrack(_ input: Operations.UploadTrack.Input) async throws -> Operations.UploadTrack.Output {
        let identity = try RequestScope.requireIdentity()
        var upload = TrackService.Upload(
            filename: input.query.filename, title: input.query.title,
            visibility: input.query.visibility.flatMap { Visibility(rawValue: $0.rawValue) }
        )
        let track: Track
        switch input.body {
        case .any(let body):
            track = try await tracks.upload(identity, upload: upload, bytes: body)
        case .multipartForm(let form):
            try tracks.checkUploader(identity, upload: upload)
            var received: TrackService.Received?
            do {
                // Parts arrive in the order the form has them; the file is streamed to disk as it comes.
                for try await part in form {
                    switch part {
                    case .title(let title):
                        upload.title = try await Self.formText(title.payload.body, "title")
                        try tracks.checkUploader(identity, upload: upload)
                    case .visibility(let visibility):
                        let value = try await Self.formText(visibility.payload.body, "visibility")
                        guard let chosen = Visibility(rawValue: value) else {
                            throw AppError.validation("visibility", "must be one of \(Visibility.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        upload.visibility = chosen
                    case .file(let file):
                        guard received == nil else { throw AppError.validation("file", "must be sent once") }
                        if upload.filename == nil { upload.filename = file.filename }
                        received = try await tracks.receive(file.payload.body)
                    case .undocumented(let other):
                        // A part this form does not have (a submit button's name, say): read past it.
                        for try await _ in other.body {}
                    }
                }
            } catch {
                if let received { try? FileManager.default.removeItem(at: received.file) }
                if error is AppError { throw error }
                // The form itself is malformed: no boundary, a part without a name, a required part missing.
                throw AppError.badRequest("The form could not be read: \(String(describing: error).prefix(200))", code: "invalid_form")
            }
            guard let received else { throw AppError.validation("file", "is required: the audio file as a form part named file") }
            track = try await tracks.ingest(identity, upload: upload, file: received.file, hash: received.hash, size: received.size)
        }
        return .created(.init(body: .json(try await trackBody(track, viewer: identity))))
    }

    /// A short text part of a form (at most 1 KiB), as UTF-8.
    static func formText(_ body: HTTPBody, _ field: String) async throws -> String {
        do {
            return try await String(collecting: body, upTo: 1024)
        } catch {
            throw AppError.validation(field, "must be text of at most 1,024 bytes")
        }
    }

    func lookupTracks(_ input: Operations.LookupTracks.Input) async throws -> Operations.LookupTracks.Output {
        let viewer = try RequestScope.get().identity
        let ids = try Self.trackIDs(input.query.ids.split(separator: ",", omittingEmptySubsequences: false), field: "ids", count: 1...100)
        let found = try await tracks.visibleTracks(ids: ids, viewer: viewer)
        let bodies = try await trackBodies(of: found, viewer: viewer)
        let items = found.compactMap { bodies[$0.id] }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func getTrack(_ input: Operations.GetTrack.Input) async throws -> Operations.GetTrack.Output {
        let viewer = try RequestScope.get().identity
        let track = try await tracks.track(try Self.uuid(input.path.trackId, "trackId"), viewer: viewer)
        return .ok(.init(body: .json(try await trackBody(track, viewer: viewer))))
    }

    func updateTrack(_ input: Operations.UpdateTrack.Input) async throws -> Operations.UpdateTrack.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        var edit = TrackService.Edit()
        edit.title = body.title
        edit.featured = body.featured
        edit.trackNumber = body.trackNumber
        edit.discNumber = body.discNumber
        edit.genre = body.genre
        edit.tags = body.tags
        edit.explicit = body.explicit
        edit.visibility = body.visibility.flatMap { Visibility(rawValue: $0.rawValue) }
        edit.releaseId = try body.releaseId.map { try Self.uuid($0, "releaseId") }
        edit.clearRelease = body.clearRelease ?? false
        let track = try await tracks.edit(identity, trackID: try Self.uuid(input.path.trackId, "trackId"), edit)
        return .ok(.init(body: .json(try await trackBody(track, viewer: identity))))
    }

    func deleteTrack(_ input: Operations.DeleteTrack.Input) async throws -> Operations.DeleteTrack.Output {
        let identity = try RequestScope.requireIdentity()
        try await tracks.delete(identity, trackID: try Self.uuid(input.path.trackId, "trackId"))
        return .noContent(.init())
    }

    func getWaveform(_ input: Operations.GetWaveform.Input) async throws -> Operations.GetWaveform.Output {
        let track = try await tracks.track(try Self.uuid(input.path.trackId, "trackId"), viewer: try RequestScope.get().identity)
        guard let waveform = track.waveform,
              let peaks = try? JSONDecoder().decode([Double].self, from: Data(waveform.utf8))
        else { throw AppError.conflict("The waveform is not computed yet.", code: "track_not_ready") }
        return .ok(.init(body: .json(.init(peaks: peaks))))
    }

    func createStreamURL(_ input: Operations.CreateStreamURL.Input) async throws -> Operations.CreateStreamURL.Output {
        let track = try await tracks.track(try Self.uuid(input.path.trackId, "trackId"), viewer: try RequestScope.get().identity)
        guard track.state == .ready else {
            throw AppError.conflict("The track is still \(track.state.rawValue).", code: "track_not_ready")
        }
        let link = streamLink(track.id)
        return .ok(.init(body: .json(.init(url: link.url, hlsUrl: link.hlsUrl, expiresAt: link.expiresAt))))
    }

    func createStreamURLs(_ input: Operations.CreateStreamURLs.Input) async throws -> Operations.CreateStreamURLs.Output {
        let viewer = try RequestScope.get().identity
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let ids = try Self.trackIDs(body.trackIds, field: "trackIds", count: 1...100)
        let items = try await tracks.readyTracks(ids: ids, viewer: viewer).map { track in
            let link = streamLink(track.id)
            return Components.Schemas.StreamLinkList.ItemsPayloadPayload(
                trackId: track.id.uuidString.lowercased(), url: link.url, hlsUrl: link.hlsUrl, expiresAt: link.expiresAt)
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    /// A track's signed progressive and HLS URLs, good for six hours whoever holds them.
    private func streamLink(_ track: UUID) -> (url: String, hlsUrl: String, expiresAt: Date) {
        let signed = services.signer.sign(track: track, lifetime: .seconds(6 * 3600))
        let base = "/api/v1/tracks/\(track.uuidString.lowercased())"
        let query = "exp=\(signed.expires)&sig=\(signed.signature)"
        return ("\(base)/stream?\(query)", "\(base)/hls/master.m3u8?\(query)", Date(timeIntervalSince1970: TimeInterval(signed.expires)))
    }

    func listUserTracks(_ input: Operations.ListUserTracks.Input) async throws -> Operations.ListUserTracks.Output {
        let viewer = try RequestScope.get().identity
        let artist = try await profiles.profile(username: input.path.username).user
        let page = try await tracks.tracks(of: artist.id, viewer: viewer, cursor: input.query.cursor, limit: input.query.limit)
        let counts = try await services.plays.counts(tracks: page.tracks.map(\.id))
        let items = page.tracks.map { Self.trackBody($0, viewer: viewer, artist: artist, counts: counts[$0.id] ?? (0, 0)) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.next))))
    }

    func reportPlays(_ input: Operations.ReportPlays.Input) async throws -> Operations.ReportPlays.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let events = try body.events.enumerated().map { index, event in
            PlayService.Event(
                playID: event.playId, trackID: try Self.uuid(event.trackId, "events[\(index)].trackId"),
                kind: PlayService.Event.Kind(rawValue: event.event.rawValue)!, position: event.positionSeconds, at: event.at,
                device: event.device, source: event.source.flatMap { PlayService.Source(rawValue: $0.rawValue) }
            )
        }
        return .ok(.init(body: .json(.init(accepted: try await services.plays.report(identity, events)))))
    }

    // MARK: Releases

    func createRelease(_ input: Operations.CreateRelease.Input) async throws -> Operations.CreateRelease.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let release = try await releases.create(identity, Self.releaseInput(body))
        return .created(.init(body: .json(try await releaseBody(release, tracks: [], viewer: identity))))
    }

    func getRelease(_ input: Operations.GetRelease.Input) async throws -> Operations.GetRelease.Output {
        let viewer = try RequestScope.get().identity
        let (release, tracks) = try await releases.release(try Self.uuid(input.path.releaseId, "releaseId"), viewer: viewer)
        return .ok(.init(body: .json(try await releaseBody(release, tracks: tracks, viewer: viewer))))
    }

    func updateRelease(_ input: Operations.UpdateRelease.Input) async throws -> Operations.UpdateRelease.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let id = try Self.uuid(input.path.releaseId, "releaseId")
        _ = try await releases.update(identity, releaseID: id, Self.releaseInput(body))
        let (release, tracks) = try await releases.release(id, viewer: identity)
        return .ok(.init(body: .json(try await releaseBody(release, tracks: tracks, viewer: identity))))
    }

    func deleteRelease(_ input: Operations.DeleteRelease.Input) async throws -> Operations.DeleteRelease.Output {
        let identity = try RequestScope.requireIdentity()
        try await releases.delete(identity, releaseID: try Self.uuid(input.path.releaseId, "releaseId"))
        return .noContent(.init())
    }

    // MARK: Conversions

    /// A list of track ids from a body or a query, each checked: 422 naming
    /// `field[i]` for one that is not an id, or `field` for a count outside `count`.
    static func trackIDs(_ texts: [some StringProtocol], field: String, count: ClosedRange<Int>) throws -> [UUID] {
        guard count.contains(texts.count) else { throw AppError.validation(field, "must hold \(count.lowerBound) to \(count.upperBound) track ids") }
        return try texts.enumerated().map { index, text in
            guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
                throw AppError.validation("\(field)[\(index)]", "is not a track id")
            }
            return id
        }
    }

    static func uuid(_ value: String, _ field: String) throws -> UUID {
        guard let id = UUID(uuidString: value) else { throw AppError.notFound("The \(field.replacingOccurrences(of: "Id", with: ""))") }
        return id
    }

    static func releaseInput(_ body: Components.Schemas.ReleaseInput) -> ReleaseService.Input {
        ReleaseService.Input(
            title: body.title, kind: body.kind.flatMap { Release.Kind(rawValue: $0.rawValue) }, releaseDate: body.releaseDate,
            credits: body.credits?.map { Credit(role: $0.role, name: $0.name) },
            visibility: body.visibility.flatMap { Visibility(rawValue: $0.rawValue) }
        )
    }

    func trackBody(_ track: Track, viewer: Identity?) async throws -> Components.Schemas.Track {
        let artist = try await profiles.user(id: track.artistId)
        let counts = try await services.plays.counts(track: track.id)
        return Self.trackBody(track, viewer: viewer, artist: artist, counts: counts)
    }

    static func trackBody(_ track: Track, viewer: Identity?, artist: User, counts: (plays: Int, listeners: Int)) -> Components.Schemas.Track {
        var loudness: Components.Schemas.Loudness?
        if let integrated = track.loudnessLufs, let peak = track.truePeakDbtp, let gain = track.replayGainDb {
            loudness = .init(integratedLufs: integrated, truePeakDbtp: peak, replayGainDb: gain)
        }
        let artwork = track.artworkHash.map { hash in
            Components.Schemas.Avatar(small: "/api/v1/artwork/\(hash)?size=small", large: "/api/v1/artwork/\(hash)?size=large")
        }
        return .init(
            id: track.id.uuidString.lowercased(), title: track.title, artist: Self.summary(artist), featured: track.featuredList,
            releaseId: track.releaseId?.uuidString.lowercased(), trackNumber: track.trackNumber, discNumber: track.discNumber,
            genre: track.genre, tags: track.tagList, explicit: track.explicit,
            visibility: .init(rawValue: track.visibility.rawValue)!, state: .init(rawValue: track.state.rawValue)!,
            failureReason: track.failureReason, progress: .init(additionalProperties: track.progressSteps),
            durationSeconds: track.durationSeconds, loudness: loudness, artwork: artwork, year: track.year,
            originalFormat: track.originalFormat,
            originalFilename: viewer?.userID == track.artistId ? track.originalFilename : nil,
            playCount: counts.plays, listenerCount: counts.listeners, createdAt: track.createdAt, updatedAt: track.updatedAt
        )
    }

    func releaseBody(_ release: Release, tracks: [Track], viewer: Identity?) async throws -> Components.Schemas.Release {
        let artist = try await profiles.user(id: release.artistId)
        let counts = try await services.plays.counts(tracks: tracks.map(\.id))
        let items = tracks.map { Self.trackBody($0, viewer: viewer, artist: artist, counts: counts[$0.id] ?? (0, 0)) }
        return .init(
            id: release.id.uuidString.lowercased(), title: release.title, kind: .init(rawValue: release.kind.rawValue)!,
            artist: Self.summary(artist), releaseDate: release.releaseDate,
            credits: release.creditList.map { .init(role: $0.role, name: $0.name) },
            visibility: .init(rawValue: release.visibility.rawValue)!, tracks: items, createdAt: release.createdAt
        )
    }
}

extension APIHandler {
    func getTrackAnalysis(_ input: Operations.GetTrackAnalysis.Input) async throws -> Operations.GetTrackAnalysis.Output {
        let stored = try await services.analyses.analysis(of: try Self.uuid(input.path.trackId, "trackId"), viewer: try RequestScope.get().identity)
        let result = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(stored.result.utf8))
        return .ok(.init(body: .json(.init(
            analysisVersion: stored.analysisVersion, embeddingVersion: stored.embeddingVersion,
            analyzedAt: stored.analyzedAt, result: .init(additionalProperties: result)
        ))))
    }
}
