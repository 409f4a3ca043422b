import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../types';
import { ledgerSentence } from './ledger';

function entry(kind: string, detail: Record<string, unknown>): LedgerEntry {
  return { kind, detail } as unknown as LedgerEntry;
}

describe('ledger sentences for repairs', () => {
  it('shows what an approved repair changed, before → after', () => {
    const s = ledgerSentence(
      entry('repair_approved', {
        changes: [
          { field: 'plan', column: 'plan', before: 'free', after: 'pro' },
          { field: 'premium', column: 'is_premium', before: false, after: true },
        ],
      }),
    );
    expect(s).toBe('The repair was approved and applied (plan: free → pro, is_premium: false → true).');
  });

  it("shows a failed repair's reason, stored as message", () => {
    expect(ledgerSentence(entry('repair_failed', { code: 'pg_row_changed', message: 'The row changed since the check.' }))).toBe(
      'The repair failed: The row changed since the check.',
    );
    expect(ledgerSentence(entry('repair_failed', {}))).toBe('The repair failed.');
  });
});

describe('ledger sentence for a policy change', () => {
  it('names both versions and each changed rule', () => {
    const s = ledgerSentence(
      entry('policy_changed', {
        from_version: '5039dc6b',
        to_version: '58e72feb',
        changes: { past_due_grace_days: { from: 14, to: 30 } },
      }),
    );
    expect(s).toBe('The grant policy changed from v5039dc6b to v58e72feb (past due grace days 14 → 30).');
  });
});
