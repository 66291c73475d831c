import ArgumentParser
import BillingJobs
import BillingPostgres
import Foundation
import StripeAPI

/// Shared plumbing of the operator commands (`replay`, `ingest`, `reconcile`, `prune`).
enum JobSupport {
    /// Runs `body` with a small pool on `DATABASE_URL` (or `--database-url`); maps failures to one
    /// line on stderr and the exit status (2 bad usage, 1 error), never a stack trace.
    static func withPool<T: Sendable>(
        command: String, databaseURL flag: String?, _ body: (PGPool) async throws -> T
    ) async throws -> T {
        let url = try Settings.required(flag, env: "DATABASE_URL", flagName: "database-url")
        do {
            return try await PGPool.using(url: url, size: 2, body)
        } catch {
            throw exit(command: command, error)
        }
    }

    /// Prints `error` as one line and returns the `ExitCode` to throw.
    static func exit(command: String, _ error: any Error) -> any Error {
        switch error {
        case let error as ExitCode:
            return error
        case let error as BillingJobsError:
            warn("billing-worker \(command): \(error.message)")
            return ExitCode(error.exitCode)
        case let error as StripeAPIError:
            warn("billing-worker \(command): \(error)")
            return ExitCode(1)
        default:
            warn("billing-worker \(command) failed: \(error)")
            return ExitCode(1)
        }
    }

    /// A CLI time flag (ISO 8601 or Unix seconds); a bad value is a usage error (exit 2).
    static func time(_ text: String?, flag: String) throws -> Int64? {
        guard let text else { return nil }
        do { return try CLITime.parse(text, flag: flag) } catch let error as BillingJobsError {
            warn("billing-worker: \(error.message)")
            throw ExitCode(2)
        }
    }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Progress lines go to stderr, so that stdout stays the report.
    static let progress: ProgressSink = { line in JobSupport.warn(line) }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
