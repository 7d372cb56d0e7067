import Foundation

// The server protocol and types generated from docs/openapi.yaml live in this
// module, with the document itself.

/// The OpenAPI document this module was generated from, as served at /api/openapi.yaml.
public enum APIDocument {
    public static let yaml: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let data = try? Data(contentsOf: url)
        else { return Array("openapi: 3.1.0\n# the document was not bundled with this build\n".utf8) }
        return Array(data)
    }()
}
