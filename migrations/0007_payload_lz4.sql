-- Compress stored event bodies with lz4 instead of PostgreSQL's default pglz.
--
-- A Stripe event body is 3-7 KiB of JSON, so its jsonb goes through TOAST compression on
-- every insert. With pglz that compression was the largest single cost of ingest inside
-- PostgreSQL (about 30 % of the server's CPU under load, measured with perf); lz4 compresses
-- these bodies as well (smaller, on this data) at a fraction of the CPU, and decompresses faster
-- for the processor. Applies to rows written from now on; existing rows keep pglz and stay
-- readable (PostgreSQL records the method per value). Needs PostgreSQL 14+ built with lz4
-- (Debian's and the official images are).
ALTER TABLE billing_events ALTER COLUMN payload SET COMPRESSION lz4;
