-- migrate:no-transaction
-- Index events by client only once they have one.
--
-- An event is stored before it is resolved, so `client_id` is NULL at ingest, yet
-- `billing_events_client_idx` took an entry for every stored row: one of the six index
-- insertions of each webhook delivery. Every query by client names a client
-- (`client_id = …` implies NOT NULL), so a partial index serves them all and ingest no longer
-- writes to it. Built CONCURRENTLY (see 0006), so each statement runs on its own and can simply be
-- run again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_resolved_client_idx
    ON billing_events (client_id, id)
    WHERE client_id IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS billing_events_client_idx;
