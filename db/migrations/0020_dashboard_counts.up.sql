-- The dashboard and the incidents list at 1M customers and 100k open
-- incidents (issue 18 item 7): what the dashboard counts is kept counted as
-- rows change, instead of being counted on every view.

-- A project's incidents counted by status, kind, severity and currency of
-- money at stake, with the amounts summed: the dashboard's active counts
-- (db.CountOpenIncidents) and money at stake (db.StakeTotals) read a few
-- dozen rows of this instead of 100,000 incidents. Triggers keep it exact
-- whatever writes an incident; a count that falls to 0 stays as a row.
CREATE TABLE incident_counts (
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    currency      TEXT NOT NULL, -- at_stake_currency ('' when none)
    n             INTEGER NOT NULL, -- incidents
    staked        INTEGER NOT NULL, -- of them, with an amount (at_stake_minor set)
    staked_minor  INTEGER NOT NULL, -- the sum of those amounts
    PRIMARY KEY (project_id, status, kind, severity_rank, currency)
) WITHOUT ROWID;

INSERT INTO incident_counts (project_id, status, kind, severity_rank, currency, n, staked, staked_minor)
SELECT project_id, status, kind, severity_rank, at_stake_currency, COUNT(*), COUNT(at_stake_minor), COALESCE(SUM(at_stake_minor), 0)
FROM incidents GROUP BY project_id, status, kind, severity_rank, at_stake_currency;

CREATE TRIGGER incident_counts_insert AFTER INSERT ON incidents
BEGIN
    INSERT INTO incident_counts (project_id, status, kind, severity_rank, currency, n, staked, staked_minor)
    VALUES (new.project_id, new.status, new.kind, new.severity_rank, new.at_stake_currency, 1,
        new.at_stake_minor IS NOT NULL, COALESCE(new.at_stake_minor, 0))
    ON CONFLICT (project_id, status, kind, severity_rank, currency) DO UPDATE SET
        n = n + 1, staked = staked + excluded.staked, staked_minor = staked_minor + excluded.staked_minor;
END;

-- Only a change of a counted column moves a count (a check's last_seen
-- touch does not).
CREATE TRIGGER incident_counts_update AFTER UPDATE OF project_id, status, kind, severity_rank, at_stake_currency, at_stake_minor ON incidents
WHEN old.project_id IS NOT new.project_id OR old.status IS NOT new.status OR old.kind IS NOT new.kind
    OR old.severity_rank IS NOT new.severity_rank OR old.at_stake_currency IS NOT new.at_stake_currency
    OR old.at_stake_minor IS NOT new.at_stake_minor
BEGIN
    UPDATE incident_counts SET n = n - 1, staked = staked - (old.at_stake_minor IS NOT NULL),
        staked_minor = staked_minor - COALESCE(old.at_stake_minor, 0)
    WHERE project_id = old.project_id AND status = old.status AND kind = old.kind AND severity_rank = old.severity_rank
        AND currency = old.at_stake_currency;
    INSERT INTO incident_counts (project_id, status, kind, severity_rank, currency, n, staked, staked_minor)
    VALUES (new.project_id, new.status, new.kind, new.severity_rank, new.at_stake_currency, 1,
        new.at_stake_minor IS NOT NULL, COALESCE(new.at_stake_minor, 0))
    ON CONFLICT (project_id, status, kind, severity_rank, currency) DO UPDATE SET
        n = n + 1, staked = staked + excluded.staked, staked_minor = staked_minor + excluded.staked_minor;
END;

-- An update, never an insert: a project being deleted takes its counts
-- with it.
CREATE TRIGGER incident_counts_delete AFTER DELETE ON incidents
BEGIN
    UPDATE incident_counts SET n = n - 1, staked = staked - (old.at_stake_minor IS NOT NULL),
        staked_minor = staked_minor - COALESCE(old.at_stake_minor, 0)
    WHERE project_id = old.project_id AND status = old.status AND kind = old.kind AND severity_rank = old.severity_rank
        AND currency = old.at_stake_currency;
END;

-- Webhook deliveries counted per UTC day (the received_at date) and type:
-- the dashboard's last 7 days read at most 7 × the types, not every event
-- of the week (67,000 a day at 1M customers).
CREATE TABLE webhook_event_days (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day        TEXT NOT NULL, -- YYYY-MM-DD
    type       TEXT NOT NULL,
    received   INTEGER NOT NULL,
    PRIMARY KEY (project_id, day, type)
) WITHOUT ROWID;

INSERT INTO webhook_event_days (project_id, day, type, received)
SELECT project_id, substr(received_at, 1, 10), type, COUNT(*) FROM webhook_events GROUP BY 1, 2, 3;

CREATE TRIGGER webhook_event_days_insert AFTER INSERT ON webhook_events
BEGIN
    INSERT INTO webhook_event_days (project_id, day, type, received)
    VALUES (new.project_id, substr(new.received_at, 1, 10), new.type, 1)
    ON CONFLICT (project_id, day, type) DO UPDATE SET received = received + 1;
END;

-- What a check opened or resolved (the check page's incidents): the
-- incident entries of the ledger by check, not every entry of the project.
CREATE INDEX ledger_check_incidents ON ledger (project_id, check_id, kind, incident_id) WHERE incident_id <> '';

-- The last check: newest first with its tie-break, so the dashboard reads
-- one index entry instead of sorting every check (a re-check per webhook
-- makes hundreds of thousands). It covers what checks_project served.
CREATE INDEX checks_project_started ON checks (project_id, started_at DESC, id DESC);
DROP INDEX checks_project;

-- The list in severity order with the incident's public id in the index:
-- the check page's list of a check that opened tens of thousands of
-- incidents walks this order and probes ledger_check_incidents by id for
-- each, reading no incident row it does not list. It covers what
-- incidents_by_severity served.
CREATE INDEX incidents_by_severity_id ON incidents (project_id, severity_rank, seq DESC, id);
DROP INDEX incidents_by_severity;
