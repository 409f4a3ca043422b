-- Repair proposals (SPEC §7): the change of mapped access fields that would
-- make the app keep the promise for one incident's subject. A check files a
-- proposal in the same transaction as the incident it belongs to; at most
-- one proposal per incident waits for a decision. Approving runs one guarded
-- single-row UPDATE (Postgres); the verification that follows is scheduled
-- here, so a restart loses nothing.
CREATE TABLE repairs (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    incident_id      TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- proposed, approved (being applied), applied, failed, rejected, superseded
    status           TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    table_name       TEXT NOT NULL DEFAULT '',
    -- fulfillment.RepairPlan as JSON: fields with before → after, reason.
    plan             TEXT NOT NULL,
    reason           TEXT NOT NULL,
    proposed_at      TEXT NOT NULL,
    proposed_check   TEXT NOT NULL DEFAULT '',
    -- who approved or rejected it, when, and (rejected) why
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       TEXT,
    decision_reason  TEXT NOT NULL DEFAULT '',
    applied_at       TEXT,
    -- what the UPDATE wrote (postgres.RepairResult as JSON)
    result           TEXT,
    error_code       TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    -- '' (none yet), pending, held, still_wrong
    verification     TEXT NOT NULL DEFAULT '',
    verify_attempts  INTEGER NOT NULL DEFAULT 0,
    next_verify_at   TEXT,
    verified_at      TEXT,
    verify_message   TEXT NOT NULL DEFAULT '',
    -- the access fields as last read by a verification (JSON)
    values_now       TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX repairs_incident ON repairs (incident_id, seq);
-- One proposal per incident waits for a decision.
CREATE UNIQUE INDEX repairs_one_proposed ON repairs (incident_id) WHERE status = 'proposed';
CREATE INDEX repairs_verify_due ON repairs (next_verify_at) WHERE verification = 'pending';
