-- What the checks last read of each customer a policy change could judge
-- differently (past_due, unpaid, paused, incomplete, trialing, collection
-- paused, refunded or disputed: fulfillment.PolicySensitive), with the app
-- subjects linked to it, so the policy editor's preview judges them again
-- without calling Stripe or the app. Written in the check's own write
-- transactions, only when what was read changed (hash).
CREATE TABLE policy_inputs (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    inputs      TEXT NOT NULL, -- fulfillment.PolicyInputs as JSON
    hash        TEXT NOT NULL,
    read_at     TEXT NOT NULL,
    PRIMARY KEY (project_id, customer_id)
);

-- The version (fulfillment.PolicyVersion) of the policy an incident was
-- last judged under; '' for incidents filed before versions existed (the
-- API then derives it from the policy in the incident's evidence).
ALTER TABLE incidents ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';
