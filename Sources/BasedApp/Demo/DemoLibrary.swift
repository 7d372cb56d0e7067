import BasedMedia
import Foundation
import Logging
import ServiceLifecycle

/// A few demo artists, a venue and a listener, with music the project writes
/// itself (MIDI rendered by fluidsynth), put through the same upload path as
/// any artist's file, so a newcomer has something real to stream at once.
public struct DemoLibrary: Sendable {
    let services: AppServices
    let logger: Logger

    public init(services: AppServices, logger: Logger) {
        self.services = services
        self.logger = logger
    }

    /// The password of every demo account.
    public static let password = "listen-local-2026"

    struct Piece {
        var title: String
        var key: MIDIFile.Key
        var tempo: Double
        var style: Composer.Style
        var seed: UInt64
    }

    struct Account {
        var username: String
        var displayName: String
        var role: Role
        var city: String
        var location: (Double, Double)
        var genres: [String]
        var bio: String
        var album: String?
        var pieces: [Piece]
    }

    static let accounts: [Account] = [
        Account(
            username: "northside_brass", displayName: "Northside Brass", role: .artist, city: "Leipzig",
            location: (51.34, 12.37), genres: ["brass", "funk"], bio: "Eight horns and a drummer from the north side.",
            album: "Tram Lines", pieces: [
                Piece(title: "Tram 16", key: .init(tonic: 10, minor: false), tempo: 112, style: .init(chordProgram: 61, bassProgram: 58, leadProgram: 56, drums: true), seed: 16),
                Piece(title: "Night Shift", key: .init(tonic: 2, minor: true), tempo: 96, style: .init(chordProgram: 61, bassProgram: 58, leadProgram: 65, drums: true), seed: 7),
            ]
        ),
        Account(
            username: "velvet_dusk", displayName: "Velvet Dusk", role: .artist, city: "Leipzig",
            location: (51.33, 12.39), genres: ["dream pop", "ambient"], bio: "Slow songs for late buses.",
            album: "Lanterns", pieces: [
                Piece(title: "Lanterns", key: .init(tonic: 4, minor: false), tempo: 84, style: .init(chordProgram: 89, bassProgram: 38, leadProgram: 73, drums: false), seed: 42),
                Piece(title: "Canal at Four", key: .init(tonic: 9, minor: true), tempo: 70, style: .init(chordProgram: 48, bassProgram: 32, leadProgram: 11, drums: false), seed: 4),
            ]
        ),
        Account(
            username: "kellerkind", displayName: "Kellerkind", role: .artist, city: "Halle",
            location: (51.48, 11.97), genres: ["electronic", "techno"], bio: "Basement techno, made on a laptop older than some of the crowd.",
            album: nil, pieces: [
                Piece(title: "Concrete", key: .init(tonic: 7, minor: true), tempo: 128, style: .init(chordProgram: 81, bassProgram: 39, leadProgram: 80, drums: true), seed: 128),
            ]
        ),
        Account(
            username: "the_basement", displayName: "The Basement", role: .venue, city: "Leipzig",
            location: (51.34, 12.38), genres: ["live", "club"], bio: "Small room, loud shows, every Friday.", album: nil, pieces: []
        ),
        Account(
            username: "demo_listener", displayName: "Demo Listener", role: .listener, city: "Leipzig",
            location: (51.34, 12.37), genres: ["funk", "ambient"], bio: "", album: nil, pieces: []
        ),
    ]

    /// Seeds the library when the database has no accounts yet.
    public func seedIfEmpty() async throws {
        guard try await !services.accounts.hasUsers() else { return }
        try await seed()
    }

    /// Adds whatever of the demo library is missing; returns the tracks uploaded.
    @discardableResult
    public func seed() async throws -> Int {
        guard Synthesizer.available else {
            logger.warning("demo library skipped: fluidsynth and a General MIDI soundfont are needed (make deps)")
            return 0
        }
        var uploaded = 0
        var ids: [String: UUID] = [:]
        for account in Self.accounts {
            let user = try await ensureAccount(account)
            ids[account.username] = user.id
            let identity = Identity(userID: user.id, sessionID: UUID(), username: user.username, role: user.role)
            for (index, piece) in account.pieces.enumerated() {
                if try await upload(piece, number: index + 1, account: account, identity: identity) { uploaded += 1 }
            }
        }
        if let listener = ids["demo_listener"] {
            let identity = Identity(userID: listener, sessionID: UUID(), username: "demo_listener", role: .listener)
            for account in Self.accounts where account.role != .listener {
                _ = try await services.follows.follow(identity, username: account.username)
            }
        }
        if let venue = ids["the_basement"], let listener = ids["demo_listener"] {
            try await seedShow(venue: venue, listener: listener)
        }
        logger.info("demo library ready", metadata: [
            "tracks": "\(uploaded)", "accounts": "\(Self.accounts.map(\.username).joined(separator: ", "))", "password": "\(Self.password)",
        ])
        return uploaded
    }

