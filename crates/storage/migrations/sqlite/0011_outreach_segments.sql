-- Outreach: saved segments (a named set of filters over the registry, reused for later
-- messages). The filters name categories, lists, departures and checkpoints, not people.
CREATE TABLE segments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- JSON of the filters (drawdown_outreach::Segment), and the same in words.
    filters TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
