ALTER TABLE incidents DROP COLUMN policy_version;
DROP TABLE policy_inputs;
