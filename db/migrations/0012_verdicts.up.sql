-- Issue 19. An incident about an app subject linked to no Stripe customer
-- names no customer: customer_id holds only ids of customers the Stripe
-- account holds, "" otherwise. Incidents filed before under the value the
-- subject held (an email, a row id, a metadata value) are rekeyed, unless
-- the subject already has an unresolved incident of that kind under "".
-- (An unknown cus_ id is rekeyed by the next full check, which can tell.)
UPDATE incidents SET customer_id = ''
WHERE customer_id <> '' AND customer_id NOT LIKE 'cus\_%' ESCAPE '\' AND subject_key <> ''
  AND (status = 'resolved' OR NOT EXISTS (
    SELECT 1 FROM incidents o WHERE o.project_id = incidents.project_id AND o.customer_id = ''
      AND o.subject_key = incidents.subject_key AND o.kind = incidents.kind AND o.status <> 'resolved'));

-- Money at stake on every incident: what the gap is worth per month in the
-- price's currency (minor unit); NULL when no amount can be named. basis is
-- price, usage or varies ('' when the kind has none).
ALTER TABLE incidents ADD COLUMN at_stake_minor INTEGER;
ALTER TABLE incidents ADD COLUMN at_stake_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN at_stake_basis TEXT NOT NULL DEFAULT '';
-- The list sorted by money at stake within a currency, and the dashboard's
-- sums of unresolved incidents per currency and kind.
CREATE INDEX incidents_by_stake ON incidents (project_id, at_stake_currency, at_stake_minor DESC, seq DESC);
