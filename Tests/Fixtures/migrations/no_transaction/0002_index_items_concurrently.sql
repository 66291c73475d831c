-- migrate:no-transaction
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block; each statement runs alone.
-- Semicolons inside comments; strings and bodies do not split statements.
CREATE INDEX CONCURRENTLY IF NOT EXISTS items_sku_idx ON items (sku);
CREATE FUNCTION items_note() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b'::text $body$;
COMMENT ON TABLE items IS 'one; two';
