import BasedMedia
import Foundation

/// Imports a folder of music for one artist through the upload path
/// (validation, dedupe, processing jobs), several files at a time.
public struct LibraryImport: Sendable {
    let tracks: TrackService

    public init(services: AppServices) {
        tracks = services.tracks
    }

    /// What happened to one file.
    public enum Outcome: Sendable, Equatable {
        case imported(UUID)
        case alreadyImported
        case failed(String)
    }

    public struct Report: Sendable, Equatable {
        public var imported = 0
        public var alreadyImported = 0
        public var failed: [(path: String, reason: String)] = []

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.imported == rhs.imported && lhs.alreadyImported == rhs.alreadyImported && lhs.failed.map(\.path) == rhs.failed.map(\.path)
        }
    }

    /// Extensions worth handing to ffprobe; everything else (covers, playlists, notes) is passed over.
    static let audioExtensions: Set<String> = ["mp3", "flac", "wav", "wave", "aif", "aiff", "aifc", "ogg", "oga", "opus", "m4a", "mp4", "aac", "alac"]

    /// The audio files under `folder`, sorted, hidden files and folders skipped.
    public static func audioFiles(in folder: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AppError.notFound("The folder \(folder.path)")
        }
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        var files: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            guard audioExtensions.contains(url.pathExtension.lowercased()),
                  (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
            else { continue }
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Imports `files` as `artist`, `concurrency` at a time; `progress` hears about each file as it finishes.
    public func run(
        _ files: [URL], artist: Identity, visibility: Visibility = .public, concurrency: Int = 2,
        progress: @escaping @Sendable (URL, Outcome) async -> Void = { _, _ in }
    ) async -> Report {
        var report = Report()
        await withTaskGroup(of: (URL, Outcome).self) { group in
            var pending = files.makeIterator()
            func startNext() -> Bool {
                guard let file = pending.next() else { return false }
                group.addTask { (file, await importOne(file, artist: artist, visibility: visibility)) }
                return true
            }
            for _ in 0..<max(1, concurrency) where !startNext() { break }
            while let (file, outcome) = await group.next() {
                switch outcome {
                case .imported: report.imported += 1
                case .alreadyImported: report.alreadyImported += 1
                case .failed(let reason): report.failed.append((file.path, reason))
                }
                await progress(file, outcome)
                _ = startNext()
            }
        }
        return report
    }

    func importOne(_ file: URL, artist: Identity, visibility: Visibility) async -> Outcome {
        do {
            let track = try await tracks.upload(artist, upload: .init(filename: file.lastPathComponent, visibility: visibility), bytes: FileChunks(file))
            return .imported(track.id)
        } catch let error as AppError where error.code == "duplicate_upload" {
            return .alreadyImported
        } catch let error as AppError {
            return .failed(error.detail)
        } catch {
            return .failed("\(error)")
        }
    }
}
