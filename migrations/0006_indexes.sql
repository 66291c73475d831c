-- migrate:no-transaction
-- Indexes for the processor's claim query and the admin lists. Built CONCURRENTLY so that
-- adding one to a live database does not block writes; such statements cannot run inside a
-- transaction, hence the marker on the first line. Each statement runs on its own and uses
-- IF NOT EXISTS, so a deploy interrupted half-way can simply be run again.

-- Processor claim: WHERE status IN ('received','retry') AND next_attempt_at <= now()
--                  ORDER BY stripe_created_at, id FOR UPDATE SKIP LOCKED
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_claim_idx
    ON billing_events (stripe_created_at, id)
    WHERE status IN ('received', 'retry');

-- Re-queue of unmatched events once their customer is linked, oldest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_unmatched_customer_idx
    ON billing_events (stripe_customer_id, stripe_created_at, id)
    WHERE status = 'unmatched';

-- Re-processing of superseded events once their subscription becomes current.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_superseded_subscription_idx
    ON billing_events (stripe_subscription_id, stripe_created_at, id)
    WHERE outcome = 'superseded';

-- Admin event lists (filters status, type, client_id; newest first by id).
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_status_idx ON billing_events (status, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_type_idx ON billing_events (type, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_client_idx ON billing_events (client_id, id);

-- Alerts: the default list (unacknowledged, by creation), per client, per type/key.
CREATE INDEX CONCURRENTLY IF NOT EXISTS alert_logs_unacknowledged_idx
    ON alert_logs (created_at, id)
    WHERE acknowledged_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS alert_logs_client_idx ON alert_logs (client_id, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS alert_logs_type_key_idx ON alert_logs (alert_type, alert_key);

-- Audit trail lists.
CREATE INDEX CONCURRENTLY IF NOT EXISTS admin_actions_client_idx ON admin_actions (client_id, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS admin_actions_admin_idx ON admin_actions (admin_id, id);

-- Client lists filtered by status.
CREATE INDEX CONCURRENTLY IF NOT EXISTS client_billing_status_idx ON client_billing (status);
