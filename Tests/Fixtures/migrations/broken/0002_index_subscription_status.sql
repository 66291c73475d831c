-- Written on a branch where 0003 had already been applied by hand: the column does not exist yet.
CREATE INDEX subscriptions_status_idx ON subscriptions (status);
