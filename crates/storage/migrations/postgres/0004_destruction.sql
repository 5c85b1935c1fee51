-- Destruction: the ledger of sensitive holdings and their witnessed destruction.
-- Kinds and the method matrix ship with defaults in the engine (drawdown-destruction); these
-- tables hold what the post added or changed. Quantities are whole units of the kind (kg or
-- items) and never negative.

CREATE TABLE destruction_kinds (
    slug TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    kg_per_unit DOUBLE PRECISION NOT NULL,
    priority BIGINT NOT NULL,
    -- Approved methods by default, comma-separated slugs.
    methods TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE holdings (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    initial_quantity BIGINT NOT NULL CHECK (initial_quantity >= 0),
    classification TEXT NOT NULL,
    location TEXT NOT NULL,
    custodian TEXT NOT NULL,
    -- Emergency-destruction priority: 1 goes first.
    priority BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX holdings_kind ON holdings(kind);

CREATE TABLE destruction_devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    kg_per_hour DOUBLE PRECISION NOT NULL CHECK (kg_per_hour > 0),
    hours_per_day DOUBLE PRECISION NOT NULL CHECK (hours_per_day > 0 AND hours_per_day <= 24),
    status TEXT NOT NULL,
    location TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The post's changes to the default matrix.
CREATE TABLE destruction_matrix (
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (kind, method)
);

CREATE TABLE burn_bags (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    holding_id TEXT NOT NULL REFERENCES holdings(id),
    contents TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    sealed_by TEXT NOT NULL,
    sealed_at TEXT NOT NULL,
    -- The record that destroyed it, once.
    record_id TEXT UNIQUE
);
CREATE INDEX burn_bags_holding ON burn_bags(holding_id);

CREATE TABLE destruction_records (
    id TEXT PRIMARY KEY,
    -- Certificate number, in order: D-000001.
    number BIGINT NOT NULL UNIQUE,
    holding_id TEXT NOT NULL REFERENCES holdings(id),
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    method TEXT NOT NULL,
    device_id TEXT REFERENCES destruction_devices(id),
    burn_bag_id TEXT UNIQUE REFERENCES burn_bags(id),
    operator TEXT NOT NULL,
    destroyed_at TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    witness TEXT,
    witnessed_at TEXT
);
CREATE INDEX destruction_records_at ON destruction_records(destroyed_at);

-- A certificate of destruction, issued when the witness confirms: the PDF as issued, and its
-- SHA-256 (also in the audit log).
CREATE TABLE destruction_certificates (
    record_id TEXT PRIMARY KEY REFERENCES destruction_records(id),
    sha256 TEXT NOT NULL,
    pdf BYTEA NOT NULL,
    issued_at TEXT NOT NULL
);

-- The emergency switch (until the declared posture drives it) and the target it sets.
CREATE TABLE destruction_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    emergency BIGINT NOT NULL,
    emergency_priority BIGINT NOT NULL,
    deadline_hours BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO destruction_settings (id, emergency, emergency_priority, deadline_hours, updated_by, updated_at)
VALUES (1, 0, 2, 48, 'schema', '');
