import BillingCore
import BillingPostgres

/// Test-only triggers that record, in the test's own database, what the worker did and in which order:
/// every status change of `client_billing`, every `PAYMENT_GATE` alert (with the client's mute flag as the
/// deciding transaction saw it) and every status/attempts change of `billing_events`.
///
/// Two workers whose batches lock the same clients in opposite orders deadlock; PostgreSQL aborts one event
/// (it is retried). The test database detects that after 50 ms instead of 1 s, to keep the test fast.
enum StoryDatabaseProbes {
    static let install = """
        DO $$ BEGIN
          EXECUTE format('ALTER DATABASE %I SET deadlock_timeout = %L', current_database(), '50ms');
        END $$;
        SET deadlock_timeout = '50ms';
        CREATE TABLE test_story_log (
          seq bigserial PRIMARY KEY, client_id text, kind text, from_status text, to_status text, muted bool);
        CREATE FUNCTION test_log_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO test_story_log (client_id, kind, from_status, to_status, muted)
            VALUES (NEW.client_id, 'status', OLD.status::text, NEW.status::text,
                    (SELECT ops_alerts_muted FROM client_controls WHERE client_id = NEW.client_id));
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_status AFTER UPDATE ON client_billing FOR EACH ROW EXECUTE FUNCTION test_log_status();
        CREATE FUNCTION test_log_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.alert_type = 'PAYMENT_GATE' THEN
            INSERT INTO test_story_log (client_id, kind, to_status, muted)
            VALUES (NEW.client_id, 'alert', NEW.metadata->>'to',
                    (SELECT ops_alerts_muted FROM client_controls WHERE client_id = NEW.client_id));
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_alert AFTER INSERT ON alert_logs FOR EACH ROW EXECUTE FUNCTION test_log_alert();
        CREATE TABLE test_event_log (
          seq bigserial PRIMARY KEY, stripe_event_id text, old_status text, old_outcome text, new_status text,
          new_outcome text, attempts int, last_error text);
        CREATE FUNCTION test_log_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.status IS DISTINCT FROM OLD.status OR NEW.attempts IS DISTINCT FROM OLD.attempts THEN
            INSERT INTO test_event_log (stripe_event_id, old_status, old_outcome, new_status, new_outcome, attempts, last_error)
            VALUES (NEW.stripe_event_id, OLD.status, OLD.outcome, NEW.status, NEW.outcome, NEW.attempts, NEW.last_error);
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_event AFTER UPDATE ON billing_events FOR EACH ROW EXECUTE FUNCTION test_log_event();
        """

    /// One entry of a client's ordered history: a status change or a payment-gate alert.
    struct HistoryEntry {
        var isAlert: Bool
        var from: BillingStatus?
        var to: BillingStatus
        var muted: Bool
    }

    /// What the walk of one client's history concluded.
    struct EpisodeWalk {
        var violations: [String] = []
        /// Closed states alerted in the episode still open at the end.
        var alertedInEpisode: [BillingStatus] = []
    }

    /// Walks a client's status changes and alerts in commit order (SPEC §6): each alert follows a change into
    /// its state, is raised while unmuted, names a state not yet alerted in the episode; and every unmuted entry
    /// into a closed state not yet alerted (except PENDING → CANCELED) is alerted.
    static func walk(_ history: [HistoryEntry]) -> EpisodeWalk {
        var walk = EpisodeWalk()
        var expectingAlert: BillingStatus?
        for entry in history {
            if entry.isAlert {
                if entry.muted { walk.violations.append("\(entry.to) alerted while muted") }
                if walk.alertedInEpisode.contains(entry.to) { walk.violations.append("\(entry.to) alerted twice in one episode") }
                if expectingAlert != entry.to { walk.violations.append("alert \(entry.to) without a change into it") }
                walk.alertedInEpisode.append(entry.to)
                expectingAlert = nil
                continue
            }
            if let missed = expectingAlert { walk.violations.append("entering \(missed) raised no alert") }
            expectingAlert = nil
            if entry.to.paymentGate == .open { walk.alertedInEpisode = [] }
            if entry.to.paymentGate == .closed, !entry.muted, !walk.alertedInEpisode.contains(entry.to),
               !(entry.from == .pending && entry.to == .canceled) {
                expectingAlert = entry.to
            }
        }
        if let missed = expectingAlert { walk.violations.append("entering \(missed) raised no alert") }
        return walk
    }

    static func history(of clientId: String, in session: PGSession) throws -> [HistoryEntry] {
        try session.query("""
            SELECT kind, from_status, to_status, muted FROM test_story_log WHERE client_id = \(clientId) ORDER BY seq
            """).rows.map { r in
            HistoryEntry(
                isAlert: r.string("kind") == "alert", from: r.string("from_status").flatMap(BillingStatus.init(rawValue:)),
                to: r.string("to_status").flatMap(BillingStatus.init(rawValue:)) ?? .pending, muted: r.bool("muted") ?? false)
        }
    }
}
