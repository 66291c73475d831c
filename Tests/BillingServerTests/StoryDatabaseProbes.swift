import BillingCore
import BillingPostgres

/// Test-only triggers that record, in the test's own database, what the worker did and in which order:
/// every update of `client_billing` (old and new status), every `PAYMENT_GATE` alert (its transition, with the
/// client's mute flag as the deciding transaction saw it) and every status/attempts change of `billing_events`.
///
/// The processor's batch path writes a batch's alerts first and each client's final row once, so inside one
/// transaction the log holds the alerts' transitions and the system acknowledgements (a reopened gate) in event
/// order, then the net change; `walk` rebuilds the client's path from them.
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
          seq bigserial PRIMARY KEY, client_id text, kind text, from_status text, to_status text, muted bool,
          txid bigint DEFAULT txid_current());
        CREATE FUNCTION test_log_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          INSERT INTO test_story_log (client_id, kind, from_status, to_status, muted)
          VALUES (NEW.client_id, 'status', OLD.status::text, NEW.status::text,
                  (SELECT ops_alerts_muted FROM client_controls WHERE client_id = NEW.client_id));
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_status AFTER UPDATE ON client_billing FOR EACH ROW EXECUTE FUNCTION test_log_status();
        CREATE FUNCTION test_log_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.alert_type = 'PAYMENT_GATE' THEN
            INSERT INTO test_story_log (client_id, kind, from_status, to_status, muted)
            VALUES (NEW.client_id, 'alert', NEW.metadata->>'from', NEW.metadata->>'to',
                    (SELECT ops_alerts_muted FROM client_controls WHERE client_id = NEW.client_id));
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_alert AFTER INSERT ON alert_logs FOR EACH ROW EXECUTE FUNCTION test_log_alert();
        CREATE FUNCTION test_log_reopen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.alert_type = 'PAYMENT_GATE' AND OLD.acknowledged_at IS NULL AND NEW.acknowledged_by = 'system' THEN
            INSERT INTO test_story_log (client_id, kind) VALUES (NEW.client_id, 'reopen');
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_reopen AFTER UPDATE ON alert_logs FOR EACH ROW EXECUTE FUNCTION test_log_reopen();
        CREATE TABLE test_event_log (
          seq bigserial PRIMARY KEY, stripe_event_id text, old_status text, old_outcome text, new_status text,
          new_outcome text, attempts int, last_error text, row_id bigint, txid bigint DEFAULT txid_current());
        CREATE FUNCTION test_log_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.status IS DISTINCT FROM OLD.status OR NEW.attempts IS DISTINCT FROM OLD.attempts THEN
            INSERT INTO test_event_log (stripe_event_id, old_status, old_outcome, new_status, new_outcome, attempts, last_error, row_id)
            VALUES (NEW.stripe_event_id, OLD.status, OLD.outcome, NEW.status, NEW.outcome, NEW.attempts, NEW.last_error, NEW.id);
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_log_event AFTER UPDATE ON billing_events FOR EACH ROW EXECUTE FUNCTION test_log_event();
        """

    /// One entry of a client's ordered history: a status change or a payment-gate alert.
    struct HistoryEntry {
        var isAlert: Bool
        /// The system acknowledged the client's open gate alerts: the gate opened here.
        var isReopen = false
        var from: BillingStatus?
        var to: BillingStatus
        var muted: Bool
        /// The transaction that logged it.
        var txid: Int64? = nil
        /// A change rebuilt from the alert that follows it.
        var announcesAlert = false
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
    ///
    /// The path is rebuilt from the log: an update's new status is a change when it differs from where the walk
    /// stands; an alert whose state the walk has not reached stands for the changes its transition names (into
    /// its `from` state, then into its state), as the batch path logs alerts before the net change.
    ///
    /// Without `completeHistory` (the batch path) a change may hide a path the log does not show (through PENDING,
    /// say), so changes are not required to raise an alert; alerts are still checked.
    static func walk(_ log: [HistoryEntry], completeHistory: Bool = true) -> EpisodeWalk {
        var path: [HistoryEntry] = []
        var current: BillingStatus? = .pending  // every client starts PENDING
        var previous: HistoryEntry?
        for entry in log {
            defer { previous = entry }
            if entry.isReopen {
                // The batch path logs no row for a state it passed through; an open one shows as this acknowledgement.
                if current?.paymentGate != .open {
                    path.append(HistoryEntry(isAlert: false, from: current, to: .active, muted: entry.muted))
                    current = .active
                }
            } else if entry.isAlert {
                // One by one, an alert directly follows its own change, in the same transaction.
                let followsItsChange = previous.map {
                    !$0.isAlert && $0.txid == entry.txid && $0.from == entry.from && $0.to == entry.to
                } ?? false
                if followsItsChange, let last = path.indices.last, !path[last].isAlert, path[last].to == entry.to {
                    path[last].announcesAlert = true
                } else if !followsItsChange {
                    if let from = entry.from, from != current {
                        path.append(HistoryEntry(isAlert: false, from: current, to: from, muted: entry.muted))
                        current = from
                    }
                    path.append(HistoryEntry(isAlert: false, from: current, to: entry.to, muted: entry.muted, announcesAlert: true))
                    current = entry.to
                }
                path.append(entry)
            } else {
                if (current ?? entry.from) != entry.to {
                    path.append(HistoryEntry(isAlert: false, from: current ?? entry.from, to: entry.to, muted: entry.muted))
                }
                current = entry.to
            }
        }
        return walkPath(path, changesExpectAlerts: completeHistory)
    }

    /// The SPEC §6 checks on a path of changes and alerts.
    static func walkPath(_ history: [HistoryEntry], changesExpectAlerts: Bool) -> EpisodeWalk {
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
            if changesExpectAlerts || entry.announcesAlert, entry.to.paymentGate == .closed, !entry.muted, !walk.alertedInEpisode.contains(entry.to),
               !(entry.from == .pending && entry.to == .canceled) {
                expectingAlert = entry.to
            }
        }
        if let missed = expectingAlert { walk.violations.append("entering \(missed) raised no alert") }
        return walk
    }

    static func history(of clientId: String, in session: PGSession) throws -> [HistoryEntry] {
        try session.query("""
            SELECT kind, from_status, to_status, muted, txid FROM test_story_log WHERE client_id = \(clientId) ORDER BY seq
            """).rows.map { r in
            HistoryEntry(
                isAlert: r.string("kind") == "alert", isReopen: r.string("kind") == "reopen", from: r.string("from_status").flatMap(BillingStatus.init(rawValue:)),
                to: r.string("to_status").flatMap(BillingStatus.init(rawValue:)) ?? .pending, muted: r.bool("muted") ?? false,
                txid: r.int64("txid"))
        }
    }
}