    /// The venue's next show, a week out, with the demo listener going: its
    /// room is open and its reminder is queued.
    private func seedShow(venue: UUID, listener: UUID) async throws {
        let identity = Identity(userID: venue, sessionID: UUID(), username: "the_basement", role: .venue)
        let (upcoming, _) = try await services.events.upcoming(venue: venue, viewer: nil, cursor: nil, limit: 1)
        guard upcoming.isEmpty else { return }
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 7 * 86_400)
        let event = try await services.events.create(identity, .init(
            title: "Kellerkind live", description: "Basement techno from Halle, with the lights down.",
            startsAt: start, endsAt: start.addingTimeInterval(4 * 3600), city: "Leipzig", address: "Karl-Liebknecht-Straße 1"
        ))
        _ = try await services.events.rsvp(listener, eventID: event.id, status: .going)
    }

    private func ensureAccount(_ account: Account) async throws -> User {
        if let existing = try? await services.profiles.profile(username: account.username).user {
            return existing
        }
        let user = try await services.accounts.createUser(.init(
            username: account.username, email: "\(account.username)@demo.based.invalid", password: Self.password,
            role: account.role, displayName: account.displayName
        ))
        let identity = Identity(userID: user.id, sessionID: UUID(), username: user.username, role: user.role)
        _ = try await services.profiles.update(identity, .init(
            bio: account.bio, city: account.city, location: account.location, genres: account.genres
        ))
        if account.role != .listener {
            // Demo artists and venues count as checked by the scene's admins.
            try await services.accounts.setVerified(user.id, true)
        }
        return user
    }

    private func upload(_ piece: Piece, number: Int, account: Account, identity: Identity) async throws -> Bool {
        // Synthesis is not bit-exact from run to run, so a piece is known by its title, not its hash.
        guard try await !services.tracks.hasTrack(artist: identity.userID, titled: piece.title) else { return false }
        let scratch = services.blobs.temporary.appendingPathComponent("demo-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let midi = scratch.appendingPathComponent("piece.mid")
        let wav = scratch.appendingPathComponent("piece.wav")
        let flac = scratch.appendingPathComponent("\(piece.title).flac")
        try Composer(key: piece.key, tempo: piece.tempo, bars: 16, style: piece.style, seed: piece.seed).midi().data().write(to: midi)
        try await Synthesizer.render(midi, to: wav)
        var arguments = ["-nostdin", "-v", "error", "-y", "-i", wav.path, "-f", "lavfi", "-t", "1", "-i", "mandelbrot=size=600x600:rate=1:end_scale=0.\(piece.seed % 9 + 1)",
                         "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "-c:a", "flac"]
        var tags = ["title": piece.title, "artist": account.displayName, "genre": account.genres.first ?? "", "date": "2026", "track": "\(number)"]
        if let album = account.album { tags["album"] = album }
        for (key, value) in tags { arguments += ["-metadata", "\(key)=\(value)"] }
        let encoded = try await Subprocess.run("ffmpeg", arguments + [flac.path], timeout: .seconds(120))
        guard encoded.succeeded else { throw ToolError(code: .failed, tool: "ffmpeg", message: "demo encode failed") }
        do {
            _ = try await services.tracks.upload(identity, upload: .init(filename: flac.lastPathComponent), bytes: FileChunks(flac))
            return true
        } catch let error as AppError where error.code == "duplicate_upload" {
            return false
        }
    }
}

/// Seeds the demo library in the background once the server runs.
struct DemoSeeder: Service {
    let library: DemoLibrary

    func run() async throws {
        do {
            try await library.seedIfEmpty()
        } catch {
            library.logger.error("demo library failed", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
    }
}
