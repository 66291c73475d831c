-- migrate:no-transaction
-- Events that arrive before their client (SPEC §5): an unmatched event that names a client id
-- (`client_reference_id` / `metadata.client_id`) is processed automatically, in `created` order,
-- within seconds of that client appearing in `clients` — whether the admin API or the main
-- application (a bare INSERT) created it.
--
-- The processor records, when it parks an event as `unmatched`, the client ids the event names
-- (`awaited_client_ids`; '{}' when it names none, NULL for events parked by an earlier version). A
-- statement trigger on `clients` re-queues the events awaiting the new clients in the inserting
-- transaction, so they become due exactly when the clients are committed, and wakes the
-- processors. A periodic sweep of the processor (over the unmatched events only) covers clients that
-- arrive without firing triggers (logical replication, restores), and events parked with NULL by a
-- replica of the previous version during a rolling update.
--
-- Lost wake-ups: the processor may be parking an event of client X (it saw no X) while another
-- transaction inserts X (its trigger cannot see the processor's uncommitted row). Both take a
-- transaction-scoped advisory lock on X's bucket (class 1668050548 = "clnt", hashtext(id) & 1023)
-- before looking: the trigger in SHARE mode (client inserts never wait for each other), the
-- processor EXCLUSIVE and without waiting (pg_try_advisory_xact_lock). Either the processor holds
-- the bucket, parks the event and commits, and the trigger, waiting for it, then sees the parked
-- row; or the trigger holds the bucket, the processor does not get it and tries the event again a
-- second later (no attempt counted), when the insert has committed. The processor never waits, so
-- no client insert can deadlock with it; one statement takes at most 1,024 locks, however many
-- clients it inserts (a bulk import or a restore cannot exhaust the lock table). The trigger skips
-- event rows another transaction holds (SKIP LOCKED): whoever holds one goes through the bucket
-- lock before parking it. An application inserting clients at REPEATABLE READ may see too old a
-- snapshot to find a parked event: the processor's sweep releases those.
--
-- The trigger runs as the role that inserts the clients (the main application's): its function
-- is SECURITY DEFINER, owned by the role that runs migrations, with its search_path fixed.
-- Every statement is idempotent (no-transaction file: each runs on its own).

ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS awaited_client_ids text[];

-- Only unmatched events are indexed: the trigger's lookup, at no cost to ingest or settle.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_awaited_client_idx
    ON billing_events USING gin (awaited_client_ids)
    WHERE status = 'unmatched';

CREATE OR REPLACE FUNCTION release_events_awaiting_clients() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    released integer;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1668050548, bucket)
    FROM (SELECT DISTINCT hashtext(id) & 1023 AS bucket FROM new_clients ORDER BY 1) buckets;
    UPDATE billing_events SET status = 'received', next_attempt_at = now()
    WHERE id IN (SELECT id FROM billing_events
                 WHERE status = 'unmatched' AND awaited_client_ids && ARRAY(SELECT id FROM new_clients)
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS released = ROW_COUNT;
    IF released > 0 THEN
        PERFORM pg_notify('billing_events', '');
    END IF;
    RETURN NULL;
END;
$$;

-- A SECURITY DEFINER function must not resolve names through the caller's schemas: fix its
-- search_path to the schema the migrations run in, with pg_temp last (never first).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION release_events_awaiting_clients() SET search_path = %I, pg_temp', current_schema());
END;
$$;

-- One call per INSERT (or COPY) statement, with the rows it inserted.
CREATE OR REPLACE TRIGGER clients_release_awaiting_events
    AFTER INSERT ON clients
    REFERENCING NEW TABLE AS new_clients
    FOR EACH STATEMENT EXECUTE FUNCTION release_events_awaiting_clients();

-- Events parked before this migration recorded no awaited client: process them once more, so
-- that those naming a client id that exists now apply and the others record what they await.
UPDATE billing_events SET status = 'received', next_attempt_at = now()
WHERE status = 'unmatched' AND awaited_client_ids IS NULL;
