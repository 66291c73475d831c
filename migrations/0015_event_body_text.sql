-- migrate:no-transaction
-- Store each event's body exactly as received (SPEC §3: `payload` may be text holding the bytes
-- Stripe signed), in a new column `body` (text, lz4), instead of parsing it into jsonb on every
-- insert (37 % of an insert's cost) and rendering it back to text on every claim.
--
-- Readers take `coalesce(body, payload::text)`, so rows of both kinds are read alike; a newly stored
-- event can be verified again against its signature byte for byte. Rows converted below from jsonb
-- hold jsonb's rendering of the body (keys sorted, spacing changed), not the signed bytes.
--
-- Rolling update: a replica of the previous version keeps writing `payload` (jsonb) and those rows
-- are read alike. Its processor, if it claims a row that has only `body`, takes it for a pruned
-- event and schedules a retry (one extra attempt), which a replica of this version then processes;
-- nothing is lost. `payload` is dropped in a later release, once every row has moved.
--
-- Existing rows move in batches of 5,000, each committed on its own (a DO block outside a
-- transaction may COMMIT), with row locks only (SKIP LOCKED leaves rows a processor holds for a
-- later run): no long lock, and an interrupted run simply continues when `migrate deploy` runs again.

ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS body text COMPRESSION lz4;

-- The admin API and the console show a body parsed; one jsonb cannot hold (a \u0000 escape, say)
-- is shown as a JSON string instead of failing the page.
CREATE OR REPLACE FUNCTION billing_event_body_json(body text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN body::jsonb;
EXCEPTION WHEN others THEN
    RETURN to_jsonb(body);
END;
$$;

DO $$
DECLARE
    moved integer;
BEGIN
    LOOP
        UPDATE billing_events SET body = payload::text, payload = NULL
        WHERE id IN (SELECT id FROM billing_events WHERE payload IS NOT NULL AND body IS NULL
                     ORDER BY id LIMIT 5000 FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS moved = ROW_COUNT;
        COMMIT;
        EXIT WHEN moved = 0;
    END LOOP;
END;
$$;
