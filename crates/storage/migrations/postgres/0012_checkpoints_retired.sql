-- Checkpoints can be retired from the flow: scans no longer go there, but the ones made there
-- and the people last seen there keep their place in the order (the code never changes).
ALTER TABLE checkpoints ADD COLUMN retired_at TEXT;
