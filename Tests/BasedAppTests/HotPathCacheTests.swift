import BasedAPI
@testable import BasedApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing

/// The session and ready-track caches answer repeated requests without the
/// database, yet every change that must be seen at once still is.
@Suite("Hot-path caches")
struct HotPathCacheTests {
    @Test("a read that raced a change does not put what it read in the cache")
    func generationGuardsStores() {
        let cache = ReadyTracks()
        let track = PlayableTrack(id: UUID(), artistId: UUID(), visibility: .public, state: .ready, originalHash: "h", originalFormat: "wav", durationSeconds: 1)
        let (_, before) = cache.lookup(track.id)
        cache.drop(track.id)
        cache.store(track, generation: before)
        #expect(cache.lookup(track.id).track == nil)
        let (_, now) = cache.lookup(track.id)
        cache.store(track, generation: now)
        #expect(cache.lookup(track.id).track == track)
    }

    @Test("only ready tracks are cached, and never past the cap")
    func readyAndBounded() {
        let cache = ReadyTracks(capacity: 32)
        func track(_ state: TrackState) -> PlayableTrack {
            PlayableTrack(id: UUID(), artistId: UUID(), visibility: .public, state: state, originalHash: "h", originalFormat: "wav", durationSeconds: 1)
        }
        let processing = track(.processing)
        cache.store(processing, generation: cache.lookup(processing.id).generation)
        #expect(cache.count == 0)
        for _ in 0..<100 {
            let ready = track(.ready)
            cache.store(ready, generation: cache.lookup(ready.id).generation)
        }
        #expect(cache.count <= 32)
    }

    @Test("revoking every session of a user drops only that user's")
    func sessionDropByUser() {
        let cache = LiveSessions()
        let ana = Identity(userID: UUID(), sessionID: UUID(), username: "ana", role: .listener)
        let ben = Identity(userID: UUID(), sessionID: UUID(), username: "ben", role: .listener)
        for identity in [ana, ben] { cache.store(identity, generation: cache.lookup(identity.sessionID).generation) }
        cache.drop(user: ana.userID, session: nil)
        #expect(cache.lookup(ana.sessionID).identity == nil)
        #expect(cache.lookup(ben.sessionID).identity == ben)
    }

