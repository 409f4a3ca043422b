// Step 8 "Go live": what is connected (masked labels only), when checks run,
// whether repairs may write (Postgres with a repair role only), a plain note
// on notifications, and "Finish": the server applies it all, marks the
// project onboarded and starts its first real check; then the dashboard.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Rocket } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { toast } from 'sonner';
import { api, errorMessage } from '../../api';
import { checkKey, dashboardKey, describeSchedule, schedulesKey } from '../../components/check';
import { ChannelsManager } from '../../components/Notifications';
import { Button, cx, ErrorAlert, inputClass, LoadingState, ModeBadge, Notice } from '../../components/ui';
import { formatDateTime } from '../../format';
import type { Connection, Project, Schedule } from '../../types';
import { projectKey } from '../ProjectsPage';
import {
  AdminOnlyNote,
  refreshProject,
  SectionHeading,
  StepFooter,
  StepLink,
  useConnections,
  type StepProps,
} from './shared';

const connectionName: Record<string, string> = {
  stripe: 'Stripe',
  clerk: 'Clerk',
  postgres: 'Postgres / Supabase',
};

interface ScheduleForm {
  spec: string;
  enabled: boolean;
}

export function GoLiveStep({ project, canEdit, base }: StepProps) {
  const connections = useConnections(project.id);
  const schedules = useQuery({ queryKey: schedulesKey(project.id), queryFn: () => api.getSchedules(project.id) });

  if (connections.isPending || schedules.isPending) return <LoadingState label="Loading the project's settings…" />;
  if (connections.isError || schedules.isError) {
    return (
      <div className="space-y-4">
        <ErrorAlert message={errorMessage(connections.error ?? schedules.error)} />
        <Button
          variant="secondary"
          onClick={() => {
            connections.refetch();
            schedules.refetch();
          }}
        >
          Try again
        </Button>
      </div>
    );
  }
  return (
    <GoLiveForm
      project={project}
      canEdit={canEdit}
      base={base}
      connections={connections.data.items}
      schedules={schedules.data.items}
    />
  );
}

