-- Issue 16. Notifications: channels per project, a durable outbox, each
-- delivery attempt, workspace SMTP settings, scheduled-check health, and the
-- weekly digest's schedule and signature-failure times.

CREATE TABLE notification_channels (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('slack', 'email', 'webhook')),
    name          TEXT NOT NULL,
    -- The URL (slack, webhook) or the JSON list of recipients (email), sealed.
    sealed_target TEXT NOT NULL,
    label         TEXT NOT NULL,
    -- The webhook signing secret, sealed ('' for other kinds).
    sealed_secret TEXT NOT NULL DEFAULT '',
    -- {"incidents": ["critical", "high"], "check_failing": true, "digest": true}
    events        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing')),
    last_error    TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX notification_channels_project ON notification_channels (project_id);

-- One row per channel and cause (a check, a digest week, a failing streak):
-- written in the transaction that records the cause, delivered by a worker.
-- id is the delivery key (email Message-ID, webhook Idempotency-Key).
CREATE TABLE notification_outbox (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    channel_id       TEXT NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    cause            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    first_attempt_at TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT,
    UNIQUE (channel_id, cause)
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);

-- The delivery log: every attempt with the receiver's answer.
CREATE TABLE notification_attempts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id   TEXT NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    event       TEXT NOT NULL,
    at          TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('delivered', 'retrying', 'failed')),
    status      INTEGER NOT NULL DEFAULT 0,
    answer      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_project ON notification_attempts (project_id, seq DESC);

CREATE TABLE smtp_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL,
    username        TEXT NOT NULL DEFAULT '',
    sealed_password TEXT NOT NULL DEFAULT '',
    from_address    TEXT NOT NULL,
    tls             TEXT NOT NULL CHECK (tls IN ('starttls', 'tls', 'none')),
    updated_by      TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL
);

-- Scheduled checks failing in a row, and whether that was announced.
CREATE TABLE check_health (
    project_id   TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    failed_in_row INTEGER NOT NULL DEFAULT 0,
    alerted      INTEGER NOT NULL DEFAULT 0
);

-- Each refused Stripe signature, with its time (the digest counts a week).
CREATE TABLE webhook_signature_failures (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    at         TEXT NOT NULL
);
CREATE INDEX webhook_signature_failures_at ON webhook_signature_failures (project_id, at);

-- The digest is a schedule beside full and recent.
CREATE TABLE schedules_new (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('full', 'recent', 'digest')),
    spec        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    last_run_at TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);
INSERT INTO schedules_new SELECT project_id, kind, spec, enabled, last_run_at, updated_at FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_new RENAME TO schedules;
