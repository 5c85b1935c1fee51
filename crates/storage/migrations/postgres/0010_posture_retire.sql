-- Posture: a tripwire can be retired. It is kept (decision items and snapshots name it, and the
-- timeline shows it before its retirement) but no longer evaluated. See docs/posture.md.
ALTER TABLE posture_tripwires ADD COLUMN retired_at TEXT;
ALTER TABLE posture_tripwires ADD COLUMN retired_by TEXT;
