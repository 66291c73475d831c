-- Append-only logs (the triggers of 0005 enforce it). No unique key on
-- (alert_type, alert_key): an alert is raised again in each new episode.

CREATE TABLE alert_logs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_type      text NOT NULL,
    alert_key       text NOT NULL,
    severity        text NOT NULL
        CONSTRAINT alert_logs_severity_check CHECK (severity IN ('INFO', 'WARNING', 'ERROR', 'CRITICAL')),
    client_id       text,
    message         text NOT NULL,
    metadata        jsonb DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolution      text,
    CONSTRAINT alert_logs_acknowledgement_check
        CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);

CREATE TABLE admin_actions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    admin_id   text NOT NULL,
    client_id  text,
    action     text NOT NULL,
    reason     text NOT NULL
        CONSTRAINT admin_actions_reason_check CHECK (btrim(reason) <> ''),
    metadata   jsonb DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
