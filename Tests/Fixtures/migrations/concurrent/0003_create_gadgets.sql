CREATE TABLE gadgets (id integer PRIMARY KEY);
INSERT INTO deploy_log (file) VALUES ('0003');
