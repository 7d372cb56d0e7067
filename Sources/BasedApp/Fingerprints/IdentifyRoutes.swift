import BasedAPI
import Foundation
import OpenAPIRuntime

/// "What's playing?": a clip in, a track and an offset out.
extension APIHandler {
    func identifyClip(_ input: Operations.IdentifyClip.Input) async throws -> Operations.IdentifyClip.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .any(let body) = input.body else { throw AppError.unsupportedMediaType("Send the clip's bytes.") }
        let clip: Data
        do {
            clip = try await Data(collecting: body, upTo: FingerprintService.Clip.maximumBytes)
        } catch {
            throw AppError.payloadTooLarge(limit: FingerprintService.Clip.maximumBytes)
        }
        let found = try await services.fingerprints.identify(clip: clip, viewer: identity, tracks: tracks)
        return .ok(.init(body: .json(.init(
            track: try await trackBody(found.track, viewer: identity), offsetSeconds: (found.offset * 10).rounded() / 10, score: found.score
        ))))
    }
}
