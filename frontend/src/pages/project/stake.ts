import type { IncidentKind, StakeTotal } from '../../types';

/** "$1,240/mo": a monthly amount in a currency's minor unit, in whole units. */
export function monthlyMoney(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return `${(minor / 100).toFixed(0)} ${code}/mo`;
  }
  const whole = Math.round(minor / 10 ** digits);
  return `${new Intl.NumberFormat('en-US', { style: 'currency', currency: code, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(whole)}/mo`;
}

const stakeWords: Partial<Record<IncidentKind, string>> = {
  access_without_payment: 'leaking (access without payment)',
  paid_without_access: 'at risk (paid without access)',
  wrong_plan: 'on the wrong plan',
};

/** "$1,240/mo leaking (access without payment), $3,100/mo at risk (paid without access)". */
export function stakeLine(totals: StakeTotal[]): string {
  return totals
    .filter((t) => t.monthly_minor > 0 && stakeWords[t.kind])
    .map((t) => `${monthlyMoney(t.monthly_minor, t.currency)} ${stakeWords[t.kind]}`)
    .join(', ');
}
