-- accountability: tables are added by the accountability work (see docs/accountability.md).
SELECT 1;
