-- Movement: departures (flights and convoys), the readiness facts the planner needs that the
-- registry lacks, manifests (which household goes on which departure) and plan runs.
-- A "unit" is what travels together: a household's id, or a person's id when they have none.

CREATE TABLE departures (
    id TEXT PRIMARY KEY,
    -- flight | convoy
    kind TEXT NOT NULL,
    -- The carrier or the type, e.g. "USAF C-17" or "Qatar Airways A350".
    carrier TEXT NOT NULL,
    origin TEXT NOT NULL,
    -- The safe haven (or staging base) it flies to.
    destination TEXT NOT NULL,
    departs_at TEXT NOT NULL,
    seats BIGINT NOT NULL,
    weight_limit_kg BIGINT,
    gate TEXT NOT NULL DEFAULT '',
    -- planned | confirmed | boarding | departed | cancelled
    status TEXT NOT NULL,
    -- The manifest's state: open (the planner may change it) | confirmed | closed.
    manifest TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX departures_time ON departures(departs_at);

-- What the movement officer knows about a unit's readiness. No row: ready now, no deadline.
CREATE TABLE movement_facts (
    unit_id TEXT PRIMARY KEY,
    documents_ready BIGINT NOT NULL DEFAULT 1,
    ready_at TEXT,
    deadline TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A person's travel document facts the registry lacks (expiry), sealed by the vault.
CREATE TABLE travel_documents (
    person_id TEXT PRIMARY KEY,
    sealed BYTEA NOT NULL,
    updated_at TEXT NOT NULL
);

-- One unit on one departure: a household is never split, so the unit is the key.
CREATE TABLE manifest_entries (
    unit_id TEXT PRIMARY KEY,
    departure_id TEXT NOT NULL REFERENCES departures(id),
    head_person_id TEXT NOT NULL,
    seats BIGINT NOT NULL,
    people BIGINT NOT NULL,
    lap_infants BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    -- A person pinned it here: every later plan keeps it.
    pinned BIGINT NOT NULL DEFAULT 0,
    -- plan | hand
    placed_by TEXT NOT NULL,
    plan_run_id TEXT,
    -- A rule the placement breaks (a hand move), or ''.
    warning TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX manifest_entries_departure ON manifest_entries(departure_id);

-- Each manifested person (boarding passes are issued per person from here).
CREATE TABLE manifest_people (
    person_id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL,
    departure_id TEXT NOT NULL,
    lap_infant BIGINT NOT NULL
);
CREATE INDEX manifest_people_departure ON manifest_people(departure_id);
CREATE INDEX manifest_people_unit ON manifest_people(unit_id);

-- One run of the planner: its figures, and what it said.
CREATE TABLE plan_runs (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    departures BIGINT NOT NULL,
    units BIGINT NOT NULL,
    people BIGINT NOT NULL,
    moved_units BIGINT NOT NULL,
    moved_people BIGINT NOT NULL,
    objective DOUBLE PRECISION NOT NULL,
    bound DOUBLE PRECISION NOT NULL,
    elapsed_ms BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    -- JSON: people moved by tier, units left by reason.
    summary TEXT NOT NULL
);

-- Per run, each unit whose departure changed and each unit left, with the reason.
CREATE TABLE plan_outcomes (
    run_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    -- added | moved | removed | left
    outcome TEXT NOT NULL,
    departure_id TEXT,
    previous_departure_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    people BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    PRIMARY KEY (run_id, unit_id)
);
