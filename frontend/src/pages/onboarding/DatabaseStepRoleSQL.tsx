// The SQL that creates ParityRail's two Postgres roles, under step 3's
// connection strings: a read-only role for every check, and the optional
// repair role that may UPDATE only the mapped access columns.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { CopyButton, ErrorAlert, LoadingState } from '../../components/ui';
import type { SetupSQL } from '../../types';
import { Expander, setupSQLKey, StepLink, useMappings } from './shared';

/** An expander whose body is written from the project's role SQL, read the first time it opens. */
function RoleSQLExpander({
  projectId,
  title,
  children,
}: {
  projectId: string;
  title: string;
  children: (sql: SetupSQL) => ReactNode;
}) {
  const [opened, setOpened] = useState(false);
  // The project's roles keep their names and passwords until regenerated;
  // dropped when the form goes away, so the next visit reflects what was
  // mapped since (the repair SQL). Both expanders share the one answer.
  const sql = useQuery({
    queryKey: setupSQLKey(projectId),
    queryFn: () => api.databaseSetupSQL(projectId),
    enabled: opened,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
  return (
    <Expander title={title} onOpenChange={(o) => o && setOpened(true)}>
      {sql.isPending ? (
        <LoadingState label="Writing the SQL…" />
      ) : sql.isError ? (
        <ErrorAlert message={errorMessage(sql.error)} />
      ) : (
        children(sql.data)
      )}
    </Expander>
  );
}

export function ReadRoleSQL({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const mappedTable = useMappings(projectId).data?.identity?.table;
  return (
    <RoleSQLExpander projectId={projectId} title="How to create a read-only role">
      {(d) => (
        <>
          <p>
            Run this as the database owner (Supabase: the SQL editor). It creates the role{' '}
            <code className="font-mono text-xs">{d.read_only.role}</code> with its own password,{' '}
            {mappedTable ? (
              <>grants SELECT on the tables you mapped</>
            ) : (
              <>grants SELECT on every table in schema public (narrow it once you have mapped your tables)</>
            )}{' '}
            and makes its sessions read-only.
          </p>
          <SQLBlock sql={d.read_only.sql} label="Role SQL" />
          <p>
            The role and password stay the same on every visit.{' '}
            <button
              type="button"
              className="font-medium text-indigo-700 underline hover:text-indigo-600"
              onClick={async () => {
                try {
                  queryClient.setQueryData(setupSQLKey(projectId), await api.databaseSetupSQL(projectId, 'read'));
                } catch (err) {
                  toast.error(errorMessage(err));
                }
              }}
            >
              Generate a new password
            </button>{' '}
            (then run the ALTER ROLE line).
          </p>
          <p>Then paste the role's connection string above, with your host and database:</p>
          <code className="block break-all rounded-md bg-gray-50 px-3 py-2 font-mono text-xs text-gray-900 ring-1 ring-inset ring-gray-200">
            postgres://{d.read_only.role}:{d.read_only.password}@&lt;host&gt;:5432/&lt;database&gt;?sslmode=require
          </code>
        </>
      )}
    </RoleSQLExpander>
  );
}

export function RepairRoleSQL({ projectId, base }: { projectId: string; base: string }) {
  return (
    <RoleSQLExpander projectId={projectId} title="How to create the repair role">
      {(d) =>
        d.repair ? (
          <>
            <p>
              Run this as the database owner. The role <code className="font-mono text-xs">{d.repair.role}</code> may
              read each mapped table's primary key and access columns, and{' '}
              <code className="font-mono text-xs">GRANT UPDATE (&lt;mapped columns&gt;)</code> only on those columns —
              nothing else.
            </p>
            <SQLBlock sql={d.repair.sql} label="Repair role SQL" />
          </>
        ) : (
          <p>
            {d.repair_unavailable ?? 'Map the access columns on step 6 first: the repair role may update only those columns.'}{' '}
            <StepLink base={base} step={6}>
              Go to step 6
            </StepLink>
          </p>
        )
      }
    </RoleSQLExpander>
  );
}

function SQLBlock({ sql, label }: { sql: string; label: string }) {
  return (
    <div className="overflow-hidden rounded-md ring-1 ring-gray-200">
      <div className="flex items-center justify-between gap-2 border-b border-gray-200 bg-gray-50 px-3 py-1.5">
        <span className="text-xs font-medium text-gray-600">{label}</span>
        <CopyButton value={sql} label="Copy SQL" what={label} />
      </div>
      {/* Wrapped, not scrolled sideways: long GRANT lines must not widen the page on a phone. */}
      <pre
        aria-label={label}
        className="max-h-72 overflow-y-auto whitespace-pre-wrap bg-white px-3 py-2.5 font-mono text-xs leading-5 text-gray-900 [overflow-wrap:anywhere]"
      >
        {sql}
      </pre>
    </div>
  );
}
