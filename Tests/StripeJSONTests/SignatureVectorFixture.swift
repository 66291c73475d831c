import Foundation
import Testing

/// One vector of `Tests/Fixtures/signature-vectors.json` (format: `signature-vectors.md`).
struct SignatureVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let category: String
    let secrets: [String]
    /// The header as the HTTP server hands it over; `nil` = absent.
    let header: String?
    let payload: String?
    let payloadBase64: String?
    let now: Int64
    let tolerance: Int64
    /// `ok` or a SPEC error code.
    let expect: String
    let note: String
    let oracle: String

    enum CodingKeys: String, CodingKey {
        case name, category, secrets, header, payload, now, tolerance, expect, note, oracle
        case payloadBase64 = "payload_base64"
    }

    /// The exact body bytes: `payload_base64` when present, else `payload` as UTF-8.
    var payloadBytes: [UInt8] {
        get throws {
            if let payloadBase64 {
                guard let data = Data(base64Encoded: payloadBase64) else { throw SignatureVectorFixtureError.badBase64(name) }
                return Array(data)
            }
            guard let payload else { throw SignatureVectorFixtureError.noPayload(name) }
            return Array(payload.utf8)
        }
    }

    var testDescription: String { name }
}

/// The whole vector file.
struct SignatureVectorFile: Decodable, Sendable {
    let count: Int
    let expectValues: [String]
    let vectors: [SignatureVector]

    enum CodingKeys: String, CodingKey {
        case count, vectors
        case expectValues = "expect_values"
    }
}

enum SignatureVectorFixtureError: Error, CustomStringConvertible {
    case notFound(String)
    case badBase64(String)
    case noPayload(String)

    var description: String {
        switch self {
        case .notFound(let path): "Tests/Fixtures/signature-vectors.json not found next to \(path)"
        case .badBase64(let name): "vector \(name): payload_base64 is not base64"
        case .noPayload(let name): "vector \(name): neither payload nor payload_base64"
        }
    }
}

enum SignatureVectorFixture {
    /// The file, loaded once; a failure is reported by `SignatureVectorTests.loadsEveryVector`.
    static let loaded: Result<SignatureVectorFile, any Error> = Result {
        let url = try fixtureURL()
        return try JSONDecoder().decode(SignatureVectorFile.self, from: Data(contentsOf: url))
    }

    /// Every vector, or none when the file could not be loaded.
    static var vectors: [SignatureVector] { (try? loaded.get().vectors) ?? [] }

    /// `<repo>/Tests/Fixtures/signature-vectors.json`, found from this source file's path: this file
    /// lives in `<repo>/Tests/BillingCoreTests/`. When the path is a symlink (a scratch package
    /// linking the repo's files), its target is tried too. Nothing outside the repository is read.
    static func fixtureURL(filePath: String = #filePath) throws -> URL {
        let source = URL(fileURLWithPath: filePath)
        for file in [source, source.resolvingSymlinksInPath()] {
            let candidate = file
                .deletingLastPathComponent()   // Tests/BillingCoreTests
                .deletingLastPathComponent()   // Tests
                .appendingPathComponent("Fixtures/signature-vectors.json")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw SignatureVectorFixtureError.notFound(filePath)
    }
}
