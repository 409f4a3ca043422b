-- Issue 18. A project's Stripe request budget in requests per second; 0 is
-- the key mode's default (25 in test mode, 50 in live mode).
ALTER TABLE projects ADD COLUMN stripe_max_rps REAL NOT NULL DEFAULT 0;
