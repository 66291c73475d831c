import BillingCore
import BillingJobs
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StripeAPI
import Testing

/// The application role (issue 15): what `migrate deploy` grants it, what it cannot do to the
/// append-only tables, and that every normal operation works with only its privileges.
@Suite struct LeastPrivilegeTests {
    /// As the application role, every way around the append-only triggers is refused for lack of
    /// privilege (SQLSTATE 42501), while acknowledging an alert still works.
    @Test func appRoleCannotBypassAppendOnly() async throws {
        try await TestDatabase.withFreshAndAppRole { _, appURL, _ in
            let app = PGPool(url: appURL, size: 1)
            let alertId = try await AdminTest.insertAlert(app, clientId: nil)
            _ = try await app.withConnection { s in
                try s.query("INSERT INTO admin_actions (admin_id, action, reason) VALUES ('alice', 'test', 'seed')")
            }
            let refused = [
                "ALTER TABLE alert_logs DISABLE TRIGGER alert_logs_refuse_delete",
                "ALTER TABLE alert_logs DISABLE TRIGGER ALL",
                "ALTER TABLE admin_actions DISABLE TRIGGER admin_actions_refuse_update",
                "DROP TRIGGER alert_logs_acknowledge_only ON alert_logs",
                "DROP TRIGGER admin_actions_refuse_truncate ON admin_actions",
                "DROP FUNCTION refuse_append_only_change() CASCADE",
                "TRUNCATE alert_logs",
                "TRUNCATE admin_actions",
                "TRUNCATE billing_events",
                "DELETE FROM alert_logs",
                "DELETE FROM admin_actions",
                "UPDATE alert_logs SET message = 'rewritten' WHERE id = \(alertId)",
                "UPDATE alert_logs SET severity = 'INFO'",
                "UPDATE admin_actions SET reason = 'rewritten'",
                "DROP TABLE alert_logs",
                "CREATE TABLE public.shadow_alert_logs (id int)",  // PostgreSQL 15+: no CREATE on public for PUBLIC
                "INSERT INTO schema_migrations (version, checksum, file_name) VALUES ('9999', 'x', 'x.sql')",
            ]
            for sql in refused {
                let error = await #expect(throws: PostgresError.self, "\(sql)") {
                    _ = try await app.withConnection { try $0.query(PGQuery(unsafeSQL: sql)) }
                }
                #expect(error?.isInsufficientPrivilege == true, "\(sql): \(error?.description ?? "no error")")
            }
            let role = try #require(try await TestApp.rows(app, """
                SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
                       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owned,
                       has_table_privilege('alert_logs', 'TRUNCATE') OR has_table_privilege('admin_actions', 'TRUNCATE') AS truncate,
                       has_table_privilege('alert_logs', 'SELECT') AND has_table_privilege('alert_logs', 'INSERT')
                         AND has_table_privilege('admin_actions', 'SELECT') AND has_table_privilege('admin_actions', 'INSERT') AS append,
                       has_column_privilege('alert_logs', 'acknowledged_at', 'UPDATE') AS ack,
                       has_column_privilege('alert_logs', 'message', 'UPDATE') AS message
                FROM pg_roles r WHERE r.rolname = current_user
                """).first)
            #expect(role.bool("rolsuper") == false && role.bool("rolcreaterole") == false && role.bool("rolcreatedb") == false)
            #expect(role.bool("rolbypassrls") == false)
            #expect(role.int("owned") == 0)
            #expect(role.bool("truncate") == false)
            #expect(role.bool("append") == true)
            #expect(role.bool("ack") == true && role.bool("message") == false)
            // The acknowledgement, the one change the table allows.
            let acknowledged = try await app.withConnection { s in
                try s.query("""
                    UPDATE alert_logs SET acknowledged_at = now(), acknowledged_by = 'alice', resolution = 'done'
                    WHERE id = \(alertId)
                    """).affectedRows
            }
            #expect(acknowledged == 1)
            await app.shutdown()
        }
    }

    /// Ingest (webhook and `ingest` command), processing, admin actions, an alert acknowledgement,
    /// replay, reconcile and prune, all through a pool connected as the application role.
    @Test func everyOperationWorksAsAppRole() async throws {
        try await TestDatabase.withFreshAndAppRole { ownerURL, appURL, _ in
            let pool = PGPool(url: appURL, size: 4)
            let owner = PGPool(url: ownerURL, size: 1)
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let app = buildApplication(BillingApplicationParts(
                settings: TestApp.settings(url: appURL), pool: pool, handler: BillingEventHandler(livemode: nil), logger: logger),
                runProcessor: false)
            try await app.test(.router) { client in
                // Admin: create a client, flip a control; ingest a webhook event for it and process it.
                #expect(try await AdminTest.createClient(client, "clt_app").status == 201)
                #expect(try await AdminTest.post(client, "/api/admin/clients/clt_app/pause-outbound", ["reason": "least privilege"]).status == 200)
                let checkout = JobTest.checkout(id: "evt_app_co", created: JobTest.t0, client: "clt_app", customer: "cus_9", subscription: "sub_9")
                #expect(try await TestApp.deliver(client, Array(checkout.utf8)).0 == 200)
                let snapshot = JobTest.subscriptionEvent(id: "evt_app_su", created: JobTest.t0 + 1, subscription: "sub_9",
                                                         customer: "cus_9", status: "past_due", periodEnd: JobTest.t0 + 86_400)
                #expect(try await TestApp.deliver(client, Array(snapshot.utf8)).0 == 200)
                try await JobTest.processAll(pool)
                let billing = try await TestApp.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_app'")
                #expect(billing.first?.string("s") == "PAST_DUE")
                // The PAYMENT_GATE alert that raised, acknowledged through the API.
                let alert = try #require(try await TestApp.rows(pool, "SELECT id FROM alert_logs WHERE client_id = 'clt_app'").first?.int64("id"))
                #expect(try await AdminTest.post(client, "/api/admin/alerts/\(alert)/acknowledge", ["reason": "called them"]).status == 200)
                #expect(try await AdminTest.post(client, "/api/admin/clients/clt_app/mute-alerts", ["reason": "quiet"]).status == 200)
                #expect(try await AdminTest.post(client, "/api/admin/events/evt_app_su/replay", ["reason": "check"]).status == 200)
            }
            // `billing-worker ingest` of an exported event (source `import`, one `importer` audit row).
            let imported = try await EventImporter(pool: pool).ingest(Array(#"{"id":"evt_app_import","object":"event","api_version":"2025-03-31.basil","created":1750000000,"livemode":false,"type":"invoice.created","data":{"object":{"id":"in_evt_app_import","object":"invoice","customer":"cus_9","amount_paid":1.5e1}}}"#.utf8), name: "export.json")
            #expect(imported.new == 1 && imported.invalid.isEmpty)
            try await JobTest.processAll(pool)
            // Replay job.
            let replay = try await ReplayJob(pool: pool, handler: BillingEventHandler(livemode: nil), now: { JobTest.t0 + 2_000 }).run(ReplaySelection(), dryRun: false)
            #expect(replay.exitCode == 0)
            // Reconcile with repair (writes client_billing, alert_logs, admin_actions).
            let fake = FakeStripe()
            fake.addSubscription(id: "sub_9", json: FakeStripe.subscription(id: "sub_9", customer: "cus_9", status: "active", periodEnd: JobTest.t0 + 90_000))
            let report = try await fake.serve { base in
                try await StripeClient.withCurlClient(
                    configuration: StripeConfiguration(apiKey: FakeStripe.key, apiBase: base), sleep: { _ in }) { client in
                    try await Reconciler(pool: pool, stripe: client, handler: BillingEventHandler(livemode: nil),
                                         now: { Int64(Date().timeIntervalSince1970) }).run(.init(apply: true))
                }
            }
            #expect(report.drift.allSatisfy(\.repaired) && !report.drift.isEmpty)
            // Prune.
            _ = try await TestApp.rows(owner, "UPDATE billing_events SET processed_at = now() - interval '40 days' RETURNING id")
            let pruned = try await PruneJob.run(processedBefore: Int64(Date().timeIntervalSince1970) - 86_400, pool: pool)
            #expect(pruned >= 3)
            #expect(try await AdminTest.auditCount(owner) >= 4)
            await pool.shutdown()
            await owner.shutdown()
        }
    }

    /// The grants step runs on every deploy (idempotent), and covers tables created after it: an
    /// ordinary one through the default privileges, an append-only one (refused DELETE) once the
    /// next deploy has run.
    @Test func grantsRunEveryDeployAndCoverLaterTables() async throws {
        try await TestDatabase.withFreshAndAppRole { ownerURL, appURL, role in
            let owner = PGPool(url: ownerURL, size: 1)
            let app = PGPool(url: appURL, size: 1)
            _ = try await owner.withConnection { s in
                try s.execute(script: """
                    CREATE TABLE later_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
                    CREATE TABLE later_history (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
                    CREATE TRIGGER later_history_refuse_delete BEFORE DELETE ON later_history
                        FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
                    CREATE TRIGGER later_history_refuse_truncate BEFORE TRUNCATE ON later_history
                        FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
                    """)
            }
            let inserted = try await app.withConnection { s in
                try s.query("INSERT INTO later_notes (note) VALUES ('x') RETURNING id").count
            }
            #expect(inserted == 1)
            let runner = MigrationRunner(directory: TestDatabase.migrationsDirectory)
            for _ in 0..<2 {
                let report = try await runner.deploy(databaseURL: ownerURL, appRole: role)
                #expect(report.applied.isEmpty)
                let p = try #require(try await TestApp.rows(app, """
                    SELECT has_table_privilege('later_notes', 'DELETE') AS notes_delete,
                           has_table_privilege('later_history', 'INSERT') AS history_insert,
                           has_table_privilege('later_history', 'UPDATE') AS history_update,
                           has_table_privilege('later_history', 'DELETE') AS history_delete,
                           has_column_privilege('alert_logs', 'acknowledged_by', 'UPDATE') AS ack
                    """).first)
                #expect(p.bool("notes_delete") == true)
                #expect(p.bool("history_insert") == true)
                #expect(p.bool("history_update") == false && p.bool("history_delete") == false)
                #expect(p.bool("ack") == true)
            }
            await owner.shutdown()
            await app.shutdown()
        }
    }

    /// A missing role, a malformed name and the owner itself (a superuser here) are refused with
    /// a clear error; nothing is granted.
    @Test func unsafeOrUnknownAppRolesAreRefused() async throws {
        try await TestDatabase.withFresh { url in
            let owner = try #require(URLComponents(string: url)?.user)
            let runner = MigrationRunner(directory: TestDatabase.migrationsDirectory)
            for role in ["no_such_role_\(UInt32.random(in: 0...UInt32.max))", "Bad-Name; DROP TABLE clients", owner] {
                let error = await #expect(throws: MigrationError.self) {
                    try await runner.deploy(databaseURL: url, appRole: role)
                }
                #expect(error?.code == .appRoleRefused, "\(role)")
            }
        }
    }

    /// The binary: `migrate deploy` reads BILLING_APP_ROLE and grants it (exit 0, one line saying
    /// so); an unknown role exits 1 naming `app_role_refused`; a refused connection prints the URL
    /// redacted and a fixed reason, never the password or libpq's text.
    @Test func migrateDeployCommandLine() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: WorkerBinary.url.path), "build billing-worker first")
        try await TestDatabase.withFreshAndAppRole { ownerURL, _, role in
            let dir = ["BILLING_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path, "DATABASE_URL": ownerURL]
            let granted = try WorkerBinary.run(["migrate", "deploy"], env: dir.merging(["BILLING_APP_ROLE": role]) { $1 })
            #expect(granted.status == 0, "\(granted.err)")
            #expect(granted.out.contains("granted the application role \(role)"))
            let unknown = try WorkerBinary.run(["migrate", "deploy", "--app-role", "no_such_role_here"], env: dir)
            #expect(unknown.status == 1)
            #expect(unknown.err.contains("app_role_refused") && unknown.err.contains("no_such_role_here"))
        }
        let down = try WorkerBinary.run(
            ["migrate", "deploy", "--database-url", "postgresql://billing:p%25ss%40w%3Drd@127.0.0.1:1/billing"],
            env: ["BILLING_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path])
        #expect(down.status == 1)
        #expect(down.err.contains("postgresql://billing:***@127.0.0.1:1/billing"))
        #expect(down.err.contains("cannot connect to PostgreSQL (connection refused)"))
        for fragment in ["p%25ss", "w%3Drd", "Connection refused", "Is the server running"] {
            #expect(!down.err.contains(fragment), "\(down.err)")
        }
    }
}
