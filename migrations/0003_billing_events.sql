-- The idempotency log: one row per Stripe event id, however many times Stripe delivers it.
-- The processor claims rows with FOR UPDATE SKIP LOCKED and holds the row locks inside the
-- transaction that processes them, so no lease columns are needed.

CREATE TABLE billing_events (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_event_id        text NOT NULL UNIQUE,
    type                   text NOT NULL,
    api_version            text,
    livemode               boolean NOT NULL DEFAULT false,
    stripe_created_at      timestamptz NOT NULL,
    received_at            timestamptz NOT NULL DEFAULT now(),
    -- NULL once `prune` has cleared it; the row (and its id) stays.
    payload                jsonb,
    status                 text NOT NULL DEFAULT 'received'
        CONSTRAINT billing_events_status_check CHECK (status IN
            ('received', 'processing', 'processed', 'ignored', 'unmatched', 'retry', 'failed')),
    outcome                text
        CONSTRAINT billing_events_outcome_check CHECK (outcome IN
            ('applied', 'no_change', 'stale', 'pinned', 'superseded', 'ignored')),
    attempts               integer NOT NULL DEFAULT 0
        CONSTRAINT billing_events_attempts_check CHECK (attempts >= 0),
    next_attempt_at        timestamptz NOT NULL DEFAULT now(),
    last_error             text,
    processed_at           timestamptz,
    client_id              text,
    source                 text NOT NULL DEFAULT 'webhook'
        CONSTRAINT billing_events_source_check CHECK (source IN ('webhook', 'import', 'backfill')),
    -- Webhook deliveries: 1 for a first webhook delivery, 0 for an event first stored by
    -- `ingest` or back-fill.
    delivery_count         integer NOT NULL DEFAULT 1
        CONSTRAINT billing_events_delivery_count_check CHECK (delivery_count >= 0),
    -- Extracted from the payload so that unmatched / superseded events can be re-queued
    -- when their customer is linked or their subscription becomes current.
    stripe_object_id       text,
    stripe_customer_id     text,
    stripe_subscription_id text
);
