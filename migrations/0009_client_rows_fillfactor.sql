-- Leave room on the pages of the per-client rows for their next versions.
--
-- The processor rewrites a client's client_billing and client_controls rows on almost every event
-- (watermarks, invoice ids, status). With full pages each new version lands on another page and
-- needs new entries in every index of the table; with free room on the page, an update that leaves
-- the indexed columns alone (most of them) is a HOT update: same page, no index entry, and the old
-- version is pruned in place. One row per client keeps the tables small, so half-full pages cost
-- little. Applies to pages written from now on (rows created after this migration, and new
-- versions); `VACUUM FULL` repacks older pages if ever wanted.
ALTER TABLE client_billing SET (fillfactor = 50);
ALTER TABLE client_controls SET (fillfactor = 50);
