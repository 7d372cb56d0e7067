import BasedAnalysis
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `BasedAnalysisBench analyze FILE…` prints one JSON analysis per line (the accuracy
/// suite reads these); `BasedAnalysisBench time FILE` analyses one file and prints its
/// wall time, CPU time (this process and its ffmpeg children) and peak memory as JSON.
@main
struct BasedAnalysisBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first, arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: BasedAnalysisBench analyze|time FILE…\n".utf8))
            exit(2)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var failed = false
        for path in arguments.dropFirst() {
            do {
                switch mode {
                case "analyze":
                    let analysis = try await AudioAnalysis.analyze(fileAt: path)
                    let line = Line(file: path, analysis: analysis, error: nil)
                    print(String(decoding: try encoder.encode(line), as: UTF8.self))
                case "time":
                    let start = ContinuousClock.now
                    let analysis = try await AudioAnalysis.analyze(fileAt: path)
                    let wall = ContinuousClock.now - start
                    let timing = Timing(
                        file: path,
                        durationSeconds: analysis.durationSeconds,
                        wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18,
                        cpuSeconds: cpuSeconds(RUSAGE_SELF.rawValue),
                        ffmpegCpuSeconds: cpuSeconds(RUSAGE_CHILDREN.rawValue),
                        peakMemoryMB: peakMemoryMB(RUSAGE_SELF.rawValue),
                        ffmpegPeakMemoryMB: peakMemoryMB(RUSAGE_CHILDREN.rawValue)
                    )
                    print(String(decoding: try encoder.encode(timing), as: UTF8.self))
                default:
                    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
                    exit(2)
                }
            } catch {
                failed = true
                let line = Line(file: path, analysis: nil, error: String(describing: error))
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            }
        }
        exit(failed ? 1 : 0)
    }

    struct Line: Encodable {
        var file: String
        var analysis: TrackAnalysis?
        var error: String?
    }

    struct Timing: Encodable {
        var file: String
        var durationSeconds: Double
        var wallSeconds: Double
        var cpuSeconds: Double
        var ffmpegCpuSeconds: Double
        var peakMemoryMB: Double
        var ffmpegPeakMemoryMB: Double
    }

    static func cpuSeconds(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func peakMemoryMB(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
