/// Why an operator command could not run. One error type for the module (style §3.5); `code`
/// is stable and decides the exit status (`usage` → 2, everything else → 1).
public struct BillingJobsError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case usage
            case notFound = "not_found"
            case invalidInput = "invalid_input"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A bad flag value (a time that does not parse, a back-fill bound older than 30 days): exit 2.
        public static let usage = Code(.usage)
        /// A named client or event does not exist: exit 1.
        public static let notFound = Code(.notFound)
        /// The input cannot be used at all (a file that cannot be read): exit 1.
        public static let invalidInput = Code(.invalidInput)

        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The process exit status for this error (SPEC §10: 2 bad usage, 1 error).
    public var exitCode: Int32 { code == .usage ? 2 : 1 }

    public var description: String { message }
}
