-- outreach: tables are added by the outreach work (see docs/outreach.md).
SELECT 1;
