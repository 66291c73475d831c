-- migrate:no-transaction
-- Index the status of waiting and stopped events only.
--
-- `billing_events_status_idx (status, id)` held every row, so settling an event (received →
-- processed) inserted a new entry into it: one of the five index insertions that made the
-- processor's settle the most expensive statement per event after the claim. Settled events
-- (`processed`, `ignored`) are the bulk of the log; the lists that filter on them walk the primary
-- key newest first and find them at once. The statuses worth an index are the rare ones operators
-- and the queue gauge look for (received, retry, processing, unmatched, failed), and rows leave
-- this partial index when they settle, at no cost. Built CONCURRENTLY (see 0006), so each statement
-- runs on its own and can simply be run again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS billing_events_waiting_status_idx
    ON billing_events (status, id)
    WHERE status NOT IN ('processed', 'ignored');

DROP INDEX CONCURRENTLY IF EXISTS billing_events_status_idx;
