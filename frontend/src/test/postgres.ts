// A SaaS-like schema as GET /schema answers it, for the Postgres step tests.
import type { ColumnCategory, Connection, DatabaseSchema, Project, SchemaColumn } from '../types';
import { project } from './fixtures';

export function postgresProject(current: number, done: number[] = []): Project {
  const p = project({ billing_source: 'stripe', access_source: 'postgres' }, current);
  return {
    ...p,
    onboarding: {
      current_step: current,
      steps: p.onboarding.steps.map((s) => (done.includes(s.number) ? { ...s, state: 'done' } : s)),
    },
  };
}

export const pgConn: Connection = {
  kind: 'postgres',
  label: 'db.example.com / app',
  mode: 'test',
  connected_at: '2025-01-02T10:00:00Z',
};

const col = (name: string, type: string, category: ColumnCategory, nullable = true): SchemaColumn => ({ name, type, category, nullable });

export const appSchema: DatabaseSchema = {
  tables: [
    {
      schema: 'public',
      name: 'users',
      kind: 'table',
      primary_key: ['id'],
      columns: [
        col('id', 'uuid', 'uuid', false),
        col('email', 'text', 'text'),
        col('stripe_customer_id', 'text', 'text'),
        col('plan', 'text', 'text', false),
        col('is_premium', 'boolean', 'boolean', false),
        col('trial_ends_at', 'timestamp with time zone', 'timestamptz'),
        col('features', 'jsonb', 'jsonb'),
      ],
    },
    {
      schema: 'public',
      name: 'organizations',
      kind: 'table',
      primary_key: ['id'],
      columns: [
        col('id', 'bigint', 'integer', false),
        col('name', 'text', 'text'),
        col('stripe_customer_id', 'text', 'text'),
        col('plan', 'text', 'text'),
      ],
    },
    {
      schema: 'public',
      name: 'events_log',
      kind: 'table',
      columns: [col('customer', 'text', 'text'), col('at', 'timestamp with time zone', 'timestamptz')],
    },
  ],
  suggestion: {
    users: {
      mapping: {
        schema: 'public',
        table: 'users',
        billing_field: 'stripe.customer.id',
        identity: 'stripe_customer_id',
        plan: 'plan',
        premium: 'is_premium',
        trial_end: 'trial_ends_at',
        entitlements: 'features',
        email: 'email',
      },
      reasons: {
        table: 'public.users has a Stripe customer column ("stripe_customer_id").',
        identity: '"stripe_customer_id" is named like a Stripe customer id and holds text.',
        plan: '"plan" is named like a plan and holds text.',
        premium: '"is_premium" is named like a premium flag and holds boolean.',
      },
    },
    orgs: {
      mapping: {
        schema: 'public',
        table: 'organizations',
        billing_field: 'stripe.customer.id',
        identity: 'stripe_customer_id',
        plan: 'plan',
        name: 'name',
      },
      reasons: { table: 'public.organizations is named like an organizations table.' },
    },
  },
};
