import BasedAPI
import Foundation
import OpenAPIRuntime

/// Data exports and account erasure.
extension APIHandler {
    var privacy: PrivacyService { services.privacy }

    func requestDataExport(_ input: Operations.RequestDataExport.Input) async throws -> Operations.RequestDataExport.Output {
        let identity = try RequestScope.requireIdentity()
        return .accepted(.init(body: .json(Self.dataExport(try await privacy.requestExport(identity)))))
    }

    func listDataExports(_ input: Operations.ListDataExports.Input) async throws -> Operations.ListDataExports.Output {
        let identity = try RequestScope.requireIdentity()
        return .ok(.init(body: .json(.init(items: try await privacy.exports(of: identity).map(Self.dataExport)))))
    }

    func downloadDataExport(_ input: Operations.DownloadDataExport.Input) async throws -> Operations.DownloadDataExport.Output {
        let identity = try RequestScope.requireIdentity()
        let id = try Self.uuid(input.path.exportId, "exportId")
        let (file, size) = try await privacy.download(identity, export: id, expires: input.query.expires, signature: input.query.sig)
        guard let handle = try? FileHandle(forReadingFrom: file) else { throw AppError.notFound("The export's file") }
        // Read as the client takes it: an export with a catalogue of audio is never held in memory.
        let chunks = AsyncStream<ArraySlice<UInt8>>(unfolding: {
            guard let data = try? handle.read(upToCount: 256 * 1024), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ArraySlice(data)
        })
        return .ok(.init(
            headers: .init(contentDisposition: "attachment; filename=\"based-export-\(id.text).zip\""),
            body: .applicationZip(HTTPBody(chunks, length: .known(Int64(size)), iterationBehavior: .single))
        ))
    }

    func requestErasure(_ input: Operations.RequestErasure.Input) async throws -> Operations.RequestErasure.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        return .accepted(.init(body: .json(Self.erasure(try await services.erasures.request(identity, password: body.password)))))
    }

    func getErasure(_ input: Operations.GetErasure.Input) async throws -> Operations.GetErasure.Output {
        let identity = try RequestScope.requireIdentity()
        guard let erasure = try await services.erasures.erasure(of: identity) else { return .noContent(.init()) }
        return .ok(.init(body: .json(Self.erasure(erasure))))
    }

    func cancelErasure(_ input: Operations.CancelErasure.Input) async throws -> Operations.CancelErasure.Output {
        let identity = try RequestScope.requireIdentity()
        try await services.erasures.cancel(identity)
        return .noContent(.init())
    }

    static func erasure(_ erasure: ErasureService.Erasure) -> Components.Schemas.Erasure {
        .init(id: erasure.id.text, status: .init(rawValue: erasure.status.rawValue)!, requestedAt: erasure.requestedAt, eraseAt: erasure.eraseAt)
    }

    static func dataExport(_ export: PrivacyService.DataExport) -> Components.Schemas.DataExport {
        .init(
            id: export.id.text, status: .init(rawValue: export.status.rawValue)!, byteCount: export.byteCount, failure: export.failure,
            createdAt: export.createdAt, readyAt: export.readyAt, expiresAt: export.expiresAt, downloadUrl: export.downloadPath
        )
    }
}
