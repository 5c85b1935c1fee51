-- Posture: the situation log, the gazetteer (when another country's is loaded), posture levels
-- with their checklists, tripwires, decision items opened when a tripwire crosses, the
-- committee's decisions (with a snapshot of the indicators then) and the checklist tasks a
-- declaration creates. See docs/posture.md.

CREATE TABLE posture_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    -- When it happened (RFC 3339, UTC); recorded_at is when it was entered.
    at TEXT NOT NULL,
    place TEXT NOT NULL,
    source TEXT NOT NULL,
    -- 1 low, 2 medium, 3 high.
    confidence INTEGER NOT NULL,
    value TEXT NOT NULL,
    horizon_days REAL,
    notes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX posture_events_at ON posture_events(at);

-- Empty: Afghanistan's embedded gazetteer. Loaded: this country's places, in file order.
CREATE TABLE posture_places (
    position INTEGER PRIMARY KEY,
    country TEXT NOT NULL,
    name TEXT NOT NULL,
    province TEXT NOT NULL,
    kind TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL
);

CREATE TABLE posture_levels (
    id TEXT PRIMARY KEY,
    rank INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);

CREATE TABLE posture_task_templates (
    id TEXT PRIMARY KEY,
    level_id TEXT NOT NULL REFERENCES posture_levels(id),
    position INTEGER NOT NULL,
    task TEXT NOT NULL,
    owner_role TEXT NOT NULL,
    due_hours INTEGER NOT NULL
);
CREATE INDEX posture_task_templates_level ON posture_task_templates(level_id, position);

CREATE TABLE posture_tripwires (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    condition TEXT NOT NULL,
    level_id TEXT NOT NULL REFERENCES posture_levels(id),
    actions TEXT NOT NULL,
    -- Since when it has held (NULL: not crossed), and the facts then (JSON).
    crossed_at TEXT,
    facts TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE posture_decisions (
    id TEXT PRIMARY KEY,
    -- 'declare' a posture, or 'decline' one a tripwire recommended.
    kind TEXT NOT NULL,
    level_id TEXT NOT NULL REFERENCES posture_levels(id),
    decided_at TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    attendees TEXT NOT NULL,
    rationale TEXT NOT NULL,
    -- The indicators in view when it was decided (JSON), not a live link.
    snapshot TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX posture_decisions_at ON posture_decisions(decided_at);

CREATE TABLE posture_items (
    id TEXT PRIMARY KEY,
    tripwire_id TEXT NOT NULL REFERENCES posture_tripwires(id),
    level_id TEXT NOT NULL REFERENCES posture_levels(id),
    crossed_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    facts TEXT NOT NULL,
    closed_at TEXT,
    decision_id TEXT REFERENCES posture_decisions(id)
);
CREATE INDEX posture_items_open ON posture_items(closed_at);

CREATE TABLE posture_tasks (
    id TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES posture_decisions(id),
    position INTEGER NOT NULL,
    task TEXT NOT NULL,
    owner_role TEXT NOT NULL,
    due_at TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT
);
CREATE INDEX posture_tasks_decision ON posture_tasks(decision_id, position);
