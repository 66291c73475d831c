import BillingCore
import BillingPostgres
import Foundation
import StripeAPI

/// `billing-worker reconcile` (SPEC §8, §10): optionally back-fills missed events from Stripe,
/// then compares each client's billing with its subscription fetched by id, reports the drift
/// and, with `apply`, repairs it through the state machine.
public struct Reconciler: Sendable {
    /// `admin_actions.admin_id` of every repair.
    public static let adminId = "reconciler"

    public struct Options: Sendable, Hashable {
        /// Only this client (default: every client with a subscription).
        public var clientId: String?
        /// Repair the drift (`--apply`).
        public var apply: Bool
        /// Back-fill events created at or after this time first (`--backfill-since`), Unix seconds.
        public var backfillSince: Int64?

        public init(clientId: String? = nil, apply: Bool = false, backfillSince: Int64? = nil) {
            self.clientId = clientId
            self.apply = apply
            self.backfillSince = backfillSince
        }
    }

    public var pool: PGPool
    public var stripe: StripeClient
    /// Processes back-filled events (the production `BillingEventHandler`).
    public var handler: any EventHandler
    public var queue: EventQueue
    public var now: @Sendable () -> Int64
    public var progress: ProgressSink

    public init(
        pool: PGPool, stripe: StripeClient, handler: any EventHandler, queue: EventQueue = EventQueue(),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        progress: @escaping ProgressSink = { _ in }
    ) {
        self.pool = pool
        self.stripe = stripe
        self.handler = handler
        self.queue = queue
        self.now = now
        self.progress = progress
    }

    /// Runs back-fill (when asked), then the comparison (and repairs with `apply`).
    /// - Throws: `BillingJobsError` (`usage` for a back-fill bound older than 30 days, `notFound`
    ///   for an unknown `--client`), `StripeAPIError` when Stripe refuses the key or cannot be
    ///   reached, database errors. A subscription that cannot be fetched is reported per client.
    public func run(_ options: Options) async throws -> ReconcileReport {
        let started = now()
        if let since = options.backfillSince { try Self.checkBackfillBound(since, now: started) }
        var report = ReconcileReport(run: "reconcile run \(CLITime.iso(started))", applied: options.apply)
        if let since = options.backfillSince {
            let backfill = try await backfill(since: since)
            report.backfilled = backfill.stored
            report.processed = backfill.processed
        }
        let clients = try await clientsToCheck(options.clientId)
        for (n, local) in clients.enumerated() {
            try await check(local, apply: options.apply, into: &report)
            if (n + 1) % 50 == 0 { progress("reconcile: \(n + 1)/\(clients.count) clients checked") }
        }
        return report
    }

    /// Stripe keeps events for 30 days: an older bound cannot be honoured (exit 2, not a silent gap).
    public static func checkBackfillBound(_ since: Int64, now: Int64) throws {
        let oldest = now - StripeClient.eventRetentionSeconds
        guard since >= oldest else {
            throw BillingJobsError(.usage, """
                --backfill-since \(CLITime.iso(since)) is older than 30 days; Stripe keeps events for 30 days \
                (use \(CLITime.iso(oldest)) or later)
                """)
        }
    }

    /// One client's compared fields as stored.
    struct LocalRow: Sendable {
        var clientId: String
        var subscriptionId: String
        var paymentSource: PaymentSource
        var fields: SubscriptionDrift.Local
    }

    private func clientsToCheck(_ clientId: String?) async throws -> [LocalRow] {
        try await pool.withConnection { session in
            if let clientId, try session.query("SELECT 1 AS one FROM clients WHERE id = \(clientId)").isEmpty {
                throw BillingJobsError(.notFound, "no client \(clientId)")
            }
            return try session.query("""
                SELECT client_id, stripe_subscription_id, status::text AS status, payment_source::text AS payment_source,
                       extract(epoch FROM current_period_end)::bigint AS current_period_end, cancel_at_period_end
                FROM client_billing
                WHERE stripe_subscription_id IS NOT NULL AND (\(clientId)::text IS NULL OR client_id = \(clientId))
                ORDER BY client_id
                """).rows.map { r in
                LocalRow(
                    clientId: r.string("client_id") ?? "", subscriptionId: r.string("stripe_subscription_id") ?? "",
                    paymentSource: r.string("payment_source").flatMap(PaymentSource.init(rawValue:)) ?? .none,
                    fields: .init(status: r.string("status").flatMap(BillingStatus.init(rawValue:)) ?? .pending,
                                  currentPeriodEnd: r.int64("current_period_end"),
                                  cancelAtPeriodEnd: r.bool("cancel_at_period_end") ?? false))
            }
        }
    }
}
