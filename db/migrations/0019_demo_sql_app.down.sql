ALTER TABLE projects DROP COLUMN demo_app;
