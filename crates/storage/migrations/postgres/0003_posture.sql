-- posture: tables are added by the posture work (see docs/posture.md).
SELECT 1;
