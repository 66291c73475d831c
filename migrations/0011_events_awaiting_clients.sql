-- migrate:no-transaction
-- Events that arrive before their client (SPEC §5): an unmatched event that names a client id
-- (`client_reference_id` / `metadata.client_id`) is processed automatically, in `created` order,
-- within seconds of that client appearing in `clients` — whether the admin API or the main
-- application (a bare INSERT) created it.
--
-- The processor records, when it parks an event as `unmatched`, the client ids the event names
-- (`awaited_client_ids`). A row trigger on `clients` re-queues the events awaiting a new client in
-- the inserting transaction, so they become due exactly when the client is committed, and wakes
-- the processors. A periodic sweep of the processor (over the unmatched events only) covers
-- clients that arrive without firing triggers (logical replication, restores).
--
-- Lost wake-ups: the processor may be parking an event of client X (it saw no X) while another
-- transaction inserts X (its trigger cannot see the processor's uncommitted row). Both take the
-- transaction-scoped advisory lock (1668050548 = "clnt", hashtext(client id)) first, so either the
-- processor resolves X after the insert commits, or the trigger re-queues after the processor
-- commits its `unmatched` row.
--
-- The trigger runs as the role that inserts the client (the main application's): its function
-- is SECURITY DEFINER, owned by the role that runs migrations, with its search_path fixed. Every statement is idempotent (no-transaction file: each runs on its own).

ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS awaited_client_ids text[];

-- Only unmatched events are indexed: the trigger's lookup, at no cost to ingest or settle.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_awaited_client_idx
    ON billing_events USING gin (awaited_client_ids)
    WHERE status = 'unmatched';

CREATE OR REPLACE FUNCTION release_events_awaiting_client() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1668050548, hashtext(NEW.id));
    UPDATE billing_events SET status = 'received', next_attempt_at = now()
    WHERE status = 'unmatched' AND awaited_client_ids @> ARRAY[NEW.id];
    IF FOUND THEN
        PERFORM pg_notify('billing_events', '');
    END IF;
    RETURN NULL;
END;
$$;

-- A SECURITY DEFINER function must not resolve names through the caller's schemas: fix its
-- search_path to the schema the migrations run in, with pg_temp last (never first).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION release_events_awaiting_client() SET search_path = %I, pg_temp', current_schema());
END;
$$;

CREATE OR REPLACE TRIGGER clients_release_awaiting_events
    AFTER INSERT ON clients
    FOR EACH ROW EXECUTE FUNCTION release_events_awaiting_client();

-- Events parked before this migration recorded no awaited client: process them once more, so
-- that those naming a client id that exists now apply and the others record what they await.
UPDATE billing_events SET status = 'received', next_attempt_at = now()
WHERE status = 'unmatched' AND awaited_client_ids IS NULL;
