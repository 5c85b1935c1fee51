-- Accountability: the post's pass-signing keys, the checkpoints in order, boarding passes,
-- scans (idempotent by the device's scan id) and where each person or household was last seen.
-- Passes carry initials and a birth year, so the signed token is sealed by the vault.

-- The private key is sealed by the vault; the public key is what devices verify with.
CREATE TABLE pass_keys (
    key_id BIGINT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    sealed_private BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- The flow, in order (`position`); `required` checkpoints cannot be skipped.
CREATE TABLE checkpoints (
    code TEXT PRIMARY KEY,
    position BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    required BIGINT NOT NULL
);
INSERT INTO checkpoints (code, position, name, required) VALUES
    ('rally', 1, 'Rally point', 0),
    ('gate', 2, 'Gate', 0),
    ('screening', 3, 'Screening', 1),
    ('registration', 4, 'Registration', 1),
    ('manifesting', 5, 'Manifesting', 1),
    ('boarding', 6, 'Boarding', 1),
    ('departed', 7, 'Departed', 0),
    ('arrived', 8, 'Arrived at the safe haven', 0);

CREATE TABLE passes (
    id TEXT PRIMARY KEY,
    key_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    departure TEXT NOT NULL,
    household_size BIGINT NOT NULL,
    lap_infants BIGINT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    sealed_token BYTEA NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT
);
CREATE INDEX passes_subject ON passes(subject);
CREATE INDEX passes_departure ON passes(departure);

-- Every scan as received; the id is the device's, so a scan sent twice is stored once.
CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    pass_id TEXT,
    subject TEXT,
    kind TEXT NOT NULL,
    heads BIGINT NOT NULL,
    lap_infants BIGINT NOT NULL,
    departure TEXT,
    checkpoint TEXT NOT NULL,
    device TEXT NOT NULL,
    agent TEXT NOT NULL,
    device_time TEXT NOT NULL,
    server_time TEXT NOT NULL,
    skew_seconds BIGINT NOT NULL,
    skew_flagged BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX scans_subject ON scans(subject);
CREATE INDEX scans_server_time ON scans(server_time);

-- The last checkpoint each person or household was admitted at (green or amber scans).
CREATE TABLE whereabouts (
    subject TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    departure TEXT,
    heads BIGINT NOT NULL,
    lap_infants BIGINT NOT NULL,
    at TEXT NOT NULL,
    scan_id TEXT NOT NULL
);
CREATE INDEX whereabouts_checkpoint ON whereabouts(checkpoint);
