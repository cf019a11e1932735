-- Dashboard users, sessions, API tokens, campaign owners and the admin audit log.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    role          text NOT NULL CHECK (role IN ('admin', 'marketing', 'collections', 'compliance', 'manager')),
    password_hash text NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- A browser session; the cookie value is never stored, only its SHA-256.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        text NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens for automation; stored as SHA-256 of the secret.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_hash   text NOT NULL UNIQUE,
    prefix       text NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked      INTEGER NOT NULL DEFAULT 0
);

-- Who owns a campaign (created it through the API, or was given it).
CREATE TABLE campaign_owners (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

-- Admin and security-relevant actions (user changes, tokens, logins refused).
CREATE TABLE admin_audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
