-- Issue 17. API keys for scripts, CI and MCP clients. Only the SHA-256 of a
-- key is stored; prefix and last4 are what the list shows. A key reaches the
-- whole workspace (project_id '') or one project; a project's keys go with
-- it. Revoked keys stay (revoked_at set) so ledger entries keep a name for
-- their actor "apikey:<id>".
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    key_hash     TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    project_id   TEXT NOT NULL DEFAULT '',
    capability   TEXT NOT NULL CHECK (capability IN ('read', 'repair')),
    prefix       TEXT NOT NULL,
    last4        TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    last_used_ip TEXT NOT NULL DEFAULT '',
    revoked_at   TEXT,
    revoked_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_project ON api_keys (project_id);

-- An incident ignored by a key: ignored_by references people, so the key's
-- id goes here and ignored_by stays NULL. Reads show "apikey:<id>".
ALTER TABLE incidents ADD COLUMN ignored_by_key TEXT NOT NULL DEFAULT '';
