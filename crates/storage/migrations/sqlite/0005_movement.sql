-- movement: tables are added by the movement work (see docs/movement.md).
SELECT 1;
