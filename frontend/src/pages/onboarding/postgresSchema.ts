// What the Postgres steps (4 and 6) know about the introspected schema:
// table keys as the mapping stores them, and which column types fit which
// field (the same rules as access/postgres's fieldTypes, so a picker only
// offers columns the server will accept).
import type { ColumnCategory, DatabaseSchema, SchemaColumn, SchemaTable, TableSuggestion } from '../../types';

export type PgField = 'identity' | 'plan' | 'premium' | 'trial_end' | 'entitlements' | 'email' | 'name';

export const fieldCategories: Record<PgField, ColumnCategory[]> = {
  identity: ['text', 'enum', 'uuid', 'integer'],
  plan: ['text', 'enum'],
  premium: ['boolean', 'text', 'integer'],
  trial_end: ['timestamptz', 'timestamp', 'date', 'text', 'integer'],
  entitlements: ['jsonb', 'text[]'],
  email: ['text'],
  name: ['text'],
};

/** The mapping stores tables as schema.table, so names with dots stay exact. */
export function tableKey(t: { schema: string; name: string }): string {
  return `${t.schema || 'public'}.${t.name}`;
}

/** Finds a mapped table: "schema.table", or a bare "table" in public. */
export function findTable(schema: DatabaseSchema, key: string | undefined): SchemaTable | undefined {
  if (!key) return undefined;
  return (
    schema.tables.find((t) => tableKey(t) === key) ??
    schema.tables.find((t) => t.schema === 'public' && t.name === key)
  );
}

export function compatibleColumns(table: SchemaTable | undefined, field: PgField): SchemaColumn[] {
  return (table?.columns ?? []).filter((c) => fieldCategories[field].includes(c.category));
}

/** The suggestion for this table, if the schema suggested it. */
export function suggestionFor(s: TableSuggestion | undefined, table: SchemaTable | undefined) {
  if (!s || !table) return undefined;
  return tableKey({ schema: s.mapping.schema, name: s.mapping.table }) === tableKey(table) ? s : undefined;
}

/** Why a table cannot be repaired later, or "" when it can (a single-column primary key). */
export function notRepairable(t: SchemaTable): string {
  const pk = t.primary_key ?? [];
  if (pk.length === 0) {
    return `${tableKey(t)} has no primary key: it can be checked, but repairs need a primary key to update exactly one row.`;
  }
  if (pk.length > 1) {
    return `${tableKey(t)} has a ${pk.length}-column primary key (${pk.join(', ')}): it can be checked, but repairs need a single-column key.`;
  }
  return '';
}

// PostgreSQL's long spellings, shortened so a picker on a phone shows the type.
const shortTypes: Record<string, string> = {
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'character varying': 'varchar',
  'double precision': 'float8',
};

export function columnLabel(c: SchemaColumn): string {
  return `${c.name} · ${shortTypes[c.type] ?? c.type}`;
}
