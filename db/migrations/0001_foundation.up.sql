-- Workspace people, their sessions, invites and projects.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at    TEXT NOT NULL
);
-- Exactly one owner per workspace.
CREATE UNIQUE INDEX users_one_owner ON users (role) WHERE role = 'owner';

-- Only a SHA-256 of the session token is stored, so a copy of the database
-- cannot be used to sign in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL COLLATE NOCASE,
    ip         TEXT NOT NULL,
    failed_at  TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);

CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL COLLATE NOCASE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    revoked_at  TEXT
);
CREATE INDEX invites_email ON invites (email);

CREATE TABLE projects (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    billing_source TEXT NOT NULL DEFAULT '' CHECK (billing_source IN ('', 'stripe', 'demo')),
    access_source  TEXT NOT NULL DEFAULT '' CHECK (access_source IN ('', 'postgres', 'clerk', 'demo')),
    onboarded_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Which onboarding steps a person has completed; the rail's done/current/todo
-- is derived from this.
CREATE TABLE onboarding_steps (
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    step         INTEGER NOT NULL CHECK (step BETWEEN 1 AND 8),
    completed_at TEXT NOT NULL,
    completed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (project_id, step)
);
