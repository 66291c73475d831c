import BillingServer
import Foundation
import HTTPTypes
import Testing

/// The OpenAPI document agrees with the router (SPEC §7, issue 6).
@Suite struct OpenAPIDocumentTests {
    /// `"METHOD /path"` of every operation under `paths:` (a line-based reading of the document's layout:
    /// paths indented by two spaces, methods by four).
    static func operations(_ yaml: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var inPaths = false
        var path: String?
        var operation: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:"; path = nil; operation = nil; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
                operation = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = String(line.dropFirst(4).dropLast())
                if ["get", "post", "put", "patch", "delete", "head"].contains(method) {
                    operation = "\(method.uppercased()) \(path)"
                    result[operation!] = []
                }
            } else if let operation {
                result[operation]?.append(line)
            }
        }
        return result
    }

    /// Every route of the router is in the document and every operation of the document is a route
    /// (the console's HTML pages under `/console` are not part of the JSON API).
    @Test func documentAndRouterAgree() {
        let routes = Set(AdminTest.routes().filter { !$0.path.hasPrefix("/console") }.map { "\($0.method.rawValue) \($0.path)" })
        let documented = Set(Self.operations(OpenAPIDocument.yaml).keys)
        #expect(routes.count >= 22)
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from the OpenAPI document")
        #expect(documented.subtracting(routes).sorted() == [], "documented operations without a route")
    }

    /// Every admin operation documents the 401 answer and relies on bearer security; the others opt out.
    @Test func adminOperationsDocumentAuthentication() {
        let yaml = OpenAPIDocument.yaml
        #expect(yaml.hasPrefix("openapi: 3.1.0\n"))
        #expect(yaml.contains("bearerAuth:\n      type: http\n      scheme: bearer"))
        for (operation, lines) in Self.operations(yaml) {
            if operation.contains(" /api/admin/") {
                #expect(lines.contains("        '401':"), "\(operation)")
                #expect(!lines.contains("      security: []"), "\(operation)")
            } else {
                #expect(lines.contains("      security: []"), "\(operation)")
            }
        }
    }

    /// The `Error` schema lists exactly the codes an error body can carry (`APIError.Code`).
    @Test func errorSchemaListsEveryErrorCode() throws {
        let yaml = OpenAPIDocument.yaml
        let schema = try #require(yaml.range(of: "\n    Error:\n"))
        let list = try #require(yaml.range(of: "enum: [", range: schema.upperBound..<yaml.endIndex))
        let end = try #require(yaml.range(of: "]", range: list.upperBound..<yaml.endIndex))
        let documented = yaml[list.upperBound..<end.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(documented.sorted() == APIError.Code.allCases.map(\.rawValue).sorted())
    }

    /// `GET /openapi.yaml` serves the document as application/yaml, without a token.
    @Test func documentIsServed() async throws {
        try await TestApp.withApp { client, _ in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                #expect(String(buffer: response.body) == OpenAPIDocument.yaml)
            }
        }
    }

    /// The embedded document is `Sources/BillingServer/openapi.yaml` byte for byte: what is reviewed is what is served.
    @Test func servedDocumentIsTheResourceFile() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Data(contentsOf: root.appendingPathComponent("Sources/BillingServer/openapi.yaml"))
        #expect(Array(file) == Array(OpenAPIDocument.yaml.utf8))
    }
}
