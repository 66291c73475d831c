import Hummingbird

/// The OpenAPI 3.1 description of every HTTP route (SPEC §7), served at `GET /openapi.yaml`.
///
/// The document lives in `openapi.yaml` next to this file, embedded in the binary by SwiftPM's
/// `.embedInCode` resource rule (no bundle to find at run time) and served byte for byte.
/// `OpenAPIDocumentTests` fails when a route of the router is missing there, or a path there has no route.
public enum OpenAPIDocument {
    /// Adds `GET /openapi.yaml` (no authentication: the document holds no secret).
    static func addRoutes(to router: Router<AppContext>) {
        let body = ByteBuffer(bytes: PackageResources.openapi_yaml)
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: body))
        }
    }

    /// The document, as served.
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
