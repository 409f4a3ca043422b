CREATE INDEX checks_project ON checks (project_id, started_at DESC);
DROP INDEX checks_project_started;
DROP INDEX ledger_check_incidents;
DROP TRIGGER webhook_event_days_insert;
DROP TABLE webhook_event_days;
DROP TRIGGER incident_counts_delete;
DROP TRIGGER incident_counts_update;
DROP TRIGGER incident_counts_insert;
DROP TABLE incident_counts;
