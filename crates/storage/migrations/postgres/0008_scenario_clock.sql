-- The post's scenario clock: an exercise or a demo set in the past (Kabul, August 2021) shows
-- "today" at its scenario time. No row: the post runs on the real clock. The scenario time
-- runs on from scenario_at as real time passes from set_at.

CREATE TABLE scenario_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scenario_at TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);
