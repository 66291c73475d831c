import BillingCore
import Foundation
import StripeJSON

/// The repository's Stripe fixtures (`Tests/Fixtures/stripe`).
public enum Fixtures {
    public static let versions = ["2024-06-20", "2025-03-31.basil"]

    public static var root: URL {
        TestDatabase.repositoryRoot().appendingPathComponent("Tests/Fixtures/stripe")
    }

    /// The bytes of `Tests/Fixtures/stripe/<version>/<name>`.
    public static func data(_ version: String, _ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(version).appendingPathComponent(name))
    }

    /// The story files of one version, in order (01 … 11).
    public static func storyFiles(_ version: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(version).path)
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    public static func event(_ version: String, _ name: String) throws -> BillingEvent {
        try BillingEvent.decode(payload: [UInt8](data(version, name)))
    }
}
