-- Each client's billing history (issue 18): one row per change of its status or payment source,
-- with what caused it, written in the same transaction as the change on every path (event
-- processing, admin actions, reconcile --apply, replay). Folding a client's rows in id order gives
-- its current status and payment source. Append-only like alert_logs: the database refuses
-- UPDATE, DELETE and TRUNCATE. Starts empty: clients that existed before have no rows until
-- their next change.

CREATE TABLE billing_status_history (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id              text NOT NULL REFERENCES clients (id),
    from_status            "BillingStatus" NOT NULL,
    to_status              "BillingStatus" NOT NULL,
    from_source            "PaymentSource" NOT NULL,
    to_source              "PaymentSource" NOT NULL,
    cause                  text NOT NULL
        CONSTRAINT billing_status_history_cause_check CHECK (cause IN ('event', 'admin', 'reconcile')),
    -- cause = 'event': the Stripe event.
    stripe_event_id        text,
    stripe_event_type      text,
    -- cause = 'admin': who and which action.
    admin_id               text,
    admin_action           text,
    -- cause = 'reconcile': the subscription fetched from Stripe's API.
    stripe_subscription_id text,
    changed_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT billing_status_history_changes CHECK (from_status <> to_status OR from_source <> to_source),
    CONSTRAINT billing_status_history_event_cause CHECK (cause <> 'event' OR stripe_event_id IS NOT NULL),
    CONSTRAINT billing_status_history_admin_cause CHECK (cause <> 'admin' OR (admin_id IS NOT NULL AND admin_action IS NOT NULL))
);

-- A client's history (admin API, console timeline), and the per-day gate chart of the overview.
-- Rows are written only when a status or source changes, never by ingest.
CREATE INDEX billing_status_history_client_idx ON billing_status_history (client_id, id);
CREATE INDEX billing_status_history_changed_idx ON billing_status_history (changed_at);

CREATE TRIGGER billing_status_history_refuse_update
    BEFORE UPDATE ON billing_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER billing_status_history_refuse_delete
    BEFORE DELETE ON billing_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER billing_status_history_refuse_truncate
    BEFORE TRUNCATE ON billing_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

-- Events per hour for the console's overview chart: small counters that each `serve` replica adds
-- its in-memory counts to every few seconds (one upsert per hour bucket), so neither ingest nor
-- the processor touches them per event and the chart never scans billing_events.
CREATE TABLE billing_event_hourly (
    hour      timestamptz PRIMARY KEY,
    received  bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
    processed bigint NOT NULL DEFAULT 0 CHECK (processed >= 0),
    failed    bigint NOT NULL DEFAULT 0 CHECK (failed >= 0)
);
