import BillingPostgres
import BillingTestSupport
import Testing

/// alert_logs and admin_actions are append-only, enforced by triggers (SPEC §3).
@Suite struct AppendOnlyTests {
    /// DELETE is refused on both tables, even when it matches no row.
    @Test func deleteIsRefused() async throws {
        try await TestDatabase.withFresh { url in
            #expect(try await MigrationTestDB.refusal(url, "DELETE FROM alert_logs")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "DELETE FROM admin_actions")?.isRaisedException == true)
            try await Self.seed(url)
            #expect(try await MigrationTestDB.refusal(url, "DELETE FROM alert_logs WHERE id = 1")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "DELETE FROM admin_actions WHERE id = 1")?.isRaisedException == true)
            #expect(try await MigrationTestDB.query(url, "SELECT id FROM alert_logs").count == 1)
        }
    }

    /// TRUNCATE is refused on both tables.
    @Test func truncateIsRefused() async throws {
        try await TestDatabase.withFresh { url in
            try await Self.seed(url)
            #expect(try await MigrationTestDB.refusal(url, "TRUNCATE alert_logs")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "TRUNCATE admin_actions")?.isRaisedException == true)
            #expect(try await MigrationTestDB.query(url, "SELECT id FROM admin_actions").count == 1)
        }
    }

    /// Any UPDATE of admin_actions is refused.
    @Test func adminActionsUpdateIsRefused() async throws {
        try await TestDatabase.withFresh { url in
            try await Self.seed(url)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE admin_actions SET reason = 'rewritten'")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE admin_actions SET metadata = '{}' WHERE false")?.isRaisedException == true)
        }
    }

    /// An alert may be acknowledged once; changing anything else, or acknowledging again, is refused.
    @Test func alertAllowsOneAcknowledgementOnly() async throws {
        try await TestDatabase.withFresh { url in
            try await Self.seed(url)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE alert_logs SET message = 'edited'")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE alert_logs SET resolution = 'fixed'")?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, """
                UPDATE alert_logs SET acknowledged_at = now(), acknowledged_by = 'ops', severity = 'INFO'
                """)?.isRaisedException == true)
            let ack = "UPDATE alert_logs SET acknowledged_at = now(), acknowledged_by = 'ops', resolution = 'paid'"
            #expect(try await MigrationTestDB.refusal(url, ack) == nil)
            #expect(try await MigrationTestDB.refusal(url, ack)?.isRaisedException == true)
            #expect(try await MigrationTestDB.refusal(url, "UPDATE alert_logs SET resolution = 'other'")?.isRaisedException == true)
            let row = try await MigrationTestDB.query(url, "SELECT acknowledged_by, resolution, message FROM alert_logs").first
            #expect(row?.string("acknowledged_by") == "ops" && row?.string("resolution") == "paid")
            #expect(row?.string("message") == "client c1 is past due")
        }
    }

    /// An acknowledgement that also changes any other column is refused, whatever the column, and
    /// leaves the alert as it was.
    @Test(arguments: [
        "id = DEFAULT", "alert_type = 'DIGEST'", "alert_key = 'other'", "severity = 'INFO'", "client_id = 'c2'",
        "client_id = NULL", "message = 'edited'", "metadata = '{\"a\": 1}'", "created_at = created_at - interval '1 second'",
    ])
    func anAcknowledgementChangingAnotherColumnIsRefused(change: String) async throws {
        try await TestDatabase.withFresh { url in
            try await Self.seed(url)
            let ack = "UPDATE alert_logs SET acknowledged_at = now(), acknowledged_by = 'ops', resolution = 'paid', \(change)"
            #expect(try await MigrationTestDB.refusal(url, ack)?.isRaisedException == true)
            let open = try await MigrationTestDB.query(url, "SELECT id FROM alert_logs WHERE acknowledged_at IS NULL AND message = 'client c1 is past due'")
            #expect(open.count == 1)
        }
    }

    /// Inserting stays allowed, and alerts have no unique key on (alert_type, alert_key).
    @Test func insertsAreAllowed() async throws {
        try await TestDatabase.withFresh { url in
            try await Self.seed(url)
            try await Self.seed(url)
            #expect(try await MigrationTestDB.query(url, "SELECT id FROM alert_logs").count == 2)
            #expect(try await MigrationTestDB.refusal(url, "INSERT INTO admin_actions (admin_id, action, reason) VALUES ('a', 'x', '  ')")?.isCheckViolation == true)
        }
    }

    static func seed(_ url: String) async throws {
        try await MigrationTestDB.query(url, """
            INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message)
            VALUES ('PAYMENT_GATE', 'payment_gate:c1', 'WARNING', 'c1', 'client c1 is past due')
            """)
        try await MigrationTestDB.query(url, """
            INSERT INTO admin_actions (admin_id, client_id, action, reason) VALUES ('ops', 'c1', 'mute-alerts', 'noisy')
            """)
    }
}
