-- Repairs are opt-in per project (SPEC §3 step 8, §7): off until an admin
-- turns them on, and only meaningful with a Postgres repair connection.
ALTER TABLE projects ADD COLUMN repairs_enabled INTEGER NOT NULL DEFAULT 0;
