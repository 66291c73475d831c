-- Clients and their 1:1 companion rows. The main application may create clients directly;
-- the worker creates a missing client_billing / client_controls / onboarding_states row
-- with the defaults below when it first needs it.

CREATE TABLE clients (
    id            text PRIMARY KEY,
    business_name text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE onboarding_states (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id     text NOT NULL UNIQUE REFERENCES clients (id),
    current_state text NOT NULL DEFAULT 'NOT_STARTED',
    completed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE client_billing (
    client_id                  text PRIMARY KEY REFERENCES clients (id),
    status                     "BillingStatus" NOT NULL DEFAULT 'PENDING',
    payment_source             "PaymentSource" NOT NULL DEFAULT 'NONE',
    stripe_customer_id         text UNIQUE,
    stripe_subscription_id     text UNIQUE,
    stripe_subscription_status text,
    trial_started_at           timestamptz,
    trial_ends_at              timestamptz,
    current_period_start       timestamptz,
    current_period_end         timestamptz,
    cancel_at_period_end       boolean NOT NULL DEFAULT false,
    canceled_at                timestamptz,
    collection_paused          boolean NOT NULL DEFAULT false,
    latest_invoice_id          text,
    latest_invoice_created_at  timestamptz,
    status_changed_at          timestamptz NOT NULL DEFAULT now(),
    last_event_created_at      timestamptz,
    last_event_id              text,
    -- Subscriptions of this client once seen canceled: they never become current again (SPEC §5).
    canceled_subscription_ids  text[] NOT NULL DEFAULT '{}',
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE client_controls (
    client_id                   text PRIMARY KEY REFERENCES clients (id),
    outbound_paused             boolean NOT NULL DEFAULT false,
    ai_disabled                 boolean NOT NULL DEFAULT false,
    ops_alerts_muted            boolean NOT NULL DEFAULT false,
    payment_gate_alerted_at     timestamptz,
    payment_gate_alerted_states "BillingStatus"[] NOT NULL DEFAULT '{}',
    payment_gate_alert_count    integer NOT NULL DEFAULT 0
        CONSTRAINT client_controls_alert_count_check CHECK (payment_gate_alert_count >= 0),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
