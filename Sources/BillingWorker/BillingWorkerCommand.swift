import ArgumentParser

/// `billing-worker`: the service and its operator commands (SPEC §8).
@main
struct BillingWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing-worker",
        abstract: "Turns Stripe's webhook stream into trustworthy billing state.",
        subcommands: [Serve.self, Migrate.self]
    )
}
