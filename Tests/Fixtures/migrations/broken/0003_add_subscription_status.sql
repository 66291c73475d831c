ALTER TABLE subscriptions ADD COLUMN status text NOT NULL DEFAULT 'active';
