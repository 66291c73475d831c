-- migrate:no-transaction
-- Find a client's open alerts without reading its history or every other client's open alerts.
--
-- When a client's payment gate opens, the processor acknowledges the client's open PAYMENT_GATE
-- alerts (`client_id = … AND alert_type = 'PAYMENT_GATE' AND acknowledged_at IS NULL`), and the
-- client view counts its open alerts. The planner could only combine `alert_logs_client_idx`
-- (every alert the client ever had: `alert_logs` is append-only and never pruned) with
-- `alert_logs_unacknowledged_idx` (the open alerts of every client), so the cost grew with the log.
-- In a 20 s end-to-end benchmark the acknowledgement already took 208 µs per call, 15 µs per
-- processed event: more than the client lock. Here a client's open alerts are one index lookup, and
-- an alert leaves the index when it is acknowledged. Built CONCURRENTLY (see 0006), so it runs on
-- its own and can simply be run again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS alert_logs_open_client_idx
    ON alert_logs (client_id, alert_type)
    WHERE acknowledged_at IS NULL;
