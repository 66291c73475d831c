-- Console sign-out revokes the session on the server side (issue 16).
--
-- A console session is an HMAC-signed cookie that any replica verifies without shared state, so
-- clearing the cookie alone left a copied cookie valid until it expired (8 hours). Sign-out now
-- records the session's random id here; every replica checks this table before letting a session
-- in. A row is needed only until the cookie would have expired anyway (`expires_at`); sign-outs
-- delete the expired ones, so the table stays as small as the number of recent sign-outs.
CREATE TABLE console_revoked_sessions (
    session_id text PRIMARY KEY,
    admin_id text NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX console_revoked_sessions_expires_idx ON console_revoked_sessions (expires_at);
