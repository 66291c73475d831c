CREATE TABLE subscriptions (
    id        text PRIMARY KEY,
    client_id text NOT NULL
);
