-- destruction: tables are added by the destruction work (see docs/destruction.md).
SELECT 1;
