import BillingJobs
import BillingTestSupport
import Foundation
import Synchronization

/// Collects progress lines.
final class LinesSink: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: ProgressSink { { line in self.lines.withLock { $0.append(line) } } }
}

enum BillingTestSupportPaths {
    /// `Tests/Fixtures/<path>`.
    static func fixture(_ path: String) -> URL {
        TestDatabase.repositoryRoot().appendingPathComponent("Tests/Fixtures/\(path)")
    }
}
