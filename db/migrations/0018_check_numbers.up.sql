-- Each project numbers its checks 1, 2, 3, … in the order they started, so
-- a person can say "check #12" (a customer's ledger reads "checked in check
-- #12"). Checks are never deleted, so a number never moves.
ALTER TABLE checks ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE checks SET number = (SELECT COUNT(*) FROM checks c2 WHERE c2.project_id = checks.project_id AND c2.rowid <= checks.rowid);
CREATE UNIQUE INDEX checks_project_number ON checks (project_id, number);
