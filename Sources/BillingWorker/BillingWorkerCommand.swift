import ArgumentParser
import Foundation

/// `billing-worker`: the service and its operator commands (SPEC §8).
@main
struct BillingWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing-worker",
        abstract: "Turns Stripe's webhook stream into trustworthy billing state.",
        subcommands: [Serve.self, Migrate.self, Replay.self, Ingest.self, Reconcile.self, Prune.self]
    )

    /// Like ArgumentParser's own entry point, except that bad usage (an unknown flag, a missing
    /// or invalid argument) exits 2 as SPEC §10 asks, instead of ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
