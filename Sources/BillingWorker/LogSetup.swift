import Foundation
import BillingServer
import Logging

/// Process-wide logging, chosen by `LOG_FORMAT` (`text` default, `json` = one JSON object per line)
/// and `LOG_LEVEL` (default `info`).
enum LogSetup {
    static func makeLogger(label: String) -> Logger {
        bootstrapOnce
        return Logger(label: label)
    }

    private static let bootstrapOnce: Void = {
        let env = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: env["LOG_LEVEL"]?.lowercased() ?? "info") ?? .info
        let json = env["LOG_FORMAT"]?.lowercased() == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()
}
