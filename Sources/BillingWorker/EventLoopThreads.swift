import NIOCore

/// How many event loop threads serve HTTP and run every task: `BILLING_EVENT_LOOP_THREADS`, by
/// default half the cores (at least one).
///
/// Why not one per core, NIO's default: the service is half of each delivery's work. PostgreSQL
/// does about as much, and the service's database calls already run on threads of their own (one
/// per pooled connection). On this service's 2-core machine kind one event loop instead of two
/// cut the service's CPU per delivery by 10-20 % (fewer wake-ups and hand-offs between threads),
/// with as many deliveries per second and a lower p99 (`deploy/local/bench`, README).
enum EventLoopThreads {
    static let variable = "BILLING_EVENT_LOOP_THREADS"

    /// The configured count; a value that is not an integer in 1...256 ends the process with one
    /// line and exit code 2, like every other setting.
    static func count() -> Int {
        let byDefault = max(1, System.coreCount / 2)
        do {
            return try Settings.integer(nil, env: variable, default: byDefault, range: 1...256)
        } catch {
            Settings.fail("\(variable): \(error)")
        }
    }
}
