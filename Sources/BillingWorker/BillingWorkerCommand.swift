import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

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
        // Run Swift concurrency's tasks on NIO's event loop threads (the ones Hummingbird serves
        // on): a request's handler then continues on the thread that read it instead of hopping
        // to a separate cooperative pool and back, which cost a context switch per hop on this
        // service's 2-core budget. Nothing here blocks a task: libpq and libcurl run on their own
        // thread pools.
        NIOSingletons.groupLoopCountSuggestion = EventLoopThreads.count()
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
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
