import BillingCore
import BillingPostgres
import BillingTestSupport

/// The promises of issue 5 checked on what a generated case left in the database.
enum StoryDatabaseChecks {
    /// At a quiescent point: a client whose gate is open has no unacknowledged payment-gate alert, and every
    /// acknowledged one was acknowledged by `system`.
    static func openGates(pool: PGPool) async throws -> [String] {
        try await pool.withConnection { s in
            let open = try s.query("""
                SELECT a.client_id, a.id FROM alert_logs a JOIN client_billing b USING (client_id)
                WHERE a.alert_type = 'PAYMENT_GATE' AND a.acknowledged_at IS NULL AND b.status IN ('TRIALING', 'ACTIVE')
                """).rows.map { "open gate alert \($0.string("id") ?? "?") while \($0.string("client_id") ?? "?") is open" }
            let others = try s.query("""
                SELECT id FROM alert_logs WHERE alert_type = 'PAYMENT_GATE' AND acknowledged_at IS NOT NULL
                  AND (acknowledged_by IS DISTINCT FROM 'system' OR coalesce(resolution, '') = '')
                """).rows.map { "gate alert \($0.string("id") ?? "?") acknowledged by someone other than system" }
            return open + others
        }
    }

    /// After the final drain: every event settled exactly once per (re-)queueing, resolution, episodes, mute,
    /// counters, acknowledgements and the newest-snapshot rule.
    /// `completeHistory`: every status change was written (the one-by-one path), so every entry into a closed
    /// state can be checked for its alert; the batch path writes a client's net change per batch.
    static func final(
        stories: [BillingStoryGenerator.ClientStory], posts: [String: Int], pool: PGPool, completeHistory: Bool
    ) async throws -> [String] {
        var failures = try await openGates(pool: pool)
        failures += try await pool.withConnection { s in
            var failures = try events(stories: stories, posts: posts, in: s)
            for story in stories { failures += try client(story, completeHistory: completeHistory, in: s) }
            let failed = try s.query("SELECT count(*) AS n FROM alert_logs WHERE alert_type = 'EVENT_PROCESSING_FAILED'")
            if failed.first?.int("n") != 0 { failures.append("EVENT_PROCESSING_FAILED alerts were raised") }
            return failures
        }
        return failures
    }

    /// One row per event id, settled `processed`/`ignored`, on the story's client; `attempts` = settles + failed
    /// attempts; every settle but the last was `superseded` or `unmatched` and followed by exactly one re-queue.
    static func events(stories: [BillingStoryGenerator.ClientStory], posts: [String: Int], in s: PGSession) throws -> [String] {
        var failures: [String] = []
        var owner: [String: (client: String, event: BillingEvent)] = [:]
        for story in stories { for event in story.events { owner[event.id] = (story.clientId, event) } }
        let rows = try s.query("SELECT stripe_event_id, status, outcome, attempts, delivery_count, client_id FROM billing_events").rows
        if rows.count != owner.count { failures.append("\(rows.count) stored events for \(owner.count) ids") }
        var log: [String: [PGRow]] = [:]
        for r in try s.query("SELECT * FROM test_event_log ORDER BY seq").rows { log[r.string("stripe_event_id") ?? "", default: []].append(r) }
        for r in rows {
            let id = r.string("stripe_event_id") ?? ""
            guard let (clientId, event) = owner[id] else { failures.append("unexpected event \(id)"); continue }
            let ignored = event.kind == .ignored
            let (status, outcome) = (r.string("status"), r.string("outcome"))
            if status != (ignored ? "ignored" : "processed") || outcome == nil {
                failures.append("\(id) ended \(status ?? "nil")/\(outcome ?? "nil")")
            }
            if r.string("client_id") != (ignored ? nil : clientId) { failures.append("\(id) resolved to \(r.string("client_id") ?? "nil")") }
            if r.int("delivery_count") != posts[id, default: 0] { failures.append("\(id) delivery_count \(r.int("delivery_count") ?? -1)") }
            let entries = log[id, default: []]
            let settles = entries.filter { ["processed", "ignored", "unmatched"].contains($0.string("new_status")) }
            let requeues = entries.filter { $0.string("new_status") == "received" }
            let retries = entries.filter { $0.string("new_status") == "retry" }
            if r.int("attempts") != settles.count + retries.count || settles.count != requeues.count + 1 {
                failures.append("\(id): attempts \(r.int("attempts") ?? -1), \(settles.count) settles, \(requeues.count) re-queues")
            }
            for settle in settles.dropLast() where settle.string("new_status") != "unmatched" && settle.string("new_outcome") != "superseded" {
                failures.append("\(id) was processed again after \(settle.string("new_outcome") ?? "nil")")
            }
            for retry in retries where retry.string("last_error")?.contains("deadlock") != true {
                failures.append("\(id) failed an attempt: \(retry.string("last_error") ?? "nil")")
            }
        }
        return failures
    }

