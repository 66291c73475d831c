-- `billing_events.livemode` holds the event's `livemode` as given, NULL when the body has none
-- (issue 17). Before, the two inserts disagreed: `ingest` and back-fill stored a missing livemode as
-- false, and webhook ingest sent NULL, which NOT NULL refused (the delivery was answered 503 and
-- never stored). Every path now stores through one insert that sends the envelope's value.
--
-- Both changes touch the catalog only (no table scan, no rewrite). The ACCESS EXCLUSIVE lock they
-- take is held for an instant, but waiting for it would queue every ingest behind it: give up after
-- 5 s instead (migrate deploy fails with the lock timeout and is simply run again).
--
-- Rolling update: replicas of the previous version name `livemode` in every insert (import sends
-- false, webhook ingest NULL), so dropping the default changes nothing they write, and NULL is now
-- accepted from them as well. Their readers already take the column as optional (the processor's
-- `ClaimedEvent.livemode` is `Bool?`; the admin API renders NULL as null, their console as "no").

SET LOCAL lock_timeout = '5s';

ALTER TABLE billing_events
    ALTER COLUMN livemode DROP NOT NULL,
    ALTER COLUMN livemode DROP DEFAULT;
