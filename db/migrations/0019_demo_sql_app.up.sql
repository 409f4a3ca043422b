-- The demo's second app: its access state in SQL tables (an SQLite file in
-- the data folder) instead of Clerk. projects.access_source is CHECKed to
-- ('', 'postgres', 'clerk', 'demo') and SQLite cannot widen a CHECK short of
-- rebuilding the table (which its foreign keys make risky), so a demo
-- project on the SQL app is access_source 'demo' with demo_app 'sql'; the
-- Go side reads the two as the one access source "demo_sql".
ALTER TABLE projects ADD COLUMN demo_app TEXT NOT NULL DEFAULT '' CHECK (demo_app IN ('', 'sql'));
