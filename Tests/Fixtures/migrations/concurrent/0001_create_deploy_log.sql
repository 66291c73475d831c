CREATE TABLE deploy_log (file text NOT NULL, logged_at timestamptz NOT NULL DEFAULT clock_timestamp());
SELECT pg_sleep(0.3);
INSERT INTO deploy_log (file) VALUES ('0001');
