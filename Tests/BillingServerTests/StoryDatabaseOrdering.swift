import BillingCore
import BillingPostgres
import BillingTestSupport

/// Issue 14's ordering invariants on the database: each client's processed events are folded, in the order the
/// worker processed them, through `OrderingInvariants`, and the client's row must agree after every step.
///
/// The order is rebuilt from `test_event_log`: a transaction holds a client's row lock from its first event of
/// that client (ignored events aside: they take no lock) to its commit, so one client's settles of two transactions never interleave — they are ordered by
/// the first log entry of each (transaction, client); inside a transaction events are processed in claim order,
/// `(stripe_created_at, id)` (the batch path settles them all in one statement, in no particular order).
enum StoryDatabaseOrdering {
    static func check(stories: [BillingStoryGenerator.ClientStory], step: String, in s: PGSession) throws -> [String] {
        var owner: [String: (client: String, event: BillingEvent)] = [:]
        for story in stories { for event in story.events { owner[event.id] = (story.clientId, event) } }
        struct Settle { var event: BillingEvent; var outcome: BillingOutcome; var seq: Int64; var txid: Int64; var created: Int64; var rowId: Int64 }
        var settles: [String: [Settle]] = [:]
        var unknown: [String] = []
        for r in try s.query("""
            SELECT l.stripe_event_id, l.new_outcome, l.seq, l.txid, l.row_id,
                   extract(epoch FROM e.stripe_created_at)::bigint AS created
            FROM test_event_log l JOIN billing_events e ON e.id = l.row_id
            WHERE l.new_status IN ('processed', 'ignored') ORDER BY l.seq
            """).rows {
            let id = r.string("stripe_event_id") ?? ""
            guard let (client, event) = owner[id], let outcome = r.string("new_outcome").flatMap(BillingOutcome.init(rawValue:))
            else { unknown.append(id); continue }
            settles[client, default: []].append(Settle(
                event: event, outcome: outcome, seq: r.int64("seq") ?? 0, txid: r.int64("txid") ?? 0,
                created: r.int64("created") ?? 0, rowId: r.int64("row_id") ?? 0))
        }
        var failures = unknown.map { "settled event \($0) is not in the story or has no outcome" }
        for story in stories {
            // Ignored events are settled without the client's lock, so they say nothing of the order.
            let entries = settles[story.clientId, default: []].filter { $0.outcome != .ignored }
            var firstSeq: [Int64: Int64] = [:]
            for entry in entries { firstSeq[entry.txid] = min(firstSeq[entry.txid] ?? .max, entry.seq) }
            let ordered = entries.sorted {
                (firstSeq[$0.txid]!, $0.created, $0.rowId) < (firstSeq[$1.txid]!, $1.created, $1.rowId)
            }
            var invariants = OrderingInvariants(clientId: story.clientId)
            for entry in ordered { invariants.record(entry.event, outcome: entry.outcome) }
            let billing = try row(of: story.clientId, in: s)
            invariants.check(billing, at: step)
            failures += invariants.violations
            if !invariants.violations.isEmpty {
                failures.append("\(story.clientId) processing order as rebuilt: " + ordered.map {
                    "\($0.event.id)=\($0.outcome.rawValue)@tx\($0.txid)/seq\($0.seq)"
                }.joined(separator: ", "))
            }
        }
        return failures
    }

    /// The fields of the client's row the invariants read (a new client's defaults before it has one).
    static func row(of clientId: String, in s: PGSession) throws -> ClientBilling {
        var billing = ClientBilling(clientId: clientId)
        guard let r = try s.query("""
            SELECT stripe_subscription_id, extract(epoch FROM last_event_created_at)::bigint AS mark, last_event_id,
                   payment_source::text AS source
            FROM client_billing WHERE client_id = \(clientId)
            """).first else { return billing }
        billing.stripeSubscriptionId = r.string("stripe_subscription_id")
        billing.lastEventCreatedAt = r.int64("mark")
        billing.lastEventId = r.string("last_event_id")
        billing.paymentSource = r.string("source").flatMap(PaymentSource.init(rawValue:)) ?? .none
        return billing
    }
}