    /// Registers Ana, signs her in a second time, and has both sessions used once, so both are cached.
    func twoWarmSessions(_ client: any TestClientProtocol, _ services: AppServices) async throws -> (SessionBody, SessionBody) {
        let first = try await client.register("ana")
        let second = try await client.request(.post, "/api/v1/auth/sign-in", json: #"{"login":"ana","password":"correct horse battery"}"#).decode(SessionBody.self)
        // A revocation anywhere (on PostgreSQL, other tests' servers share the bus)
        // stops a read in flight from storing, so warming may take another round.
        for _ in 0..<5 where services.accounts.sessions.count < 2 {
            for session in [first, second] {
                #expect(try await client.request(.get, "/api/v1/me", token: session.accessToken).status == .ok)
            }
        }
        #expect(services.accounts.sessions.count == 2)
        return (first, second)
    }

    @Test("a cached session that signs out is refused at once")
    func signOutDropsCachedSession() async throws {
        try await withApp { client, services in
            let (first, second) = try await twoWarmSessions(client, services)
            #expect(try await client.request(.post, "/api/v1/auth/sign-out", token: first.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: first.accessToken).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/me", token: second.accessToken).status == .ok)
            #expect(try await client.request(.post, "/api/v1/auth/sign-out?allDevices=true", token: second.accessToken).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: second.accessToken).status == .unauthorized)
        }
    }

    @Test("a password change refuses the other cached sessions at once")
    func passwordChangeDropsCachedSessions() async throws {
        try await withApp { client, services in
            let (current, other) = try await twoWarmSessions(client, services)
            let changed = try await client.request(
                .post, "/api/v1/me/password", json: #"{"currentPassword":"correct horse battery","newPassword":"staple battery horse"}"#,
                token: current.accessToken
            )
            #expect(changed.status == .noContent)
            #expect(try await client.request(.get, "/api/v1/me", token: other.accessToken).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/me", token: current.accessToken).status == .ok)
        }
    }

    @Test("reuse of a rotated refresh token refuses the family's cached access token at once")
    func refreshReuseDropsCachedSession() async throws {
        try await withApp({ $0.refreshReuseGrace = .zero }) { client, services in
            let (session, _) = try await twoWarmSessions(client, services)
            let rotated = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            let fresh = try rotated.decode(SessionBody.self)
            #expect(try await client.request(.get, "/api/v1/me", token: fresh.accessToken).status == .ok)
            let reused = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(try reused.problem().code == "refresh_token_reused")
            #expect(try await client.request(.get, "/api/v1/me", token: fresh.accessToken).status == .unauthorized)
        }
    }

    /// A ready public track of Ana's and a signed link to its stream.
    func withSignedTrack(_ body: @escaping @Sendable (any TestClientProtocol, AppServices, String, SessionBody, Schemas.StreamLink) async throws -> Void) async throws {
        let audio = try await makeAudio(seconds: 3, format: "wav")
        try await withApp { client, services in
            let ana = try await client.register("ana", role: "artist")
            let track = try await client.upload(audio, token: ana.accessToken).decode(TrackBody.self)
            #expect(try await client.waitForProcessing(track.id, token: ana.accessToken).state == "ready")
            let link = try await client.request(.post, "/api/v1/tracks/\(track.id)/stream-url", token: ana.accessToken).decode(Schemas.StreamLink.self)
            try await body(client, services, track.id, ana, link)
        }
    }

    @Test("range requests of a signed link are answered from the cache of ready tracks")
    func signedRangesUseTheCache() async throws {
        try await withSignedTrack { client, services, id, _, link in
            // The processing job drops the track from the cache just after it
            // marks it ready (its last step); a request after that fills it again.
            let trackID = try #require(UUID(uuidString: id))
            var cached: PlayableTrack?
            for _ in 0..<50 where cached == nil {
                #expect(try await client.request(.get, link.url, headers: [.range: "bytes=0-99"]).status == .partialContent)
                cached = services.tracks.readyTracks.lookup(trackID).track
                if cached == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(cached?.state == .ready)
            // With the row gone behind the cache's back, the next range is still served: no database read.
            try await services.database.sql.delete(from: "tracks").where("id", .equal, try #require(UUID(uuidString: id))).run()
            #expect(try await client.request(.get, link.url, headers: [.range: "bytes=100-199"]).status == .partialContent)
        }
    }

    @Test("a deleted track's signed link stops working at once")
    func deleteDropsCachedTrack() async throws {
        try await withSignedTrack { client, _, id, ana, link in
            let before = try await client.request(.get, link.url, headers: [.range: "bytes=0-99"])
            #expect(before.status == .partialContent)
            #expect(try await client.request(.delete, "/api/v1/tracks/\(id)", token: ana.accessToken).status == .noContent)
            #expect(try await client.request(.get, link.url, headers: [.range: "bytes=0-99"]).status == .notFound)
        }
    }

    @Test("a track made private is refused to others at once, though they had just played it")
    func visibilityChangeDropsCachedTrack() async throws {
        try await withSignedTrack { client, _, id, ana, _ in
            let bob = try await client.register("bob")
            let uri = "/api/v1/tracks/\(id)/stream?format=aac"
            #expect(try await client.request(.get, uri, token: bob.accessToken, headers: [.range: "bytes=0-9"]).status == .partialContent)
            let edit = try await client.request(.patch, "/api/v1/tracks/\(id)", json: #"{"visibility":"private"}"#, token: ana.accessToken)
            #expect(edit.status == .ok)
            #expect(try await client.request(.get, uri, token: bob.accessToken, headers: [.range: "bytes=0-9"]).status == .notFound)
            #expect(try await client.request(.get, uri, token: ana.accessToken, headers: [.range: "bytes=0-9"]).status == .partialContent)
        }
    }

    @Test("a change announced by another process drops the track here", .enabled(if: TestDatabase.isPostgres, "the bus crosses processes on PostgreSQL"))
    func busDropsCachedTrack() async throws {
        try await withSignedTrack { client, services, id, _, link in
            let trackID = try #require(UUID(uuidString: id))
            // As above: a request after processing's last step fills the cache.
            for _ in 0..<50 where services.tracks.readyTracks.lookup(trackID).track == nil {
                #expect(try await client.request(.get, link.url, headers: [.range: "bytes=0-9"]).status == .partialContent)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(services.tracks.readyTracks.lookup(trackID).track != nil)
            // Another process on the same database: its services announce the change on the bus.
            let other = try await AppServices.start(services.configuration, logger: .init(label: "other"))
            let realtime = services.realtime
            let listening = Task { try? await realtime.bus.listen { event in await realtime.receive(event) } }
            try await Task.sleep(for: .milliseconds(500))
            // The other process's database runs (its PostgreSQL client serves only while it does).
            let tracks = services.tracks
            let dropped = try await other.database.whileRunning {
                await other.tracks.readyTracks.changed(trackID)
                for _ in 0..<100 {
                    if tracks.readyTracks.lookup(trackID).track == nil { return true }
                    try await Task.sleep(for: .milliseconds(50))
                }
                return false
            }
            listening.cancel()
            await listening.value
            #expect(dropped)
        }
    }
}
