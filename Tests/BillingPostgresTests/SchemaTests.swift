import BillingPostgres
import BillingTestSupport
import Testing

@Suite struct SchemaTests {
    /// The two enum types carry SPEC §3's values in SPEC order, under their exact quoted names.
    @Test func enumValuesInSpecOrder() async throws {
        try await TestDatabase.withFresh { url in
            let billing = try await MigrationTestDB.query(url, #"SELECT enum_range(NULL::"BillingStatus")::text[] AS v"#)
            #expect(billing.first?.array("v") == ["PENDING", "TRIALING", "ACTIVE", "PAST_DUE", "UNPAID", "PAUSED", "CANCELED"])
            let source = try await MigrationTestDB.query(url, #"SELECT enum_range(NULL::"PaymentSource")::text[] AS v"#)
            #expect(source.first?.array("v") == ["NONE", "STRIPE", "MANUAL", "WAIVED"])
        }
    }

    /// A new client's companion rows get SPEC §3's defaults.
    @Test func clientCompanionRowsHaveDefaults() async throws {
        try await TestDatabase.withFresh { url in
            try await MigrationTestDB.query(url, "INSERT INTO clients (id, business_name) VALUES ('c1', 'Acme')")
            try await MigrationTestDB.query(url, "INSERT INTO client_billing (client_id) VALUES ('c1')")
            try await MigrationTestDB.query(url, "INSERT INTO client_controls (client_id) VALUES ('c1')")
            try await MigrationTestDB.query(url, "INSERT INTO onboarding_states (client_id) VALUES ('c1')")
            let b = try await MigrationTestDB.query(url, "SELECT * FROM client_billing").first
            #expect(b?.string("status") == "PENDING" && b?.string("payment_source") == "NONE")
            #expect(b?.bool("cancel_at_period_end") == false && b?.array("canceled_subscription_ids") == [])
            let c = try await MigrationTestDB.query(url, "SELECT * FROM client_controls").first
            #expect(c?.array("payment_gate_alerted_states") == [] && c?.int("payment_gate_alert_count") == 0)
            #expect(c?.bool("ops_alerts_muted") == false && c?.string("payment_gate_alerted_at") == nil)
            #expect(try await MigrationTestDB.refusal(url, "INSERT INTO client_billing (client_id) VALUES ('nope')")?.isForeignKeyViolation == true)
            #expect(try await MigrationTestDB.refusal(url, "INSERT INTO onboarding_states (client_id) VALUES ('c1')")?.isUniqueViolation == true)
        }
    }

    /// billing_events: defaults for a first webhook delivery, one row per Stripe event id, checked values.
    @Test func billingEventsDefaultsAndConstraints() async throws {
        try await TestDatabase.withFresh { url in
            let insert = "INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload) VALUES ('evt_1', 'invoice.paid', now(), '{}')"
            try await MigrationTestDB.query(url, PGQuery(unsafeSQL: insert))
            let e = try await MigrationTestDB.query(url, "SELECT *, next_attempt_at <= now() AS due FROM billing_events").first
            #expect(e?.string("status") == "received" && e?.int("attempts") == 0 && e?.int("delivery_count") == 1)
            #expect(e?.string("source") == "webhook" && e?.string("outcome") == nil && e?.bool("due") == true)
            #expect(try await MigrationTestDB.refusal(url, insert)?.isUniqueViolation == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE billing_events SET status = 'done'")?.isCheckViolation == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE billing_events SET outcome = 'maybe'")?.isCheckViolation == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE billing_events SET source = 'email'")?.isCheckViolation == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE billing_events SET status = 'processed', outcome = 'applied'") == nil)
        }
    }

    /// The processor's claim query is served by the partial claim index.
    @Test func claimQueryUsesPartialIndex() async throws {
        try await TestDatabase.withFresh { url in
            let conn = try await PGConnection.connect(url)
            let plan = try await conn.withSession { s in
                try s.execute(script: "SET enable_seqscan = off")
                return try s.query("""
                    EXPLAIN SELECT id FROM billing_events
                    WHERE status IN ('received','retry') AND next_attempt_at <= now()
                    ORDER BY stripe_created_at, id LIMIT 10 FOR UPDATE SKIP LOCKED
                    """).values.compactMap { $0[0] }.joined(separator: "\n")
            }
            await conn.close()
            #expect(plan.contains("billing_events_claim_idx"), "\(plan)")
        }
    }
}
