-- Fulfillment checks, access incidents, the Access Ledger, schedules and the
-- webhook re-check queue (SPEC §6, §8, §10).

-- One row per check run. At most one check per project runs at a time: the
-- partial unique index is the lock, so two processes (the server and the
-- CLI) cannot both start one.
CREATE TABLE checks (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    scope          TEXT NOT NULL CHECK (scope IN ('full', 'recent', 'customer')),
    -- customer scope: the customers (JSON array of ids) and unlinked app
    -- subjects (JSON array of subject keys) re-checked.
    customer_ids   TEXT NOT NULL DEFAULT '[]',
    subject_keys   TEXT NOT NULL DEFAULT '[]',
    trigger        TEXT NOT NULL CHECK (trigger IN ('person', 'schedule', 'webhook', 'api', 'dry_run')),
    dry_run        INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    started_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    -- heartbeat_at moves while the run is alive; a running row whose
    -- heartbeat stopped belongs to a process that died.
    heartbeat_at   TEXT NOT NULL,
    phase          TEXT NOT NULL DEFAULT '',
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    checked        INTEGER NOT NULL DEFAULT 0,
    held           INTEGER NOT NULL DEFAULT 0,
    opened         INTEGER NOT NULL DEFAULT 0,
    updated        INTEGER NOT NULL DEFAULT 0,
    resolved       INTEGER NOT NULL DEFAULT 0,
    errors         INTEGER NOT NULL DEFAULT 0,
    error          TEXT NOT NULL DEFAULT '',
    -- JSON: findings per kind, unmapped prices, unmatched customers, request
    -- counts; for a dry run also the sample.
    summary        TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX checks_one_running ON checks (project_id) WHERE status = 'running';
CREATE INDEX checks_project ON checks (project_id, started_at DESC);

-- Access incidents. seq orders them (keyset paging); id is the public id.
CREATE TABLE incidents (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- '' for an app subject with no Stripe customer linked.
    customer_id     TEXT NOT NULL,
    -- '' for customer-level kinds (unmatched_customer, ambiguous_match);
    -- otherwise "<subject kind>:<id>" ("row:public.users#42").
    subject_key     TEXT NOT NULL,
    subject_kind    TEXT NOT NULL DEFAULT '',
    subject_id      TEXT NOT NULL DEFAULT '',
    subject_email   TEXT NOT NULL DEFAULT '',
    subject_name    TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    severity_rank   INTEGER NOT NULL, -- 0 critical … 3 low, for ordering
    status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'repairing', 'verifying', 'resolved', 'ignored')),
    summary         TEXT NOT NULL,
    -- fulfillment.ExpectedFingerprint: an ignored incident stays ignored
    -- until it changes.
    fingerprint     TEXT NOT NULL,
    -- hash of every differing field's expected and actual value: a change
    -- is an "updated" ledger entry, the same values are only a last_seen.
    diff_hash       TEXT NOT NULL,
    finding         TEXT NOT NULL, -- fulfillment.Finding as JSON (the evidence)
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    first_check_id  TEXT NOT NULL DEFAULT '',
    last_check_id   TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    acknowledged_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    ignored_at      TEXT,
    ignored_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    ignore_reason   TEXT NOT NULL DEFAULT '',
    resolved_at     TEXT,
    resolution      TEXT NOT NULL DEFAULT '',
    search          TEXT NOT NULL DEFAULT '' -- lower-cased ids, email, name for ?q=
);
-- At most one unresolved incident per customer + subject + kind.
CREATE UNIQUE INDEX incidents_one_active ON incidents (project_id, customer_id, subject_key, kind) WHERE status <> 'resolved';
-- Keyset paging: severity first, newest first (the list's order, so a page
-- is an index range, never a sort), with each filter in front.
CREATE INDEX incidents_by_severity ON incidents (project_id, severity_rank, seq DESC);
CREATE INDEX incidents_by_status ON incidents (project_id, status, severity_rank, seq DESC);
CREATE INDEX incidents_by_kind ON incidents (project_id, kind, severity_rank, seq DESC);
CREATE INDEX incidents_by_kind_status ON incidents (project_id, kind, status, severity_rank, seq DESC);
CREATE INDEX incidents_by_customer ON incidents (project_id, customer_id, severity_rank, seq DESC);

-- The Access Ledger: append-only, one hash chain per project. Entry n of a
-- project hashes entry n-1's hash and its own canonical content, so
-- `parityrail ledger verify` finds any edited, removed or reordered entry.
-- No foreign key: the ledger is a record and outlives what it mentions.
CREATE TABLE ledger (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  TEXT NOT NULL,
    n           INTEGER NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    subject_key TEXT NOT NULL DEFAULT '',
    incident_id TEXT NOT NULL DEFAULT '',
    check_id    TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (project_id, n)
);
CREATE INDEX ledger_customer ON ledger (project_id, customer_id, n);
CREATE INDEX ledger_incident ON ledger (incident_id, n) WHERE incident_id <> '';
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the Access Ledger is append-only: entries cannot be changed');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the Access Ledger is append-only: entries cannot be deleted');
END;

-- The last promise seen per customer, to ledger promise changes only, and
-- the next moment it may change by itself (a trial or period end, the end of
-- a past_due grace or of an incomplete pending window): the recent check
-- re-checks customers whose boundary just passed.
CREATE TABLE promises (
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    summary      TEXT NOT NULL, -- JSON: grants, plan, trial end, features, reason
    boundary_at  TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (project_id, customer_id)
);
CREATE INDEX promises_boundary ON promises (project_id, boundary_at) WHERE boundary_at IS NOT NULL;

-- Which app subjects were linked to which customer at the last full check:
-- a one-customer re-check on Clerk (which cannot search metadata) reads
-- exactly these users and organizations.
CREATE TABLE subject_links (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    subject_key TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (project_id, subject_key)
);
CREATE INDEX subject_links_customer ON subject_links (project_id, customer_id);

-- Per-project schedules (UTC cron specs). last_run_at is when the scheduler
-- last considered the schedule due.
CREATE TABLE schedules (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('full', 'recent')),
    spec        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    last_run_at TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);

-- Every verified Stripe event, deduplicated by id.
CREATE TABLE webhook_events (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    acted_on    INTEGER NOT NULL,
    livemode    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL, -- Stripe's event time
    received_at TEXT NOT NULL,
    PRIMARY KEY (project_id, event_id)
);
CREATE INDEX webhook_events_received ON webhook_events (project_id, received_at);

-- Webhook health for the dashboard.
CREATE TABLE webhook_health (
    project_id          TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    received            INTEGER NOT NULL DEFAULT 0,
    duplicates          INTEGER NOT NULL DEFAULT 0,
    last_event_at       TEXT,
    last_event_type     TEXT NOT NULL DEFAULT '',
    signature_failures  INTEGER NOT NULL DEFAULT 0,
    last_failure_at     TEXT,
    last_failure_reason TEXT NOT NULL DEFAULT ''
);

-- Customers waiting for a webhook re-check: one row per customer, so a
-- burst of events coalesces into one re-check. version grows with every
-- event; the worker removes a row only if no event arrived while it ran.
CREATE TABLE recheck_queue (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    events      INTEGER NOT NULL DEFAULT 1,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, customer_id)
);
CREATE INDEX recheck_queue_due ON recheck_queue (due_at);
