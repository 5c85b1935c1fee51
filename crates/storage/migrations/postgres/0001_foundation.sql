-- Drawdown's foundation: organisation, sites, accounts, sessions, device tokens, the audit
-- chain, the vault header, the deployment's state and the registry's sealed records.
-- Times are RFC 3339 UTC text; integers are BIGINT, flags BIGINT 0/1, so one code path (sqlx Any) serves both databases.

CREATE TABLE organisation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sites (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    source TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_actor ON audit_log(actor);

-- The chain's head, updated in the same transaction as each append: a removed tail shows.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The wrapped root key. Deleting this row is the wipe.
CREATE TABLE vault (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    header BYTEA NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE deployment (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    wiped_at TEXT,
    wiped_by TEXT
);
INSERT INTO deployment (id, state) VALUES (1, 'active');

CREATE TABLE wipe_requests (
    id TEXT PRIMARY KEY,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    handoff_recipient TEXT,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT
);

-- One row per person; everything personal is in `sealed` (vault), looked up by blind index.
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    priority BIGINT NOT NULL,
    site_code TEXT,
    sealed BYTEA NOT NULL,
    name_index TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX persons_name_index ON persons(name_index);
CREATE INDEX persons_category ON persons(category);
