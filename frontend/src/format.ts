const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

export function formatDateTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
}

export const billingLabel: Record<string, string> = { stripe: 'Stripe', demo: 'Demo data' };
export const accessLabel: Record<string, string> = {
  postgres: 'Postgres / Supabase',
  clerk: 'Clerk',
  demo: 'Demo data (Clerk app)',
  demo_sql: 'Demo data (SQL app)',
};

/** A project on the built-in demo world (either source is demo data). */
export function isDemo(p: { billing_source: string; access_source: string }): boolean {
  return p.billing_source === 'demo' || p.access_source === 'demo' || p.access_source === 'demo_sql';
}
