-- A project's connections to the outside: Stripe (billing) and one access
-- source (postgres or clerk). Secrets are sealed by the vault before they get
-- here; label is the masked form people see (sk_test_…abcd, host/db).
CREATE TABLE connections (
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('stripe', 'postgres', 'clerk')),
    sealed_secret  TEXT NOT NULL,
    -- Stripe: the webhook signing secret; Postgres: the repair connection string.
    sealed_extra   TEXT NOT NULL DEFAULT '',
    label          TEXT NOT NULL,
    extra_label    TEXT NOT NULL DEFAULT '',
    livemode       INTEGER NOT NULL DEFAULT 0,
    connected_at   TEXT NOT NULL,
    connected_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (project_id, kind)
);

-- Steps 4–6 and the policy, as one JSON document per project (the shapes live
-- in package mapping).
CREATE TABLE mappings (
    project_id  TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    document    TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT REFERENCES users (id) ON DELETE SET NULL
);