    /// A client's rows: companions exist, episodes walk cleanly, counters match alert rows, newest snapshot wins.
    static func client(_ story: BillingStoryGenerator.ClientStory, completeHistory: Bool, in s: PGSession) throws -> [String] {
        let id = story.clientId
        var failures: [String] = []
        guard let row = try s.query("""
            SELECT b.status::text AS status, b.payment_source::text AS source, c.payment_gate_alert_count, c.payment_gate_alerted_states::text[] AS states,
                   c.payment_gate_alerted_at IS NULL AS not_alerted, (SELECT count(*) FROM onboarding_states o WHERE o.client_id = b.client_id) AS onboarding,
                   (SELECT count(*) FROM alert_logs a WHERE a.client_id = b.client_id AND a.alert_type = 'PAYMENT_GATE') AS alerts
            FROM client_billing b JOIN client_controls c USING (client_id) WHERE b.client_id = \(id)
            """).first, let status = row.string("status").flatMap(BillingStatus.init(rawValue:))
        else { return ["\(id) has no client_billing/client_controls rows"] }
        if row.int("onboarding") != 1 { failures.append("\(id) has no onboarding_states row") }
        if row.int("payment_gate_alert_count") != row.int("alerts") {
            failures.append("\(id) payment_gate_alert_count \(row.int("payment_gate_alert_count") ?? -1) for \(row.int("alerts") ?? -1) alerts")
        }
        let log = try StoryDatabaseProbes.history(of: id, in: s)
        let walk = StoryDatabaseProbes.walk(log, completeHistory: completeHistory)
        let before = failures.count
        failures += walk.violations.map { "\(id): \($0)" }
        if Set(row.array("states") ?? []) != Set(walk.alertedInEpisode.map(\.rawValue)) {
            failures.append("\(id) alerted states \(row.array("states") ?? []) but the episode alerted \(walk.alertedInEpisode)")
        }
        if failures.count > before {
            failures.append("\(id) log: " + log.map { "\($0.isReopen ? "reopen" : $0.isAlert ? "alert" : "update") \($0.from?.rawValue ?? "-")→\($0.to.rawValue) tx \($0.txid ?? 0)" }.joined(separator: ", "))
        }
        if status.paymentGate == .open, row.bool("not_alerted") != true || !(row.array("states") ?? []).isEmpty {
            failures.append("\(id) is \(status) but its episode was not cleared")
        }
        failures += try historyFold(of: id, endsIn: status, source: row.string("source"), in: s)
        let sorted = story.events.sorted { $0.created < $1.created }
        if let newest = sorted.last, case .subscription(let snapshot) = newest.kind,
           sorted.dropLast().allSatisfy({ $0.created < newest.created }), status != snapshot.status.billingStatus {
            failures.append("\(id) ended \(status), but its newest event \(newest.id) says \(snapshot.status.billingStatus)")
        }
        return failures
    }
}

extension StoryDatabaseChecks {
    /// Issue 18: folding the client's `billing_status_history` rows in order, from a new client's PENDING/NONE,
    /// walks without a gap (each row starts where the previous ended) and ends in its current status and source.
    static func historyFold(of id: String, endsIn status: BillingStatus, source: String?, in s: PGSession) throws -> [String] {
        var (atStatus, atSource) = ("PENDING", "NONE")
        var failures: [String] = []
        for r in try s.query("""
            SELECT id, from_status::text AS fs, to_status::text AS ts, from_source::text AS fp, to_source::text AS tp
            FROM billing_status_history WHERE client_id = \(id) ORDER BY id
            """).rows {
            if r.string("fs") != atStatus || r.string("fp") != atSource {
                failures.append("\(id) history row \(r.string("id") ?? "?") starts at \(r.string("fs") ?? "?")/\(r.string("fp") ?? "?"), "
                    + "the previous ended at \(atStatus)/\(atSource)")
            }
            (atStatus, atSource) = (r.string("ts") ?? "", r.string("tp") ?? "")
        }
        if atStatus != status.rawValue || atSource != source {
            failures.append("\(id) history folds to \(atStatus)/\(atSource), the client is \(status.rawValue)/\(source ?? "nil")")
        }
        return failures
    }

    /// What processing left (`ProcessingSnapshot.lines`).
    static func snapshot(pool: PGPool) async throws -> [String] {
        try await ProcessingSnapshot.lines(pool: pool)
    }
}
