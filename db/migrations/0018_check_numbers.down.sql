DROP INDEX checks_project_number;
ALTER TABLE checks DROP COLUMN number;