function GoLiveForm({
  project,
  canEdit,
  base,
  connections,
  schedules,
}: {
  project: Project;
  canEdit: boolean;
  base: string;
  connections: Connection[];
  schedules: Schedule[];
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const defaults = { full: '0 3 * * *', recent: '0 * * * *', digest: '0 8 * * 1' };
  const initial = (kind: 'full' | 'recent' | 'digest'): ScheduleForm => {
    const s = schedules.find((x) => x.kind === kind);
    return { spec: s?.spec ?? defaults[kind], enabled: s?.enabled ?? true };
  };
  const [full, setFull] = useState<ScheduleForm>(() => initial('full'));
  const [recent, setRecent] = useState<ScheduleForm>(() => initial('recent'));
  const [digest, setDigest] = useState<ScheduleForm>(() => initial('digest'));
  const postgres = connections.find((c) => c.kind === 'postgres');
  // The demo's SQL app has its own writer: no repair connection to add.
  const repairsOffered = (project.access_source === 'postgres' && !!postgres?.extra_label) || project.access_source === 'demo_sql';
  const [repairs, setRepairs] = useState(project.repairs_enabled && repairsOffered);
  const repairsId = useId();

  const finish = useMutation({
    mutationFn: () =>
      api.goLive(project.id, {
        ...(repairsOffered ? { repairs_enabled: repairs } : {}),
        schedules: {
          full: { spec: full.spec, enabled: full.enabled },
          recent: { spec: recent.spec, enabled: recent.enabled },
          digest: { spec: digest.spec, enabled: digest.enabled },
        },
      }),
    onSuccess: async (res) => {
      queryClient.setQueryData(projectKey(project.id), res.project);
      queryClient.setQueryData(checkKey(project.id, res.check.id), res.check);
      toast.success(project.onboarded ? 'Settings saved — a full check started' : 'Project is live — the first check started');
      await Promise.all([
        refreshProject(queryClient, project.id),
        queryClient.invalidateQueries({ queryKey: schedulesKey(project.id) }),
        queryClient.invalidateQueries({ queryKey: dashboardKey(project.id) }),
      ]);
      navigate(`/projects/${project.id}`, { state: { watchCheck: res.check.id } });
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (canEdit) finish.mutate();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-8" aria-label="Go live">
      {project.onboarded && (
        <Notice tone="success" title="This project is live">
          Change its settings here; saving also runs a full check.
        </Notice>
      )}
      {!canEdit && <AdminOnlyNote>You can view these settings. Only an admin can finish onboarding.</AdminOnlyNote>}

      <section aria-labelledby="golive-connections" className="space-y-3">
        <SectionHeading id="golive-connections">Connections</SectionHeading>
        {connections.length === 0 ? (
          <Notice tone="warning" title="Nothing is connected">
            Connect Stripe on <StepLink base={base} step={2}>step 2</StepLink> and your app on{' '}
            <StepLink base={base} step={3}>step 3</StepLink> first.
          </Notice>
        ) : (
          <ul className="divide-y divide-gray-100 rounded-lg border border-gray-200">
            {connections.map((c) => (
              <li key={c.kind} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm">
                <span className="w-40 shrink-0 font-medium text-gray-900">{connectionName[c.kind] ?? c.kind}</span>
                <code className="font-mono text-xs text-gray-700">{c.label}</code>
                {c.kind === 'stripe' && <ModeBadge mode={c.mode} />}
                {c.extra_label && (
                  <span className="text-xs text-gray-500">
                    {c.kind === 'stripe' ? 'Webhook secret ' : 'Repair role '}
                    <code className="font-mono">{c.extra_label}</code>
                  </span>
                )}
                <span className="text-xs text-gray-400 sm:ml-auto">Connected {formatDateTime(c.connected_at)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <fieldset className="space-y-4" disabled={!canEdit}>
        <legend className="text-base font-semibold text-gray-900">Schedule</legend>
        <p className="-mt-2 text-sm text-gray-600">
          Times are five-field cron schedules in UTC (minute hour day month weekday). Only one check runs per project
          at a time; a check that is due while another runs is skipped.
        </p>
        <ScheduleRow
          title="Daily full check"
          hint="Reads every customer: catches anything webhooks missed."
          value={full}
          onChange={setFull}
        />
        <ScheduleRow
          title="Hourly recent check"
          hint="Customers with recent Stripe activity, trial or period ends, and every open incident."
          value={recent}
          onChange={setRecent}
        />
        <ScheduleRow
          title="Weekly digest"
          hint="Open incidents and the week's activity, to the channels that chose the digest."
          value={digest}
          onChange={setDigest}
        />
      </fieldset>

      <section aria-labelledby="golive-repairs" className="space-y-3">
        <SectionHeading id="golive-repairs">Repairs</SectionHeading>
        {repairsOffered ? (
          <div className="flex items-start gap-3">
            <input
              id={repairsId}
              type="checkbox"
              checked={repairs}
              disabled={!canEdit}
              onChange={(e) => setRepairs(e.target.checked)}
              className="mt-1 size-4 rounded border-gray-300 text-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600"
            />
            <label htmlFor={repairsId} className="text-sm">
              <span className="font-medium text-gray-900">Allow approved repairs</span>
              <span className="mt-0.5 block text-gray-600">
                An admin can approve a suggested fix, and ParityRail writes it through the repair role{' '}
                <code className="font-mono text-xs">{postgres?.extra_label}</code> — one row, only the mapped access
                columns, and only if the row still holds the values the check saw. Off: incidents are found and shown,
                nothing is written.
              </span>
            </label>
          </div>
        ) : (
          <p className="text-sm text-gray-600">
            {project.access_source === 'postgres' ? (
              <>
                Repairs are not offered: there is no repair connection. Add a repair connection string (a role with
                UPDATE on the mapped access columns only) on <StepLink base={base} step={3}>step 3 (Database)</StepLink>{' '}
                to offer them. Until then ParityRail only reads.
              </>
            ) : project.access_source === 'clerk' ? (
              'Repairs are not offered for Clerk: ParityRail never writes to Clerk. Each incident shows the metadata change to make, and "Re-run check" confirms it.'
            ) : (
              'Repairs are not offered for this access source. ParityRail only reads.'
            )}
          </p>
        )}
      </section>

      <section aria-labelledby="golive-notify" className="space-y-3">
        <SectionHeading id="golive-notify">Notification channels</SectionHeading>
        <p className="text-sm text-gray-600">
          Tell Slack, email or a webhook when a check opens incidents, when scheduled checks keep failing, and every week.
          Nothing is sent until the project is live, and dry runs never notify.
        </p>
        <ChannelsManager project={project} canEdit={canEdit} />
      </section>

      {finish.isError && <ErrorAlert message={errorMessage(finish.error)} />}

      <StepFooter note="Finish starts the first full check; you land on the dashboard while it runs.">
        {canEdit && (
          <Button type="submit" busy={finish.isPending} busyLabel={project.onboarded ? 'Saving…' : 'Finishing…'}>
            <Rocket aria-hidden className="size-4" />
            {project.onboarded ? 'Save and run a check' : 'Finish'}
          </Button>
        )}
      </StepFooter>
    </form>
  );
}

function ScheduleRow({
  title,
  hint,
  value,
  onChange,
}: {
  title: string;
  hint: string;
  value: ScheduleForm;
  onChange: (v: ScheduleForm) => void;
}) {
  const id = useId();
  return (
    <div className="grid gap-3 rounded-lg border border-gray-200 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_12rem] sm:items-center">
      <div className="flex items-start gap-3">
        <input
          id={`${id}-on`}
          type="checkbox"
          checked={value.enabled}
          onChange={(e) => onChange({ ...value, enabled: e.target.checked })}
          className="mt-1 size-4 rounded border-gray-300 text-indigo-600"
        />
        <label htmlFor={`${id}-on`} className="text-sm">
          <span className="font-medium text-gray-900">{title}</span>
          <span className="block text-gray-600">{hint}</span>
          <span className={cx('block text-xs', value.enabled ? 'text-gray-500' : 'text-amber-700')}>
            {value.enabled ? describeSchedule(value.spec) : 'Off'}
          </span>
        </label>
      </div>
      <div>
        <label htmlFor={`${id}-spec`} className="mb-1 block text-xs font-medium text-gray-500">
          Schedule (cron, UTC)
        </label>
        <input
          id={`${id}-spec`}
          // Named after its row: two of these sit on the page.
          aria-label={`${title} schedule (cron, UTC)`}
          value={value.spec}
          disabled={!value.enabled}
          onChange={(e) => onChange({ ...value, spec: e.target.value })}
          spellCheck={false}
          className={cx(inputClass, 'font-mono')}
        />
      </div>
    </div>
  );
}
