SELECT pg_sleep(0.2);
INSERT INTO deploy_log (file) VALUES ('0002');
