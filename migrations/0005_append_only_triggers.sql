-- The database itself keeps alert_logs and admin_actions append-only (SPEC §3):
-- DELETE and TRUNCATE are refused (statement-level triggers, so even a DELETE that matches
-- no row fails); UPDATE is refused, except the one acknowledgement of an alert.
-- Errors are raised with SQLSTATE P0001 (raise_exception).

CREATE FUNCTION refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING HINT = 'Rows of this table are never changed or removed; insert a new row instead.';
END;
$$;

-- Allows exactly one change to an alert: setting acknowledged_at and acknowledged_by (and
-- optionally resolution) on an alert that is not yet acknowledged. Everything else is refused.
CREATE FUNCTION alert_logs_allow_acknowledgement_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ack_columns CONSTANT text[] := ARRAY['acknowledged_at', 'acknowledged_by', 'resolution'];
BEGIN
    IF OLD.acknowledged_at IS NOT NULL THEN
        RAISE EXCEPTION 'alert % is already acknowledged: alert_logs is append-only', OLD.id
            USING HINT = 'An alert is acknowledged once; its acknowledgement never changes.';
    END IF;
    IF NEW.acknowledged_at IS NULL OR NEW.acknowledged_by IS NULL THEN
        RAISE EXCEPTION 'UPDATE on alert_logs may only acknowledge alert % (set acknowledged_at and acknowledged_by)', OLD.id;
    END IF;
    IF (to_jsonb(NEW) - ack_columns) IS DISTINCT FROM (to_jsonb(OLD) - ack_columns) THEN
        RAISE EXCEPTION 'UPDATE on alert_logs may only set acknowledged_at, acknowledged_by and resolution (alert %)', OLD.id
            USING HINT = 'alert_logs is append-only.';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER alert_logs_refuse_delete
    BEFORE DELETE ON alert_logs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

CREATE TRIGGER alert_logs_refuse_truncate
    BEFORE TRUNCATE ON alert_logs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

CREATE TRIGGER alert_logs_acknowledge_only
    BEFORE UPDATE ON alert_logs
    FOR EACH ROW EXECUTE FUNCTION alert_logs_allow_acknowledgement_only();

CREATE TRIGGER admin_actions_refuse_delete
    BEFORE DELETE ON admin_actions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

CREATE TRIGGER admin_actions_refuse_truncate
    BEFORE TRUNCATE ON admin_actions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();

CREATE TRIGGER admin_actions_refuse_update
    BEFORE UPDATE ON admin_actions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change();
